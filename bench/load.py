"""Load test on loopback: gunicorn + PostgreSQL, 50 simulated users mixing register reads, filing,
triage and dashboard views. Bounded: 10 minutes by default (``--minutes`` to shorten).

    DATABASE_URL=postgres://postgres@127.0.0.1:55445/haechi_load \\
        .venv/bin/python bench/load.py [--minutes 10] [--users 50] [--workers 3] [--threads 4] [--published 60]

Starts its own gunicorn on a free 127.0.0.1 port (``--base-url`` uses a running server instead;
then the seeding still goes to ``DATABASE_URL``), migrates and seeds a scratch database (firms,
members, officials with a verified second factor, a backlog of submitted barriers and, with
``--published N``, N barriers in the public register, so register reads list rows), then runs
``--users`` threads with plain ``http.client`` for the duration. Each user has a role:

- firm members (60 %): register reads (``/register/``), their barrier list and detail pages, and
  filing (``POST /api/barriers`` with an Idempotency-Key);
- city officials (30 %): the work queue (``/api/barriers/queue``), triage of a submitted barrier
  (``POST /api/barriers/{id}/triage``), the city dashboard (``/insights/city/``);
- public readers (10 %): the public dashboard (``/insights/``) and the register, signed out.

Dashboards: production keeps the stored dashboard snapshots fresh with a cron job
(``manage.py refresh_dashboards`` every 5 minutes, run by the task worker). This script plays the
cron: it refreshes the snapshots before the warm-up and every 5 minutes (its CPU time is printed
apart; in production the worker spends it). ``--dashboards inline`` leaves them to the pages.
Up to session 4 a snapshot older than 15 minutes was recomputed by every request that found it
stale at once: on a database reused from a run 5–15 minutes earlier it expired in the middle of
the measured minutes and those requests stalled every page — the latency spike that made reused
databases look slower than fresh ones. Now the page serves the stale snapshot and the first
request queues one background refresh (insights.services.claim_snapshot_refresh); this script
runs no task worker, so in ``inline`` mode a stale snapshot simply stays stale.

Every user waits 0.5–1.5 s between requests (think time). Rate limits are raised out of reach for
the run (they would otherwise answer 429 to 50 users sharing one address) but still counted, so
their cost is in the figures: this measures capacity. The server runs with production settings
(``DEBUG=0``). Prints throughput, p50/p95/p99 per request kind, errors (5xx, connection errors,
unexpected 4xx; 409 on triage races is counted apart), the gunicorn processes' memory every 30 s,
and the CPU time gunicorn and PostgreSQL spent per request (steady on a busy shared machine,
where wall-clock latencies are not), with the load average.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CSRF = "b" * 32  # a CSRF secret sent as both cookie and header (what a browser does)
BODY = "자율주행 배송 로봇이 보도를 다닐 수 없어 서울 시내 실증을 진행하지 못하고 있습니다. 부하 시험."


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haechi.settings")
    # Production settings (DEBUG off): DEBUG=1 logs every SQL query and keeps template debug
    # data, which costs CPU production never spends. Plain HTTP on loopback: no TLS redirect.
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    os.environ.setdefault("HAECHI_BEHIND_TLS", "0")
    # One key for this process and the gunicorn it starts: the sessions made here must verify there.
    os.environ.setdefault("SECRET_KEY", "bench-only-" + uuid.uuid4().hex)
    import django

    django.setup()


def _session_for(user: Any, *, verified: bool = False) -> str:
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "accounts.backends.EmailBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    now = int(time.time())
    session["haechi_signed_in_at"] = now
    session["haechi_seen_at"] = now
    if verified:  # the official passed the second factor (django-otp keeps the device id)
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device, _created = TOTPDevice.objects.get_or_create(user=user, name="load", defaults={"confirmed": True})
        session["otp_device_id"] = device.persistent_id
    session.create()
    return str(session.session_key)


def seed(*, firms: int, members_per_firm: int, officials: int, backlog: int, published: int = 0) -> dict[str, Any]:
    """Scratch data: firms with confirmed members, city officials, agencies, submitted barriers,
    and ``published`` barriers in the public register (triaged and published by an official)."""
    from accounts.models import Membership, Role, User
    from agencies.models import Agency
    from barriers import services
    from barriers.models import Barrier, BarrierStatus
    from firms.models import Firm
    from firms.reference_data import load_sectors

    load_sectors()
    agencies = list(Agency.objects.filter(is_active=True).order_by("pk")[:5])
    if not agencies:
        agencies = [Agency.objects.create(code=f"LOAD{i}", name=f"부하시험부{i}", is_active=True) for i in range(3)]
    run = uuid.uuid4().hex[:6]

    def person(email: str, role: str, **org: Any) -> Any:
        user = User.objects.create_user(email, None, name="부하")  # unusable password: no slow hashing
        if hasattr(user, "email_confirmed"):
            user.email_confirmed = True
            user.save(update_fields=["email_confirmed"])
        Membership.objects.create(user=user, role=role, **org)
        return user

    members = []
    for f in range(firms):
        brn = _valid_brn(f"{random.randint(100, 999)}{random.randint(10, 99)}{random.randint(1000, 9999)}")
        firm = Firm.objects.create(name=f"부하기업 {run}-{f}", business_registration_number=brn)
        for m in range(members_per_firm):
            members.append((person(f"load-{run}-{f}-{m}@bench.localhost", Role.FIRM_MEMBER, firm=firm), firm))
    city = [person(f"load-{run}-city{i}@bench.localhost", Role.CITY_OFFICIAL) for i in range(officials)]
    for i in range(backlog):
        user, firm = members[i % len(members)]
        services.file_barrier(
            actor=user, firm=firm, title=f"부하 {run} 적체 {i}", body=BODY, sector_codes=["robots"], submit=True
        )
    if published:
        _publish(members, city[0], agencies, count=published, run=run)
    submitted = list(
        Barrier.objects.filter(status=BarrierStatus.SUBMITTED, title__startswith=f"부하 {run}").values_list(
            "pk", flat=True
        )
    )
    return {
        "members": [(_session_for(u), f.pk) for u, f in members],
        "city": [_session_for(u, verified=True) for u in city],
        "agency_codes": [a.code for a in agencies],
        "submitted": submitted,  # triage takes them one by one
        "viewable": list(submitted),  # the barrier pages read any of them, triaged or not
    }


def _publish(members: list[Any], official: Any, agencies: list[Any], *, count: int, run: str) -> None:
    """Barriers that allow publication, triaged and published: the register's rows. Without them
    ``/register/`` is an empty list, far cheaper than the register a public visitor reads."""
    from barriers import services
    from barriers.models import Privacy
    from register.services import publish_barrier

    for i in range(count):
        user, firm = members[i % len(members)]
        barrier = services.file_barrier(
            actor=user,
            firm=firm,
            title=f"부하 {run} 공개 {i}",
            body=BODY,
            sector_codes=["robots"],
            privacy=Privacy.PUBLIC_NAMED if i % 2 else Privacy.PUBLIC_ANONYMOUS,
            submit=True,
        )
        services.triage_barrier(
            barrier_id=barrier.pk, actor=official, kind="proposal", lead_agency=agencies[i % len(agencies)]
        )
        publish_barrier(barrier_id=barrier.pk, actor=official)


def _valid_brn(nine_or_ten: str) -> str:
    """A 사업자등록번호 with a correct check digit (firms refuse invalid ones)."""
    digits = [int(c) for c in nine_or_ten[:9]]
    weights = [1, 3, 7, 1, 3, 7, 1, 3, 5]
    total = sum(d * w for d, w in zip(digits, weights, strict=True)) + (digits[8] * 5) // 10
    check = (10 - total % 10) % 10
    return "".join(map(str, digits)) + str(check)


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.conflicts: dict[str, int] = defaultdict(int)
        self.samples: list[str] = []

    def add(self, kind: str, seconds: float, status: int, expected: tuple[int, ...]) -> None:
        with self.lock:
            self.latency[kind].append(seconds)
            if status == 409 and kind == "triage":
                self.conflicts[kind] += 1
            elif status not in expected:
                self.errors[kind] += 1
                if len(self.samples) < 10:
                    self.samples.append(f"{kind}: HTTP {status}")


class Client:
    """One simulated user's keep-alive connection (reconnects when the server closes it)."""

    def __init__(self, host: str, port: int, session: str | None) -> None:
        self.host, self.port, self.session = host, port, session
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: dict[str, Any] | None = None, **headers: str) -> int:
        cookies = [f"csrftoken={CSRF}"] + ([f"sessionid={self.session}"] if self.session else [])
        all_headers = {"Cookie": "; ".join(cookies), "X-CSRFToken": CSRF, **headers}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        for attempt in range(2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                self.conn.request(method, path, body=data, headers=all_headers)
                response = self.conn.getresponse()
                response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return response.status
            except (OSError, http.client.HTTPException):
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                if attempt == 1:
                    return 0
        return 0


def run_user(
    role: str, client: Client, data: dict[str, Any], stats: Stats, stop: threading.Event, lock: threading.Lock
) -> None:
    def timed(kind: str, method: str, path: str, body: dict[str, Any] | None = None, expected=(200,), **h: str) -> int:
        started = time.perf_counter()
        status = client.request(method, path, body, **h)
        stats.add(kind, time.perf_counter() - started, status, expected)
        return status

    while not stop.is_set():
        roll = random.random()
        if role == "firm":
            if roll < 0.45:
                timed("register", "GET", "/register/")
            elif roll < 0.70:
                timed("barrier_list", "GET", "/barriers/")
            elif roll < 0.85 and data["viewable"]:
                timed("barrier_detail", "GET", f"/barriers/{random.choice(data['viewable'])}/", expected=(200, 404))
            else:
                payload: dict[str, Any] = {
                    "title": f"부하 접수 {uuid.uuid4().hex[:8]}",
                    "body": BODY,
                    "sector_codes": ["robots"],
                }
                payload["submit"] = True
                timed(
                    "file", "POST", "/api/barriers", payload, expected=(201,), **{"Idempotency-Key": uuid.uuid4().hex}
                )
        elif role == "city":
            if roll < 0.35:
                timed("queue", "GET", "/api/barriers/queue?page_size=20")
            elif roll < 0.70:
                with lock:
                    barrier_id = data["submitted"].pop() if data["submitted"] else None
                if barrier_id is None:
                    timed("queue", "GET", "/api/barriers/queue?page_size=20")
                else:
                    body = {"kind": "proposal", "lead_agency_code": random.choice(data["agency_codes"])}
                    timed("triage", "POST", f"/api/barriers/{barrier_id}/triage", body)
            else:
                timed("dashboard_city", "GET", "/insights/city/")
        else:
            if roll < 0.6:
                timed("dashboard", "GET", "/insights/")
            else:
                timed("register", "GET", "/register/")
        stop.wait(random.uniform(0.5, 1.5))


def _rss_mb(root_pid: int) -> float:
    """Resident memory of a process and its children (Linux /proc), in MB."""
    total = 0
    pids = [root_pid]
    try:
        children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(root_pid)], capture_output=True, text=True)
        pids += [int(p) for p in children.stdout.split()]
    except OSError:
        pass
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def _tree(root_pid: int) -> list[int]:
    """``root_pid`` and every process below it (Linux /proc)."""
    parents: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(stat.rsplit(")", 1)[1].split()[1])].append(int(entry.name))
    found, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def cpu_seconds(root_pid: int) -> float:
    """CPU time (user + system) used so far by ``root_pid`` and the processes below it: what a
    request costs the machine, whatever else runs on it (wall-clock figures are not)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in _tree(root_pid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime, stime, and cutime, cstime: children that ended (closed database connections)
        total += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
    return total / ticks


def postmaster_pid() -> int | None:
    """The PostgreSQL server's main process when it runs on this machine (its backends do the
    database's share of each request), else None."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    try:
        return int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None  # a remote server


