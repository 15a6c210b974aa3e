"""CSV exports that spreadsheets cannot turn into formulas (CSV/formula injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\0", "＝", "＋", "－", "＠")


def safe_cell(value: object) -> str:
    """Text that starts like a formula gets a leading apostrophe; NULs are dropped."""
    text = "" if value is None else str(value)
    text = text.replace("\0", "")
    if text.startswith(_FORMULA_START) or (value is not None and str(value).startswith("\0")):
        return "'" + text
    return text


def csv_bytes(header: Iterable[str], rows: Iterable[Iterable[object]]) -> bytes:
    """UTF-8 with BOM (so Korean Excel opens it correctly), every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
