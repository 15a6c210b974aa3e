"""Serve Haechi and supervise its background-task worker in one foreground command.

Used by `make run`. The web server (Django's development server, or gunicorn with --gunicorn)
and the django-tasks database worker run as child processes; a worker that dies is restarted
with a growing delay, and stopping this command (Ctrl-C) stops both. The periodic jobs that a
production deployment runs from cron (see README) are started here on the same schedule.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

_MAX_BACKOFF_SECONDS = 60
# Run once in the background at start: the statute subset's morphological index takes minutes on
# a laptop, and search works (names, aliases) while it fills in; the routing model trains for a
# few minutes the first time (submissions wait for no model: triage offers to route again).
STARTUP_JOBS: tuple[tuple[str, ...], ...] = (("import_statutes", "--sectors"), ("train_routing", "--if-missing"))
# (management command, interval in seconds): the cron table of a production deployment.
PERIODIC_JOBS: tuple[tuple[str, int], ...] = (
    ("refresh_dashboards", 5 * 60),
    ("retry_notifications", 5 * 60),
    ("send_survey_mail", 60 * 60),
    ("refresh_recurring", 60 * 60),
    ("notify_program_matches", 24 * 60 * 60),
    ("barrier_digest", 24 * 60 * 60),
    ("apply_retention", 24 * 60 * 60),
)


class Command(BaseCommand):
    help = "웹 서버와 백그라운드 작업 워커를 함께 실행하고 워커를 감시합니다."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--gunicorn", action="store_true", help="개발 서버 대신 gunicorn 사용")

    def handle(self, *args: Any, **options: Any) -> None:
        address = f"{options['host']}:{options['port']}"
        if options["gunicorn"]:
            web_cmd = [sys.executable, "-m", "gunicorn", "haechi.wsgi", "--bind", address, "--workers", "2"]
        else:
            web_cmd = [sys.executable, "manage.py", "runserver", address, "--noreload"]
        worker_cmd = [sys.executable, "manage.py", "db_worker", "--no-startup-delay"]
        web = subprocess.Popen(web_cmd)
        worker = subprocess.Popen(worker_cmd)
        self.stdout.write(f"해치 Haechi: http://{address}/  (worker pid {worker.pid}; Ctrl-C to stop)")
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        backoff = 1
        jobs: dict[str, subprocess.Popen[bytes]] = {
            " ".join(job): subprocess.Popen([sys.executable, "manage.py", *job]) for job in STARTUP_JOBS
        }
        next_run = {name: time.monotonic() + 30 for name, _interval in PERIODIC_JOBS}
        try:
            while not stopping and web.poll() is None:
                now = time.monotonic()
                for name, interval in PERIODIC_JOBS:
                    running = jobs.get(name)
                    if now >= next_run[name] and (running is None or running.poll() is not None):
                        jobs[name] = subprocess.Popen([sys.executable, "manage.py", name])
                        next_run[name] = now + interval
                if worker.poll() is not None:
                    self.stderr.write(f"worker exited with {worker.returncode}; restarting in {backoff}s")
                    time.sleep(backoff)
                    backoff = min(backoff * 2, _MAX_BACKOFF_SECONDS)
                    worker = subprocess.Popen(worker_cmd)
                time.sleep(0.5)
        finally:
            children = [worker, web, *jobs.values()]
            for process in children:
                if process.poll() is None:
                    process.terminate()
            for process in children:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        if web.returncode not in (0, None, -signal.SIGTERM) and not stopping:
            raise SystemExit(web.returncode)
