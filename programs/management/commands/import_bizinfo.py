"""python manage.py import_bizinfo [PATH] — import 기업마당 announcements (idempotent)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import DomainError
from programs.importers.bizinfo import default_path, import_bizinfo, read_records


class Command(BaseCommand):
    help = "기업마당(bizinfo) 지원사업 공고 JSONL을 가져옵니다. 다시 실행해도 중복되지 않습니다."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", help="JSONL (기본: HAECHI_SHARED_DIR/data/real/bizinfo_...)")
        parser.add_argument("--report", action="store_true", help="해석 보고를 JSON으로 출력")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"]) if options["path"] else default_path()
        if not path.is_file():
            raise CommandError(f"파일이 없습니다: {path}")
        try:
            run = import_bizinfo(records=read_records(path), file_name=path.name)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            f"records={run.records} created={run.created} updated={run.updated} unchanged={run.unchanged}"
        )
        if options["report"]:
            self.stdout.write(json.dumps(run.report, ensure_ascii=False, indent=1))
