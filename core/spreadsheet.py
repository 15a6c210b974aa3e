"""CSV downloads that spreadsheets cannot turn into formulas (OWASP CSV injection).

One implementation for every export (programs, dashboards, open data): a text cell that starts
like a formula (=, +, -, @, tab, CR, LF, or their full-width forms) gets a leading apostrophe;
numbers stay numbers (a negative number is data, not a formula); NULs are dropped. Files are
UTF-8 with a BOM so Korean Excel opens them correctly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def safe_cell(value: Any) -> str:
    """One cell as text that no spreadsheet will evaluate."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    raw = str(value)
    text = raw.replace("\0", "")
    if raw.startswith("\0") or text.startswith(_FORMULA_START):
        return "'" + text
    return text


def csv_bytes(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> bytes:
    """A CSV file (UTF-8 with BOM, CRLF) with every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(str(h)) for h in header])
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
