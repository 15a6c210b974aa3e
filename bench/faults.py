"""Fault injection on loopback: mail server down, task worker stopped, PostgreSQL restarted mid-load.

    DATABASE_URL=postgres://postgres@127.0.0.1:55445/haechi_faults \\
        .venv/bin/python bench/faults.py [--only mail,worker,postgres] \\
        [--pgdata /tmp/pg-x --pg-user postgres] [--seconds 20]

Bounded: each scenario runs a few seconds (``--seconds`` for the PostgreSQL one) on 127.0.0.1
only. The database named by ``DATABASE_URL`` is migrated and gets a few throw-away rows (use a
scratch database). Prints what happened; exits non-zero if a scenario's expectation failed.

1. **mail**: SMTP points at a closed port. A transition commits anyway; the notification is
   recorded as failed-and-pending with a deferred retry. A loopback SMTP sink then comes up,
   ``retry_notifications`` re-queues, the worker sends; the deferred retry, made due, finds it
   sent: exactly one message arrives.
2. **worker**: with no worker running, transitions queue their notification tasks (they commit
   regardless); a worker started afterwards (``db_worker --batch``) runs them all.
3. **postgres** (needs ``--pgdata``; PostgreSQL only): gunicorn serves on loopback while 8
   threads file barriers with Idempotency-Keys and read pages; the cluster is restarted
   (``pg_ctl restart -m fast``). Prints the error window, and checks no acknowledged write was
   lost: every 201's barrier is in the database, and retried keys created exactly one each.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import socketserver
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# -- a loopback SMTP sink (also used by the tests) ----------------------------------------------------


class SmtpSink:
    """A tiny SMTP server on 127.0.0.1 that keeps every message it receives (``messages``)."""

    def __init__(self, port: int = 0) -> None:
        self.messages: list[dict[str, Any]] = []
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                self.wfile.write(b"220 haechi-sink ESMTP\r\n")
                sender, recipients = "", []
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    command = line.decode("utf-8", "replace").strip()
                    verb = command.split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.wfile.write(b"250-haechi-sink\r\n250 8BITMIME\r\n")
                    elif verb == "MAIL":
                        sender, recipients = command[10:].strip("<> "), []
                        self.wfile.write(b"250 OK\r\n")
                    elif verb == "RCPT":
                        recipients.append(command[8:].strip("<> "))
                        self.wfile.write(b"250 OK\r\n")
                    elif verb == "DATA":
                        self.wfile.write(b"354 end with .\r\n")
                        body = []
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                            body.append(chunk)
                        sink.messages.append({"from": sender, "to": recipients, "data": b"".join(body)})
                        self.wfile.write(b"250 queued\r\n")
                    elif verb == "QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    else:  # RSET, NOOP, …
                        self.wfile.write(b"250 OK\r\n")

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> SmtpSink:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    """A loopback port nobody listens on (the 'mail server down' address)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- set-up -------------------------------------------------------------------------------------------


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haechi.settings")
    os.environ.setdefault("DEBUG", "1")
    # One key for this process and the gunicorn it starts: the sessions made here must verify there.
    os.environ.setdefault("SECRET_KEY", "bench-only-" + uuid.uuid4().hex)
    import django

    django.setup()


def _people() -> dict[str, Any]:
    """A firm with a confirmed member, a city official and an agency (idempotent)."""
    from accounts.models import Membership, Role, User
    from agencies.models import Agency
    from firms.models import Firm
    from firms.reference_data import load_sectors

    load_sectors()
    firm, _ = Firm.objects.get_or_create(
        business_registration_number="1058115316", defaults={"name": "장애주입 주식회사"}
    )

    def person(email: str, role: str, **org: Any) -> Any:
        user = User.objects.filter(email=email).first() or User.objects.create_user(email, None, name="벤치")
        if hasattr(user, "email_confirmed") and not user.email_confirmed:
            user.email_confirmed = True
            user.save(update_fields=["email_confirmed"])
        Membership.objects.get_or_create(user=user, role=role, **org)
        return user

    agency = Agency.objects.filter(is_active=True).first()
    if agency is None:
        agency = Agency.objects.create(code="BENCH", name="벤치부", is_active=True)
    return {
        "firm": firm,
        "filer": person("faults-filer@bench.localhost", Role.FIRM_MEMBER, firm=firm),
        "city": person("faults-city@bench.localhost", Role.CITY_OFFICIAL),
        "agency": agency,
    }


def _file(people: dict[str, Any], title: str) -> Any:
    from barriers import services

    return services.file_barrier(
        actor=people["filer"],
        firm=people["firm"],
        title=title,
        body="장애 주입 시험: 배송 로봇이 보도를 다닐 수 없어 실증을 못 하고 있습니다.",
        sector_codes=["robots"],
        submit=True,
    )


def _run_worker() -> None:
    from django.core.management import call_command

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@contextlib.contextmanager
def _settings(**values: Any) -> Iterator[None]:
    from django.test.utils import override_settings

    with override_settings(**values):
        yield


