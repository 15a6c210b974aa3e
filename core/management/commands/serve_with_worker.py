"""Serve Haechi and supervise its background-task worker in one foreground command.

Used by `make run`. The web server (Django's development server, or gunicorn with --gunicorn)
and the django-tasks database worker run as child processes; a worker that dies is restarted
with a growing delay, and stopping this command (Ctrl-C) stops both.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

_MAX_BACKOFF_SECONDS = 60


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
        try:
            while not stopping and web.poll() is None:
                if worker.poll() is not None:
                    self.stderr.write(f"worker exited with {worker.returncode}; restarting in {backoff}s")
                    time.sleep(backoff)
                    backoff = min(backoff * 2, _MAX_BACKOFF_SECONDS)
                    worker = subprocess.Popen(worker_cmd)
                time.sleep(0.5)
        finally:
            for process in (worker, web):
                if process.poll() is None:
                    process.terminate()
            for process in (worker, web):
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        if web.returncode not in (0, None, -signal.SIGTERM) and not stopping:
            raise SystemExit(web.returncode)