# The production cron's period (docs/deploy.md: */5 * * * * manage.py refresh_dashboards).
DASHBOARD_REFRESH_SECONDS = 300


def refresh_dashboards() -> float:
    """What the production cron has the task worker do for the dashboard pages: bring the
    barrier measures up to date and store a fresh snapshot for each audience and language.
    Returns this thread's CPU seconds. (The worker also warms filtered tables in the shared
    cache; with the default per-process cache the gunicorn workers could not see them.)"""
    from django.conf import settings

    from insights import services
    from insights.selectors import Audience

    started = time.thread_time()
    services.refresh_barrier_measures()
    for language, _name in settings.LANGUAGES:
        for audience in Audience:
            services.refresh_snapshot(audience=audience, language=language, refresh_measures=False)
    return time.thread_time() - started


def snapshot_ages() -> str:
    """How old each stored dashboard snapshot is, e.g. ``public:ko 11.2 min``."""
    from django.utils import timezone

    from insights.models import DashboardSnapshot

    now = timezone.now()
    ages = [
        f"{key} {(now - computed_at).total_seconds() / 60:.1f} min"
        for key, computed_at in DashboardSnapshot.objects.order_by("key").values_list("key", "computed_at")
    ]
    return ", ".join(ages) or "none"


def _cron(stop: threading.Event, spent: list[float]) -> None:
    from django.db import connection

    try:
        while not stop.wait(DASHBOARD_REFRESH_SECONDS):
            spent.append(refresh_dashboards())
    finally:
        connection.close()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--base-url", help="use a running server instead of starting gunicorn")
    parser.add_argument(
        "--backlog",
        type=int,
        default=1500,
        help="submitted barriers to seed: triage takes one per request, so enough for the whole run "
        "(with 150, as up to session 5, triage and the barrier page were measured only in the first "
        "half minute)",
    )
    parser.add_argument(
        "--published",
        type=int,
        default=0,
        help="barriers to publish first, so register reads show rows (0: an empty register, as in "
        "the figures up to session 4)",
    )
    parser.add_argument(
        "--dashboards",
        choices=["cron", "inline"],
        default="cron",
        help="cron (default): refresh the dashboard snapshots before the run and every 5 minutes, as "
        "production's cron does; inline: leave them to the pages (a snapshot older than 15 minutes "
        "is served stale and queues one refresh for a task worker, which this script does not run)",
    )
    args = parser.parse_args()
    if not 0 < args.minutes <= 30 or not 0 < args.users <= 200 or not 0 <= args.backlog <= 20_000:
        parser.error("--minutes must be in (0, 30], --users in (0, 200] and --backlog in [0, 20000]")
    # Limits so high that 50 users on one address never reach them, yet every request is still
    # counted (one upsert, as in production): the capacity figures include the limits' cost.
    os.environ["HAECHI_RATE_LIMIT_API"] = "1000000/1000000/60"
    os.environ["HAECHI_RATE_LIMIT_FILING"] = "1000000/1000000/3600"
    _django()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        print("warning: DATABASE_URL is not PostgreSQL; figures will not say much about production")
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    data = seed(firms=15, members_per_firm=3, officials=10, backlog=args.backlog, published=args.published)
    print(
        f"seeded 15 firms, 45 members, 10 officials, {len(data['submitted'])} submitted barriers, "
        f"{args.published} more published"
    )
    print(f"  ({time.perf_counter() - started:.0f}s)")
    database_pid = postmaster_pid()
    print(f"dashboard snapshots before the run: {snapshot_ages()}")
    cron_cpu: list[float] = []
    if args.dashboards == "cron":
        cron_cpu.append(refresh_dashboards())
        print(f"  refreshed as the cron would ({cron_cpu[0]:.1f} s CPU)")
    connection.close()

    server = None
    if args.base_url:
        parsed = urllib.parse.urlparse(args.base_url)
        host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    else:
        from bench.faults import free_port

        host, port = "127.0.0.1", free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "haechi.wsgi", "--bind", f"{host}:{port}"]
            + ["--workers", str(args.workers), "--threads", str(args.threads), "--preload"]
            # docs/deploy.md's timeout: gunicorn's default 30 s kills workers that a saturated
            # shared machine merely starves, and the requests they held come back as errors.
            + ["--timeout", "60"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_CONN_MAX_AGE": "60"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    try:
        warm = Client(host, port, None)
        deadline = time.monotonic() + 180
        while warm.request("GET", "/healthz") != 200:
            if time.monotonic() > deadline:
                print("server did not come up")
                return 1
            time.sleep(0.5)
        # Warm every worker on the pages as the users will see them: signed out, a firm member
        # is redirected from /barriers/ and an official from /insights/city/, which would leave
        # their first real requests to pay each worker's start-up in the measured minutes.
        firm_warm = Client(host, port, data["members"][0][0])
        city_warm = Client(host, port, data["city"][0])
        warm_paths = [(warm, "/register/"), (warm, "/insights/"), (firm_warm, "/barriers/"), (firm_warm, "/register/")]
        warm_paths += [(city_warm, "/insights/city/"), (city_warm, "/api/barriers/queue?page_size=20")]
        if data["submitted"]:
            warm_paths.append((firm_warm, f"/barriers/{data['submitted'][0]}/"))
        for client, path in warm_paths:
            for _ in range(args.workers * 2):
                client.request("GET", path)
        roles = ["firm"] * round(args.users * 0.6) + ["city"] * round(args.users * 0.3)
        roles += ["public"] * (args.users - len(roles))
        stats, stop, lock = Stats(), threading.Event(), threading.Lock()
        threads = []
        for i, role in enumerate(roles):
            if role == "firm":
                session: str | None = data["members"][i % len(data["members"])][0]
            elif role == "city":
                session = data["city"][i % len(data["city"])]
            else:
                session = None
            client = Client(host, port, session)
            threads.append(threading.Thread(target=run_user, args=(role, client, data, stats, stop, lock), daemon=True))
        print(
            f"{args.users} users ({roles.count('firm')} firm, {roles.count('city')} city, "
            f"{roles.count('public')} public) for {args.minutes:g} min"
        )
        cron_stop = threading.Event()
        if args.dashboards == "cron":
            threads.append(threading.Thread(target=_cron, args=(cron_stop, cron_cpu), daemon=True))
        load_before = os.getloadavg()
        cpu_before = (cpu_seconds(server.pid) if server else 0.0, cpu_seconds(database_pid) if database_pid else 0.0)
        t0 = time.monotonic()
        for t in threads:
            t.start()
        end = t0 + args.minutes * 60
        memory: list[float] = []
        while time.monotonic() < end:
            time.sleep(min(30, max(0.0, end - time.monotonic())))
            with stats.lock:
                done = sum(len(v) for v in stats.latency.values())
                errors = sum(stats.errors.values())
            mem = _rss_mb(server.pid) if server else 0.0
            memory.append(mem)
            print(
                f"  t={time.monotonic() - t0:5.0f}s requests={done} errors={errors} gunicorn RSS={mem:.0f} MB",
                flush=True,
            )
        stop.set()
        cron_stop.set()
        for t in threads:
            t.join(40)
        elapsed = time.monotonic() - t0
        cpu_used = (
            (cpu_seconds(server.pid) if server else 0.0) - cpu_before[0],
            (cpu_seconds(database_pid) if database_pid else 0.0) - cpu_before[1],
        )
        load_after = os.getloadavg()
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:  # a starved machine: keep the figures, not the server
                server.kill()
                server.wait(30)

    total = sum(len(v) for v in stats.latency.values())
    print(f"\nthroughput: {total / elapsed:.1f} requests/s ({total} in {elapsed:.0f}s)")
    print(f"{'kind':<16}{'count':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for kind in sorted(stats.latency):
        values = stats.latency[kind]
        print(
            f"{kind:<16}{len(values):>8}{statistics.median(values) * 1000:>9.0f}"
            f"{_percentile(values, 0.95) * 1000:>9.0f}{_percentile(values, 0.99) * 1000:>9.0f}{stats.errors[kind]:>8}"
        )
    all_values = [v for values in stats.latency.values() for v in values]
    print(
        f"{'all':<16}{total:>8}{statistics.median(all_values) * 1000:>9.0f}{_percentile(all_values, 0.95) * 1000:>9.0f}"
    )
    print(f"errors: {sum(stats.errors.values())}  (triage 409 races, not errors: {stats.conflicts['triage']})")
    for sample in stats.samples:
        print(f"  e.g. {sample}")
    if memory:
        print(f"gunicorn memory (MB, every 30 s): {' '.join(f'{m:.0f}' for m in memory)}")
    print(f"dashboard snapshots after the run: {snapshot_ages()}")
    if args.dashboards == "cron":
        print(
            f"dashboard refreshes by the cron: {len(cron_cpu)}, {sum(cron_cpu):.1f} s CPU in this process "
            "(not in the figures below)"
        )
    if total:
        print(
            f"CPU per request: gunicorn {cpu_used[0] / total * 1000:.1f} ms, PostgreSQL "
            + (f"{cpu_used[1] / total * 1000:.1f} ms" if database_pid else "n/a (not local)")
            + f"  (machine load average {load_before[0]:.1f} at start, {load_after[0]:.1f} at end; "
            f"{os.cpu_count()} cores)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
