"""python manage.py backup PATH — the database and the attachments in one archive.

SQLite: the online backup API (safe while Haechi runs). PostgreSQL: ``pg_dump --format=custom``.
``MEDIA_ROOT`` is added after the database. See ``core.backup``; restore with ``manage.py restore``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.backup import BackupError, backup


class Command(BaseCommand):
    help = "데이터베이스와 첨부 파일을 하나의 백업 파일로 저장합니다."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="백업 파일 경로 (예: /backups/haechi-2026-11-28.tar.gz)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if path.exists() and path.is_dir():
            raise CommandError(f"{path} is a directory: give a file name")
        try:
            result = backup(path, log=lambda m: self.stdout.write(f"  {m}"))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        counts = ", ".join(f"{table}={n}" for table, n in result.counts.items())
        self.stdout.write(
            f"backup written: {result.path} ({result.size:,} bytes, {result.engine}; {counts}; "
            f"{result.media_files} media files)"
        )