# -- scenarios ----------------------------------------------------------------------------------------


def scenario_mail() -> bool:
    from django.core.management import call_command
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from barriers.models import Barrier, Notification, NotificationStatus

    print("\n== mail server down")
    people = _people()
    port = free_port()
    smtp = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": port,
        "EMAIL_TIMEOUT": 2,
        "TASKS": {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}},
    }
    with _settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        _file(people, "예열")  # the first filing loads models and caches: keep it out of the timing
    with _settings(**smtp):
        started = time.perf_counter()
        barrier = _file(people, f"메일 장애 {uuid.uuid4().hex[:6]}")
        committed = Barrier.objects.get(pk=barrier.pk).status
        print(
            f"transition 'submit' committed with SMTP down: status={committed} ({time.perf_counter() - started:.2f}s)"
        )
        _run_worker()
        notes = list(Notification.objects.filter(barrier=barrier))
        for n in notes:
            print(f"  notification {n.pk}: status={n.status} attempts={n.attempts} error={n.last_error[:60]!r}")
        ok = committed == "submitted" and notes and all(n.status == NotificationStatus.PENDING for n in notes)
        # Everything still pending goes out now (also leftovers of earlier runs in this database).
        expected = Notification.objects.filter(status=NotificationStatus.PENDING).count()
        with SmtpSink(port) as sink:
            call_command("retry_notifications", verbosity=0)
            _run_worker()
            after_retry = len(sink.messages)
            # The deferred retries (scheduled 60 s later) come due now: they must find the mail sent.
            DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
            _run_worker()
            after_deferred = len(sink.messages)
        statuses = sorted(Notification.objects.filter(barrier=barrier).values_list("status", flat=True))
        print(
            f"mail server back: {after_retry} message(s) after retry_notifications, "
            f"{after_deferred} after the deferred retries ran"
        )
        print(f"  notification statuses: {statuses}")
        print(f"  pending before the server came back: {expected}")
        ok = bool(ok and after_retry == expected == after_deferred and set(statuses) == {"sent"})
    print("mail: OK" if ok else "mail: FAILED")
    return ok


def scenario_worker() -> bool:
    from django_tasks_db.models import DBTaskResult

    from barriers.models import Notification

    print("\n== task worker stopped")
    people = _people()
    with _settings(
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}},
    ):
        before = DBTaskResult.objects.filter(status="READY").count()
        barriers = [_file(people, f"워커 중지 {i} {uuid.uuid4().hex[:6]}") for i in range(5)]
        queued = DBTaskResult.objects.filter(status="READY").count() - before
        print(f"5 transitions committed with no worker running; {queued} task(s) queued, 0 notifications sent")
        started = time.perf_counter()
        _run_worker()
        left = DBTaskResult.objects.filter(status="READY", run_after__lte=time_now()).count()
        sent = Notification.objects.filter(barrier__in=barriers, status="sent").count()
        print(
            f"worker started: queue drained in {time.perf_counter() - started:.2f}s; "
            f"{sent} notifications sent; {left} due task(s) left"
        )
    ok = queued >= 5 and left == 0 and sent >= 5
    print("worker: OK" if ok else "worker: FAILED")
    return ok


def time_now() -> Any:
    from django.utils import timezone

    return timezone.now()


