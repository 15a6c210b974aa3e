"""``manage.py redact IN.jsonl OUT.jsonl``: mask personal data line by line.

Each input line is a JSON object with ``id`` (string or integer) and ``text`` (string); other
fields are ignored and not copied. Each output line is ``{"id", "text"}`` with ``text`` masked by
``core.redaction.redact`` (tokens such as ``[이름]``, ``[전화번호]``; see ``core.redaction.MASKS``).
Blank lines are skipped. The first bad line (invalid UTF-8 or JSON, not an object, missing
``id``/``text``, ``text`` not a string) stops the run with its line number and a non-zero exit.

The input is streamed, so memory stays bounded by the longest line. OUT is written to a temporary
file beside it and renamed into place only when every line succeeded, so a failed run never leaves
a half-written OUT. ``-`` reads stdin or writes stdout (stdout cannot be rolled back: lines before a
bad one have already been written).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.redaction import agency_keep_terms, redact


class BadLine(ValueError):
    """An input line that cannot be redacted; the message is shown to the user."""


def parse_line(raw: bytes) -> tuple[str | int, str] | None:
    """``(id, text)`` of one input line, ``None`` for a blank line, or raise ``BadLine``."""
    try:
        line = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadLine(f"UTF-8이 아닙니다 ({exc.reason})") from exc
    if not line.strip():
        return None
    try:
        record = json.loads(line)
    except (ValueError, RecursionError) as exc:
        raise BadLine(f"JSON이 올바르지 않습니다 ({exc})") from exc
    if not isinstance(record, dict):
        raise BadLine("JSON 객체({...})가 아닙니다")
    if "id" not in record:
        raise BadLine('"id"가 없습니다')
    if "text" not in record:
        raise BadLine('"text"가 없습니다')
    record_id = record["id"]
    if isinstance(record_id, bool) or not isinstance(record_id, str | int):
        raise BadLine('"id"는 문자열이나 정수여야 합니다')
    if not isinstance(record["text"], str):
        raise BadLine('"text"는 문자열이어야 합니다')
    return record_id, record["text"]


class Command(BaseCommand):
    help = "JSONL 파일의 text에서 개인정보(이름, 전화번호, 이메일, 사업자·주민등록번호, 주소, 계좌번호 등)를 가립니다."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("input", help='입력 JSONL ({"id", "text"} 한 줄에 하나), "-"는 표준 입력')
        parser.add_argument("output", help='출력 JSONL, "-"는 표준 출력')
        parser.add_argument(
            "--mask",
            action="append",
            default=[],
            metavar="TERM",
            help="추가로 가릴 문자열 (여러 번 지정 가능)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source: str = options["input"]
        target: str = options["output"]
        keep = agency_keep_terms()
        extra: list[str] = options["mask"]
        counts: Counter[str] = Counter()
        with self._open_input(source) as handle:
            if target == "-":
                for line in self._redact_lines(handle, keep=keep, extra=extra, counts=counts):
                    self.stdout.write(line, ending="")
                self.stdout.flush()
            else:
                self._write_atomically(Path(target), self._redact_lines(handle, keep=keep, extra=extra, counts=counts))
        summary = " ".join(f"{kind}={n}" for kind, n in sorted(counts.items()) if kind != "_lines")
        self.stderr.write(f"redacted lines={counts['_lines']} {summary}".rstrip())

    def _open_input(self, source: str) -> AbstractContextManager[IO[bytes]]:
        if source == "-":
            return nullcontext(sys.stdin.buffer)  # not closed: stdin belongs to the process
        try:
            return open(source, "rb")  # noqa: SIM115 - closed by the caller's with-block
        except OSError as exc:
            raise CommandError(f"입력 파일을 열 수 없습니다: {source} ({exc.strerror})") from exc

    def _redact_lines(
        self, handle: IO[bytes], *, keep: frozenset[str], extra: list[str], counts: Counter[str]
    ) -> Iterator[str]:
        for number, raw in enumerate(handle, start=1):
            try:
                parsed = parse_line(raw)
            except BadLine as exc:
                raise CommandError(f"{number}번째 줄: {exc}") from exc
            if parsed is None:
                continue
            record_id, text = parsed
            result = redact(text, extra_terms=extra, keep_terms=keep)
            counts.update(result.counts())
            counts["_lines"] += 1
            yield json.dumps({"id": record_id, "text": result.text}, ensure_ascii=False) + "\n"

    def _write_atomically(self, path: Path, lines: Iterator[str]) -> None:
        directory = path.parent if str(path.parent) else Path(".")
        if not directory.is_dir():
            raise CommandError(f"출력 폴더가 없습니다: {directory}")
        fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
                for line in lines:
                    out.write(line)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temp_name, 0o644)  # mkstemp makes it 0600; the result is an ordinary file
            os.replace(temp_name, path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
