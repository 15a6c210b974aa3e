"""The authenticated request path, measured in-process: CPU time and queries per request.

    DATABASE_URL=postgres://postgres@127.0.0.1:55462/haechi_auth \\
        .venv/bin/python bench/request_path.py [--requests 400] [--profile CASE] [--sql CASE]

Calls Django's WSGI handler directly (no HTTP server, no test client) with production settings
(``DEBUG=0``) and the bench ceiling URLs (``bench.intake_urls``), as gunicorn would, for:

- ``anonymous health``: ``GET /api/health`` signed out (no session, no limit): the floor;
- ``firm GET /api/accounts/me``: a firm member's session, a trivial authenticated API read;
- ``official GET /api/accounts/me``: a city official with a verified second factor;
- ``firm POST /__bench/insert`` and ``firm POST /api/__bench/insert``: bench/intake.py's ceiling
  (one insert) at a page address and at an API address (where the API limit is counted).

For each it prints the process CPU time per request (``time.process_time``; this process is the
web worker), the PostgreSQL CPU per request (the local server's processes, from /proc) and the
queries per request, with the load average. ``--stock`` measures the path as it was before
the signed-in user was loaded in one statement: Django's session and user loading, django-otp's
middleware, roles read on their own and the rate-limit counters in a logged table (switched back
to unlogged at the end) — run both, one after the other, to compare at the same machine load.
``--pages`` adds bench/load.py's request kinds one by one; ``--fill N`` first adds barriers until
the database holds N. ``--profile CASE`` prints a cProfile of that case (CPU time: cumulative top
45, own time top 30); ``--sql CASE`` prints the SQL of one request of that case.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.intake_settings")
os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(40))
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
os.environ.setdefault("HAECHI_BEHIND_TLS", "0")
os.environ.setdefault("DEBUG", "0")
# As bench/intake.py: limits out of reach but still counted.
os.environ.setdefault("HAECHI_RATE_LIMIT_API", "1000000/1000000/60")
os.environ.setdefault("HAECHI_RATE_LIMIT_FILING", "1000000/1000000/3600")

import django  # noqa: E402

django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Membership, Role, User  # noqa: E402
from agencies.models import Agency  # noqa: E402
from barriers.models import Barrier, BarrierStatus  # noqa: E402
from bench.intake import BODY, session_for  # noqa: E402
from bench.load import cpu_seconds, postmaster_pid  # noqa: E402
from firms.models import Firm  # noqa: E402
from firms.reference_data import load_sectors  # noqa: E402
from firms.tests.factories import brn_for  # noqa: E402


def _environ(method: str, path: str, session: tuple[str, str] | None, body: bytes = b"") -> dict[str, Any]:
    path, _sep, query = path.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
    }
    if session is not None:
        sid, csrf = session
        environ["HTTP_COOKIE"] = f"sessionid={sid}; csrftoken={csrf}"
        environ["HTTP_X_CSRFTOKEN"] = csrf
    return environ


class Counter:
    """Counts (and optionally keeps) the SQL statements the connection runs."""

    def __init__(self, keep: bool = False) -> None:
        self.count = 0
        self.keep = keep
        self.statements: list[str] = []

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        if self.keep:
            self.statements.append(sql)
        return execute(sql, params, many, context)


def setup() -> dict[str, Any]:
    call_command("migrate", verbosity=0)
    load_sectors()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_ceiling (id bigserial primary key, user_id bigint, body text)")
    tag = secrets.token_hex(3)
    firm = Firm.objects.create(name=f"경로기업 {tag}", business_registration_number=brn_for(secrets.randbelow(90_000)))
    member = User.objects.create_user(f"path-{tag}@example.kr", None, name="경로")
    Membership.objects.create(user=member, role=Role.FIRM_MEMBER, firm=firm)
    city = User.objects.create_user(f"path-city-{tag}@example.kr", None, name="경로 서울시")
    Membership.objects.create(user=city, role=Role.CITY_OFFICIAL)
    agency = Agency.objects.filter(is_active=True).order_by("pk").first() or Agency.objects.create(
        code=f"PATH{tag}", name=f"경로부 {tag}", is_active=True
    )
    return {
        "anonymous": None,
        "firm": session_for(member),
        "official": session_for(city, verified=True),
        "member": member,
        "firm_object": firm,
        "agency": agency,
    }


Spec = tuple[str, str, "tuple[str, str] | None", bytes]


def cases(ctx: dict[str, Any], pages: bool) -> dict[str, Callable[[], Spec]]:
    """Each case makes the request to send next (a transition needs a new barrier each time)."""
    firm, official = ctx["firm"], ctx["official"]
    found: dict[str, Callable[[], Spec]] = {
        "anonymous health": lambda: ("GET", "/api/health", None, b""),
        "firm GET /api/accounts/me": lambda: ("GET", "/api/accounts/me", firm, b""),
        "official GET /api/accounts/me": lambda: ("GET", "/api/accounts/me", official, b""),
        "firm POST /__bench/insert": lambda: ("POST", "/__bench/insert", firm, b'{"n": 1}'),
        "firm POST /api/__bench/insert": lambda: ("POST", "/api/__bench/insert", firm, b'{"n": 1}'),
    }
    if not pages:
        return found
    # bench/load.py's request kinds, one by one.
    from barriers import services

    filed = services.file_barrier(
        actor=ctx["member"], firm=ctx["firm_object"], title="경로 상세", body=BODY, sector_codes=["robots"], submit=True
    )
    submitted: list[int] = []

    def triage() -> Spec:
        if not submitted:
            for i in range(50):
                barrier = services.file_barrier(
                    actor=ctx["member"],
                    firm=ctx["firm_object"],
                    title=f"경로 분류 {i}",
                    body=BODY,
                    sector_codes=["robots"],
                    submit=True,
                )
                submitted.append(barrier.pk)
        body = json.dumps({"kind": "proposal", "lead_agency_code": ctx["agency"].code}).encode()
        return ("POST", f"/api/barriers/{submitted.pop()}/triage", official, body)

    filing = json.dumps({"title": "경로 접수", "body": BODY, "sector_codes": ["robots"], "submit": True}).encode()
    found.update(
        {
            "public GET /register/": lambda: ("GET", "/register/", None, b""),
            "firm GET /register/": lambda: ("GET", "/register/", firm, b""),
            "firm GET /barriers/": lambda: ("GET", "/barriers/", firm, b""),
            "firm GET /barriers/<id>/": lambda: ("GET", f"/barriers/{filed.pk}/", firm, b""),
            "firm POST /api/barriers": lambda: ("POST", "/api/barriers", firm, filing),
            "official GET queue": lambda: ("GET", "/api/barriers/queue?page_size=20", official, b""),
            "official POST triage": triage,
            "official GET /insights/city/": lambda: ("GET", "/insights/city/", official, b""),
            "public GET /insights/": lambda: ("GET", "/insights/", None, b""),
        }
    )
    return found


def fill(total: int, ctx: dict[str, Any]) -> None:
    """Add barriers until the database holds ``total``, shaped like a database that earlier
    bench runs left behind (bench/intake.py's drafts, bench/load.py's filings and triages)."""
    missing = total - Barrier.objects.count()
    now = timezone.now()
    statuses = [BarrierStatus.DRAFT] * 5 + [BarrierStatus.SUBMITTED] * 3 + [BarrierStatus.TRIAGED] * 2
    batch = []
    for i in range(max(0, missing)):
        status = statuses[i % len(statuses)]
        batch.append(
            Barrier(
                title=f"채움 규제 애로 {i}",
                body=BODY,
                firm=ctx["firm_object"],
                filed_by=ctx["member"],
                status=status,
                lead_agency=ctx["agency"] if status == BarrierStatus.TRIAGED else None,
                submitted_at=None if status == BarrierStatus.DRAFT else now - dt.timedelta(minutes=i),
                due_at=None if status == BarrierStatus.DRAFT else now + dt.timedelta(hours=(i % 400) - 100),
                affected_firm_count=1,
            )
        )
        if len(batch) == 2000:
            Barrier.objects.bulk_create(batch)
            batch = []
    if batch:
        Barrier.objects.bulk_create(batch)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=400, help="requests per case")
    parser.add_argument("--profile", help="print a cProfile of this case")
    parser.add_argument("--sql", help="print the SQL of one request of this case")
    parser.add_argument("--only", help="measure only the cases whose name contains this")
    parser.add_argument("--stock", action="store_true", help="the request path before (see above)")
    parser.add_argument("--pages", action="store_true", help="also bench/load.py's request kinds, one by one")
    parser.add_argument("--fill", type=int, default=0, help="first add barriers until the database holds this many")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("warning: not PostgreSQL; figures will not say much about production", file=sys.stderr)
    ctx = setup()
    if args.stock:
        _use_stock_path()
    try:
        return _measure(args, ctx)
    finally:
        if args.stock and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ALTER TABLE accounts_ratelimitbucket SET UNLOGGED")


def _use_stock_path() -> None:
    from django.conf import settings
    from django.contrib.auth.backends import ModelBackend

    from accounts.backends import EmailBackend

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    settings.MIDDLEWARE = [
        "django_otp.middleware.OTPMiddleware" if name == "accounts.middleware.TwoFactorMiddleware" else name
        for name in settings.MIDDLEWARE
    ]
    EmailBackend.get_user = ModelBackend.get_user  # type: ignore[method-assign]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE accounts_ratelimitbucket SET LOGGED")


def _measure(args: argparse.Namespace, ctx: dict[str, Any]) -> int:
    handler = WSGIHandler()
    if args.fill:
        fill(args.fill, ctx)
    table = cases(ctx, args.pages)
    database = postmaster_pid()

    def call(make: Callable[[], Spec]) -> int:
        method, path, session, body = make()
        status: list[str] = []
        result = handler(_environ(method, path, session, body), lambda s, h, *a: status.append(s))  # type: ignore[arg-type]
        b"".join(result)
        if hasattr(result, "close"):
            result.close()
        return int(status[0].split()[0])

    print(
        f"{'STOCK path, ' if args.stock else ''}{connection.vendor}, {Barrier.objects.count():,} barriers, "
        f"DEBUG=0, {args.requests} requests per case, in-process WSGI; load average {os.getloadavg()[0]:.2f}"
    )
    print(f"{'case':<34}{'status':>7}{'CPU ms/req':>12}{'PG ms/req':>11}{'queries':>9}")
    for name, spec in table.items():
        if args.only and args.only not in name:
            continue
        for _ in range(min(20, args.requests)):  # warm: imports, URL resolver, snapshots
            status = call(spec)
        counter = Counter()
        with connection.execute_wrapper(counter):
            db_before = cpu_seconds(database) if database else 0.0
            cpu_before = time.process_time()
            for _ in range(args.requests):
                status = call(spec)
            cpu = time.process_time() - cpu_before
            db = (cpu_seconds(database) if database else 0.0) - db_before
        print(
            f"{name:<34}{status:>7}{cpu / args.requests * 1000:>12.2f}"
            f"{db / args.requests * 1000:>11.2f}{counter.count / args.requests:>9.1f}"
        )
    if args.sql:
        counter = Counter(keep=True)
        with connection.execute_wrapper(counter):
            call(table[args.sql])
        print(f"\nSQL of one request, {args.sql}:")
        for statement in counter.statements:
            print(f"  {statement[:240]}")
    if args.profile:
        profile = cProfile.Profile(time.process_time)  # CPU time, not wall: waits on PostgreSQL are not ours
        profile.enable()
        for _ in range(args.requests):
            call(table[args.profile])
        profile.disable()
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
        print(f"\ncProfile, {args.requests} requests of {args.profile}:")
        print(out.getvalue())
    print(f"load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
