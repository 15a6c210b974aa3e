"""The work queue alone, against a database that already holds the barriers (issue 3's target:
p95 < 150 ms with 100,000 barriers, 16 clients).

    DATABASE_URL=postgres://postgres@127.0.0.1:55450/haechi_intake .venv/bin/python bench/queue_read.py

bench/intake.py's queue phase without its create phase and fill: starts gunicorn the same way
(``bench.intake_settings``, gthread, BENCH_WORKERS processes, 4 threads), signs a city official
in, and reads ``GET /api/barriers/queue?page_size=20`` BENCH_QUEUE_READS times (800) with
BENCH_CLIENTS clients (16), then the overdue filter, then with one client. Prints requests/s,
p50/p95/p99 and the CPU time gunicorn and PostgreSQL spent per request, with the load average
(on a shared machine compare the CPU per request, not the latencies).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import intake  # noqa: E402  (sets up Django with the bench settings)
from bench.load import postmaster_pid  # noqa: E402


def main() -> None:
    import os

    from barriers.models import Barrier

    ctx = intake.setup()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.intake_settings"}
    command = [sys.executable, "-m", "gunicorn", "haechi.wsgi", "-b", f"127.0.0.1:{intake.PORT}"]
    command += ["-w", intake.WORKERS, "-k", "gthread", "--threads", "4", "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    intake.CPU_ROOTS["web"], intake.CPU_ROOTS["db"] = server.pid, postmaster_pid()
    try:
        intake.wait_for_server(server)
        city = [ctx["city"]]
        print(
            f"{Barrier.objects.count():,} barriers; gunicorn gthread workers={intake.WORKERS} threads=4, "
            f"{intake.CLIENTS} clients, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"
        )
        whole = lambda n, i: ("GET", "/api/barriers/queue?page_size=20", None)  # noqa: E731
        intake.run("warm-up", city, 64, whole)
        intake.run("work queue (city)", city, intake.QUEUE_READS, whole)
        intake.run(
            "work queue, overdue",
            city,
            intake.QUEUE_READS,
            lambda n, i: ("GET", "/api/barriers/queue?overdue=true", None),
        )
        intake.run("work queue, 1 client", city, max(50, intake.QUEUE_READS // 4), whole, clients=1)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