def scenario_postgres(*, pgdata: str, pg_user: str, seconds: int) -> bool:
    from django.db import connection

    from barriers.models import Barrier

    print("\n== PostgreSQL restarted mid-load")
    if connection.vendor != "postgresql":
        print("postgres: skipped (DATABASE_URL is not PostgreSQL)")
        return True
    people = _people()
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session["_auth_user_id"] = str(people["filer"].pk)
    session["_auth_user_backend"] = "accounts.backends.EmailBackend"
    session["_auth_user_hash"] = people["filer"].get_session_auth_hash()
    session.create()
    port = free_port()
    env = {
        **os.environ,
        "HAECHI_RATE_LIMIT_API": "0/0/60",
        "HAECHI_RATE_LIMIT_FILING": "0/0/3600",
        "DATABASE_CONN_MAX_AGE": "60",
    }
    gunicorn = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "haechi.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        print("starting gunicorn (2 workers × 4 threads)…", flush=True)
        _wait_http(f"{base}/healthz", 180)
        for _worker in range(4):  # warm every worker process before the clock starts
            _get(f"{base}/barriers/", session.session_key)
        csrf = _csrf(base, session.session_key)
        stop = threading.Event()
        log: list[tuple[float, str, int, str]] = []  # (time, kind, status, key)
        acknowledged: dict[str, int] = {}
        lock = threading.Lock()

        def user(i: int) -> None:
            n = 0
            while not stop.is_set():
                n += 1
                key = f"fault-{i}-{n}-{uuid.uuid4().hex[:6]}"
                payload = {
                    "title": f"재시작 {key}",
                    "body": "장애 주입 시험: 데이터가 사라지면 안 됩니다. " * 2,
                    "sector_codes": ["robots"],
                    "submit": True,
                }
                # Retry the same key until acknowledged: the server must create it exactly once.
                for _attempt in range(100):
                    status, body = _post_json(f"{base}/api/barriers", payload, session.session_key, csrf, key)
                    with lock:
                        log.append((time.monotonic(), "file", status, key))
                    if status == 201:
                        with lock:
                            acknowledged[key] = json.loads(body)["id"]
                        break
                    if stop.is_set():
                        break
                    time.sleep(0.2)
                status, _b = _get(f"{base}/barriers/", session.session_key)
                with lock:
                    log.append((time.monotonic(), "list", status, ""))

        print(f"gunicorn up; 8 users filing and reading for {seconds}s", flush=True)
        threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(8)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        time.sleep(seconds / 3)
        restart_at = time.monotonic()
        # -l: the restarted server must not inherit our pipes (we would wait for it forever).
        cmd = f"{_pg_ctl()} -D {pgdata} -l {pgdata}/restart.log -m fast -w restart"
        run = subprocess.run(
            ["su", pg_user, "-c", cmd] if os.geteuid() == 0 else ["sh", "-c", cmd],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        print(
            f"restarted PostgreSQL at t={restart_at - t0:.1f}s: "
            f"pg_ctl exit {run.returncode} ({time.monotonic() - restart_at:.1f}s)"
        )
        time.sleep(seconds * 2 / 3)
        stop.set()
        for t in threads:
            t.join(30)
    finally:
        gunicorn.terminate()
        gunicorn.wait(30)
    errors = [(t, k, s) for t, k, s, _key in log if s >= 500 or s == 0]
    ok_count = sum(1 for _t, _k, s, _key in log if 200 <= s < 400)
    window = (errors[-1][0] - errors[0][0]) if errors else 0.0
    print(f"requests: {len(log)}  ok: {ok_count}  failed (5xx or connection error): {len(errors)}")
    by_status: dict[str, int] = {}
    for _t, kind, status, _key in log:
        by_status[f"{kind} {status}"] = by_status.get(f"{kind} {status}", 0) + 1
    print(
        "  by kind and status (0 = connection error): " + ", ".join(f"{k}: {v}" for k, v in sorted(by_status.items()))
    )
    if errors:
        print(f"error window: {window:.1f}s (first at t={errors[0][0] - t0:.1f}s, last at t={errors[-1][0] - t0:.1f}s)")
    connection.close()
    stored = set(Barrier.objects.filter(pk__in=acknowledged.values()).values_list("pk", flat=True))
    titles = list(Barrier.objects.filter(title__startswith="재시작 fault-").values_list("title", flat=True))
    duplicates = len(titles) - len(set(titles))
    lost = len(acknowledged) - len(stored)
    print(
        f"acknowledged filings: {len(acknowledged)}; found in the database: {len(stored)}; "
        f"lost: {lost}; duplicates: {duplicates}"
    )
    ok = lost == 0 and duplicates == 0 and window < 30 and ok_count > 0
    print("postgres: OK" if ok else "postgres: FAILED")
    return ok


def _pg_ctl() -> str:
    from core.backup import pg_tool

    return pg_tool("pg_ctl")


def _wait_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            urllib.request.urlopen(url, timeout=60).read()  # the first request loads the application
            return
        time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {timeout}s")


def _cookies(session_key: str, csrf: str = "") -> str:
    return f"sessionid={session_key}" + (f"; csrftoken={csrf}" if csrf else "")


def _csrf(base: str, session_key: str) -> str:
    # Any CSRF token the middleware accepts: a fixed 32-char secret sent as cookie and header.
    return "a" * 32


def _post_json(url: str, payload: dict[str, Any], session_key: str, csrf: str, key: str) -> tuple[int, bytes]:
    data = json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("Cookie", _cookies(session_key, csrf))
    request.add_header("X-CSRFToken", csrf)
    request.add_header("Referer", url)
    request.add_header("Idempotency-Key", key)
    return _send(request)


def _get(url: str, session_key: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url)
    request.add_header("Cookie", _cookies(session_key))
    return _send(request)


def _send(request: urllib.request.Request) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return 0, b""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="mail,worker,postgres")
    parser.add_argument("--pgdata", help="the PostgreSQL cluster directory to restart (postgres scenario)")
    parser.add_argument("--pg-user", default="postgres")
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()
    _django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    wanted = set(args.only.split(","))
    results = {}
    if "mail" in wanted:
        results["mail"] = scenario_mail()
    if "worker" in wanted:
        results["worker"] = scenario_worker()
    if "postgres" in wanted:
        if not args.pgdata:
            print("\n== PostgreSQL restarted mid-load: skipped (pass --pgdata)")
        else:
            results["postgres"] = scenario_postgres(
                pgdata=args.pgdata, pg_user=args.pg_user, seconds=max(args.seconds, 6)
            )
    print("\nsummary: " + ", ".join(f"{k}={'OK' if v else 'FAILED'}" for k, v in results.items()))
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
