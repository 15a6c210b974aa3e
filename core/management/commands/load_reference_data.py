"""Load sectors, KSIC codes, clusters and agencies (idempotent)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from agencies.reference_data import load_agencies
from firms.reference_data import load_clusters, load_ksic, load_sectors


class Command(BaseCommand):
    help = "산업 분야, 표준산업분류, 클러스터, 소관기관 기준 데이터를 불러옵니다 (여러 번 실행해도 안전)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data-dir", type=Path, default=None, help="../shared/data 경로")

    def handle(self, *args: Any, **options: Any) -> None:
        data_dir: Path = options["data_dir"] or settings.HAECHI_DATA_DIR
        ministries = data_dir / "ministries.tsv"
        ksic = data_dir / "real" / "ksic" / "ksicDB.csv"
        for path in (ministries, ksic):
            if not path.is_file():
                raise CommandError(f"데이터 파일이 없습니다: {path} (HAECHI_SHARED_DIR를 확인하세요)")
        sectors = load_sectors()
        codes = load_ksic(path=ksic)
        clusters = load_clusters()
        report = load_agencies(ministries_path=ministries)
        self.stdout.write(
            f"sectors={sectors} ksic={codes} clusters={clusters} "
            f"agencies created={report.created} updated={report.updated} aliases+={report.aliases}"
        )
