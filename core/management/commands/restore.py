"""python manage.py restore PATH [--to DB] [--media-root DIR] [--force] — restore a backup.

Checks every checksum first, restores the database (SQLite online backup API, or ``pg_restore``)
and the attachments, then compares the row counts with the backup's manifest. Stop the web and
task processes before restoring over the live database; ``--force`` is needed to overwrite a
database that already holds barriers. ``--to`` restores elsewhere: a SQLite file path or a
``postgres://`` URL of an empty database (a restore drill).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.backup import BackupError, restore


class Command(BaseCommand):
    help = "백업 파일에서 데이터베이스와 첨부 파일을 복원합니다."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="manage.py backup으로 만든 백업 파일")
        parser.add_argument("--to", help="복원할 데이터베이스 (SQLite 파일 경로 또는 postgres:// URL; 기본: 설정된 DB)")
        parser.add_argument("--media-root", help="첨부 파일을 복원할 폴더 (기본: MEDIA_ROOT)")
        parser.add_argument("--force", action="store_true", help="데이터가 있는 데이터베이스를 덮어쓰기")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"{path}: no such backup file")
        try:
            result = restore(
                path,
                to=options["to"],
                media_root=Path(options["media_root"]) if options["media_root"] else None,
                force=options["force"],
                log=lambda m: self.stdout.write(f"  {m}"),
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        counts = ", ".join(f"{table}={n}" for table, n in result.counts.items())
        self.stdout.write(f"restored ({result.engine}): {counts}; {result.media_files} media files")
