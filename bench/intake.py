"""Barrier intake benchmark against a real server (gunicorn on loopback, PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:55434/haechi .venv/bin/python bench/intake.py

Creates 5,000 barriers through the API with 16 concurrent clients and lists the work queue;
prints requests/s and p50/p95/p99 latency for create, queue list and two transitions (submit,
triage; and the create that submits at once),
and for a bare single-insert endpoint on the same stack (the ceiling), once at a page address and
once at an /api/ address (where the middleware counts the API rate limits, as for the create). Then fills the database
to 100,000 barriers and measures the work queue again (target: p95 < 150 ms), with 16 clients
and with one official reading at a time.

Shorter runs while developing (compare the CPU per request it prints, not wall latency, on a
shared machine): BENCH_CREATES (5000), BENCH_QUEUE_READS (800), BENCH_CLIENTS (16), BENCH_BIG
(100000), BENCH_WORKERS (the number of cores), BENCH_PORT (a free one).

Sessions are created directly in the database (no sign-in round trips, no throttling); the
CSRF token travels as cookie + header exactly as the pages send it.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.intake_settings")
os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(40))
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
os.environ.setdefault("HAECHI_BEHIND_TLS", "0")
os.environ.setdefault("DEBUG", "0")
# 16 clients on one address file 5,000 barriers: the production limits would answer most of them
# with 429 (which is then what gets timed). Raised out of reach, but still counted (one upsert
# per request, as in production), so the figures include the limits' cost.
os.environ.setdefault("HAECHI_RATE_LIMIT_API", "1000000/1000000/60")
os.environ.setdefault("HAECHI_RATE_LIMIT_FILING", "1000000/1000000/3600")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Membership, Role, User  # noqa: E402
from agencies.models import Agency  # noqa: E402
from barriers.models import Barrier, BarrierStatus  # noqa: E402
from bench.faults import free_port  # noqa: E402
from bench.load import cpu_seconds, postmaster_pid  # noqa: E402
from firms.models import Firm  # noqa: E402
from firms.reference_data import load_sectors  # noqa: E402
from firms.tests.factories import brn_for  # noqa: E402

# A free port unless BENCH_PORT says otherwise: on a shared machine a fixed one may already be
# someone else's server, which would then be the one measured.
PORT = int(os.environ.get("BENCH_PORT") or free_port())
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
CREATES = int(os.environ.get("BENCH_CREATES", "5000"))
QUEUE_READS = int(os.environ.get("BENCH_QUEUE_READS", "800"))
BIG = int(os.environ.get("BENCH_BIG", "100000"))
WORKERS = os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 4))
BODY = "자율주행 배송 로봇이 보도를 다닐 수 없어 서울 시내 실증을 진행하지 못하고 있습니다. " * 4


def session_for(user: User, *, verified: bool = False) -> tuple[str, str]:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    now = int(time.time())
    store["haechi_signed_in_at"] = store["haechi_seen_at"] = now  # officials' session timeouts
    if verified:
        # Officials reach the queue only after the second factor (otherwise: 401 on every read).
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device, _created = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
        store["otp_device_id"] = device.persistent_id
    store.create()
    return store.session_key or "", secrets.token_hex(16)


def setup() -> dict:
    call_command("migrate", verbosity=0)
    load_sectors()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_ceiling (id bigserial primary key, user_id bigint, body text)")
    tag = secrets.token_hex(3)
    agency, _ = Agency.objects.get_or_create(code=f"bench-{tag}", defaults={"name": f"벤치마크부 {tag}"})
    filers = []
    firm = Firm.objects.create(
        name=f"벤치기업 {tag}", business_registration_number=brn_for(10_000 + secrets.randbelow(80_000))
    )
    for i in range(CLIENTS):
        user = User.objects.create_user(f"bench-{tag}-{i}@example.kr", "x" * 12, name=f"벤치{i}")
        Membership.objects.create(user=user, role=Role.FIRM_MEMBER, firm=firm)
        filers.append(session_for(user))
    city = User.objects.create_user(f"bench-city-{tag}@example.kr", "x" * 12, name="벤치 서울시")
    Membership.objects.create(user=city, role=Role.CITY_OFFICIAL)
    return {"filers": filers, "city": session_for(city, verified=True), "agency": agency, "tag": tag}


class Conn:
    def __init__(self, session: tuple[str, str]) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        sid, csrf = session
        self.headers = {
            "Cookie": f"sessionid={sid}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
            "Content-Type": "application/json",
        }

    def request(
        self, method: str, path: str, body: dict | None = None, extra: dict[str, str] | None = None
    ) -> tuple[int, bytes, float]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {**self.headers, **extra} if extra else self.headers
        for attempt in range(2):
            start = time.perf_counter()
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                payload = response.read()
                return response.status, payload, time.perf_counter() - start
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
                if attempt:
                    raise
        raise RuntimeError("unreachable")


# Processes whose CPU time each phase reports per request: gunicorn (set in main) and PostgreSQL.
CPU_ROOTS: dict[str, int | None] = {"web": None, "db": None}


def _cpu() -> tuple[float, float]:
    web, db = CPU_ROOTS["web"], CPU_ROOTS["db"]
    return (cpu_seconds(web) if web else 0.0, cpu_seconds(db) if db else 0.0)


def run(
    name: str, sessions: list[tuple[str, str]], total: int, make, clients: int = CLIENTS
) -> tuple[list[float], list]:  # type: ignore[no-untyped-def]
    latencies: list[float] = []
    results: list = []
    lock = threading.Lock()
    counter = iter(range(total))

    def worker(index: int) -> None:
        conn = Conn(sessions[index % len(sessions)])
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            # (method, path, body) or (method, path, body, extra headers)
            method, path, body, *extra = make(n, index)
            status, payload, seconds = conn.request(method, path, body, *extra)
            with lock:
                latencies.append(seconds)
                results.append((status, payload))

    cpu_before = _cpu()
    start = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    cpu_after = _cpu()
    if len(latencies) < 2:
        print(f"{name:<24} n={len(latencies)}: too few requests to measure")
        return latencies, results
    statuses: dict[int, int] = {}
    for status, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    q = statistics.quantiles(latencies, n=100)
    print(
        f"{name:<24} n={len(latencies):>5}  {len(latencies) / wall:8.1f} req/s  "
        f"p50={q[49] * 1000:7.1f} ms  p95={q[94] * 1000:7.1f} ms  p99={q[98] * 1000:7.1f} ms  statuses={statuses}"
    )
    n = len(latencies)
    web_ms, db_ms = ((cpu_after[i] - cpu_before[i]) / n * 1000 for i in (0, 1))
    load = os.getloadavg()[0]
    print(f"{'':<24} CPU per request: gunicorn {web_ms:5.1f} ms, PostgreSQL {db_ms:5.1f} ms  (load {load:.1f})")
    PHASES[name] = (len(latencies) / wall, web_ms + db_ms)
    return latencies, results


# name → (requests/s, CPU ms per request: gunicorn + PostgreSQL) of each phase run so far.
PHASES: dict[str, tuple[float, float]] = {}


def compare(name: str, ceilings: tuple[str, ...]) -> None:
    """``name`` against each ceiling: its throughput as a share of the ceiling's (the target), and
    the same from CPU per request — what the share would be on an otherwise idle machine,
    where both are bound by the CPU; on a shared one the throughput share drifts with the load."""
    rps, cpu = PHASES[name]
    for ceiling in ceilings:
        c_rps, c_cpu = PHASES[ceiling]
        print(
            f"{name} vs {ceiling}: {rps / c_rps:6.1%} of its requests/s, "
            f"{c_cpu / cpu:6.1%} by CPU per request ({cpu:.1f} ms vs {c_cpu:.1f} ms)"
        )


def fill(total: int, agency: Agency, tag: str) -> None:
    """Bulk-insert barriers (as if filed and triaged) until the table holds ``total``."""
    missing = total - Barrier.objects.count()
    if missing <= 0:
        return
    firm = Firm.objects.filter(name__startswith=f"벤치기업 {tag}").first()
    user = User.objects.filter(email__startswith=f"bench-{tag}").first()
    now = timezone.now()
    statuses = [BarrierStatus.SUBMITTED, BarrierStatus.TRIAGED, BarrierStatus.FORWARDED, BarrierStatus.CLOSED]
    batch = []
    for i in range(missing):
        status = statuses[i % len(statuses)]
        batch.append(
            Barrier(
                title=f"대량 규제 애로 {i}",
                body=BODY,
                firm=firm,
                filed_by=user,
                status=status,
                lead_agency=agency if status != BarrierStatus.SUBMITTED else None,
                forwarded_at=now if status == BarrierStatus.FORWARDED else None,
                submitted_at=now - dt.timedelta(minutes=i),
                due_at=None if status == BarrierStatus.CLOSED else now + dt.timedelta(hours=(i % 400) - 100),
                due_on=None
                if status == BarrierStatus.CLOSED
                else timezone.localtime(now + dt.timedelta(hours=(i % 400) - 100)).date(),
                affected_firm_count=1 + i % 7,
            )
        )
        if len(batch) == 5000:
            Barrier.objects.bulk_create(batch)
            batch = []
    if batch:
        Barrier.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A table bulk-loaded a moment ago has no visibility map yet, so every index-only
            # scan (the queue's count) visits the heap too; autovacuum fixes that within minutes
            # in a running database. VACUUM now: measure the steady state, not the load's wake.
            cursor.execute("VACUUM ANALYZE barriers_barrier")


def wait_for_server(server: subprocess.Popen) -> None:
    """Wait (at most a minute) until the gunicorn started as ``server`` answers /healthz."""
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited ({server.returncode}): is port {PORT} taken?")
        try:
            probe = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
            probe.request("GET", "/healthz")
            if probe.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /healthz")


def main() -> None:
    if connection.vendor != "postgresql":
        print("warning: not PostgreSQL; figures are not comparable with the target", file=sys.stderr)
    ctx = setup()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.intake_settings"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "haechi.wsgi",
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            WORKERS,
            "-k",
            "gthread",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    CPU_ROOTS["web"], CPU_ROOTS["db"] = server.pid, postmaster_pid()
    try:
        wait_for_server(server)
        filers, city = ctx["filers"], [ctx["city"]]
        print(
            f"gunicorn gthread workers={WORKERS} threads=4, {CLIENTS} clients, database={connection.vendor}, "
            f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"
        )
        run("ceiling: bare insert", filers, CREATES, lambda n, i: ("POST", "/__bench/insert", {"n": n}))
        # The same insert at an /api/ address: the API rate limits are counted as for the create.
        run("ceiling: insert at /api/", filers, CREATES, lambda n, i: ("POST", "/api/__bench/insert", {"n": n}))
        # As clients file (bench/load.py, the filing form): each create with its own Idempotency-Key
        # (a draft: the key, its answer and the filing in one statement; core.idempotency).
        _, created = run(
            "create barrier",
            filers,
            CREATES,
            lambda n, i: (
                "POST",
                "/api/barriers",
                {"title": f"벤치 규제 애로 {n}", "body": BODY, "sector_codes": ["ai"]},
                {"Idempotency-Key": secrets.token_hex(16)},
            ),
        )
        compare("create barrier", ("ceiling: bare insert", "ceiling: insert at /api/"))
        ids = [json.loads(p)["id"] for s, p in created if s == 201]
        # All filers belong to one firm, so any of them may submit any draft: one shared pool.
        pool = iter(ids)
        lock = threading.Lock()

        def submit(n: int, index: int):  # type: ignore[no-untyped-def]
            with lock:
                barrier_id = next(pool)
            return "POST", f"/api/barriers/{barrier_id}/submit", {}

        submitted = ids[: min(len(ids), 1000)]
        run("transition: submit", filers, len(submitted), submit)
        # Filing and submitting in one request (what the filing form and bench/load.py's "file" do).
        run(
            "create with submit",
            filers,
            min(CREATES, 1000),
            lambda n, i: (
                "POST",
                "/api/barriers",
                {"title": f"벤치 규제 애로 {n}", "body": BODY, "sector_codes": ["ai"], "submit": True},
            ),
        )
        triage_pool = iter(submitted)

        def triage(n: int, index: int):  # type: ignore[no-untyped-def]
            with lock:
                barrier_id = next(triage_pool)
            return (
                "POST",
                f"/api/barriers/{barrier_id}/triage",
                {"kind": "proposal", "lead_agency_code": ctx["agency"].code},
            )

        run("transition: triage", city, len(submitted), triage)
        run("work queue (city)", city, QUEUE_READS, lambda n, i: ("GET", "/api/barriers/queue?page_size=20", None))
        fill(BIG, ctx["agency"], ctx["tag"])
        print(f"-- database now holds {Barrier.objects.count():,} barriers")
        run(
            "work queue @100k (city)", city, QUEUE_READS, lambda n, i: ("GET", "/api/barriers/queue?page_size=20", None)
        )
        run(
            "overdue filter @100k",
            city,
            QUEUE_READS // 2,
            lambda n, i: ("GET", "/api/barriers/queue?overdue=true", None),
        )
        # The same page for one official at a time: the latency of the page itself, without the
        # queueing of 16 simultaneous readers on two cores (both figures are reported).
        run(
            "work queue @100k, 1 client",
            city,
            QUEUE_READS // 4,
            lambda n, i: ("GET", "/api/barriers/queue?page_size=20", None),
            clients=1,
        )
    finally:
        server.terminate()
        try:
            server.wait(60)  # graceful: workers finish what they hold
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


if __name__ == "__main__":
    main()
