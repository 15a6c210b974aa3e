"""manage.py import_statutes [PATH] [--sectors] [--skip-index] [--batch-size N]"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, TextIO

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from regulations import importer
from regulations.aliases import derive_aliases
from regulations.core_regulations import load_core_regulations
from regulations.sandbox import load_sandbox


class Bar:
    """A plain progress bar on stderr (one line, redrawn; quiet when not a terminal)."""

    def __init__(self, label: str, total: int, stream: TextIO) -> None:
        self.label, self.total, self.stream, self.done = label, max(total, 1), stream, 0
        self.started = time.monotonic()
        self.tty = stream.isatty()
        self._last = -1

    def __call__(self, n: int) -> None:
        self.done += n
        percent = min(100, self.done * 100 // self.total)
        if self.tty and percent != self._last:
            filled = percent // 4
            self.stream.write(
                f"\r{self.label} [{'#' * filled}{'.' * (25 - filled)}] {percent:3d}% {self.done}/{self.total}"
            )
            self.stream.flush()
            self._last = percent

    def close(self) -> None:
        elapsed = time.monotonic() - self.started
        end = "\n" if self.tty else ""
        self.stream.write(f"{end}{self.label}: {self.done:,}건, {elapsed:.1f}초\n")


class Command(BaseCommand):
    help = "법령 말뭉치(JSON Lines, gzip 가능)를 불러오고 검색 색인을 만듭니다. 다시 실행해도 중복되지 않습니다."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", help="기본값: $HAECHI_SHARED_DIR/data/statutes.jsonl.gz")
        parser.add_argument("--sectors", action="store_true", help="분야별 부분집합(statutes-sectors.jsonl.gz, 155건)")
        parser.add_argument("--skip-index", action="store_true", help="형태소 색인을 건너뜀 (나중에 다시 실행)")
        parser.add_argument(
            "--no-pending", action="store_true", help="시행 예정 개정(statutes-pending.jsonl.gz)을 연결하지 않음"
        )
        parser.add_argument("--batch-size", type=int, default=2000, help="한 번에 분석·저장하는 조문 수")

    def handle(self, *args: Any, **options: Any) -> None:
        data_dir = Path(settings.HAECHI_DATA_DIR)
        if options["path"]:
            path = Path(options["path"])
        else:
            path = data_dir / ("statutes-sectors.jsonl.gz" if options["sectors"] else "statutes.jsonl.gz")
        err = sys.stderr
        started = time.monotonic()
        try:
            bar = Bar("검사", 0, err)
            lines = importer.validate_corpus(path, progress=bar)
            bar.close()
            bar = Bar("적재", lines, err)
            report = importer.import_statutes(path=path, progress=bar, validated=True)
            bar.close()
        except importer.ImportFailed as exc:
            raise CommandError(f"불러오기 중단, 기존 데이터는 그대로입니다. {exc.message}") from None
        pending_path = data_dir / "statutes-pending.jsonl.gz"
        pending = None
        if pending_path.exists() and not options["no_pending"]:
            try:
                pending = importer.import_pending(path=pending_path)
            except importer.ImportFailed as exc:
                raise CommandError(f"시행 예정 개정 불러오기 중단, 기존 데이터는 그대로입니다. {exc.message}") from None
        aliases = derive_aliases()
        self.stdout.write(
            f"법령 {report.lines:,}건: 새로 {report.statutes_created:,}, 갱신 {report.statutes_updated:,}, "
            f"변경 없음 {report.statutes_skipped:,}"
        )
        self.stdout.write(
            f"조문: 새로 {report.articles_created:,}, 갱신 {report.articles_updated:,}, "
            f"삭제 {report.articles_deleted:,}"
        )
        if pending is not None:
            self.stdout.write(
                f"시행 예정 개정: 연결 {pending.attached:,}, 변경 없음 {pending.unchanged:,}, "
                f"불러오지 않은 법령 {pending.missing:,}"
            )
        self.stdout.write(f"약칭: 새로 {aliases.created:,} (모호해서 제외 {aliases.ambiguous:,})")
        if report.unknown_ministries:
            names = ", ".join(f"{n}({c})" for n, c in report.unknown_ministries.most_common())
            self.stdout.write(f"기관 목록에 없는 소관부처: {names}")
        if not options["skip_index"]:
            bar = Bar("색인", importer.articles_to_index(), err)
            index = importer.index_articles(batch_size=options["batch_size"], progress=bar)
            bar.close()
            self.stdout.write(f"색인: 조문 {index.articles:,}, 법령명 {index.statutes:,}, 검색어 {index.terms:,}")
        sandbox = load_sandbox()
        core = load_core_regulations()
        self.stdout.write(
            f"샌드박스 트랙 {sandbox.tracks}, 근거 조문 {sandbox.provisions}; 분야별 핵심 규제 {core.created}건 추가"
        )
        self.stdout.write(f"완료: {time.monotonic() - started:.1f}초")
