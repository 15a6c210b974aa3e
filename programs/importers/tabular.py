"""Reading uploaded CSV and XLSX tables safely: the hardened reader lives in ``core.spreadsheet``
(shared with bulk filing); programs keep their own limits (5 MB, 5,000 rows)."""

from __future__ import annotations

from core.spreadsheet import TableLimits, decode_csv, excel_serial_to_date, inspect_xlsx
from core.spreadsheet import read_table as _read_table

LIMITS = TableLimits(max_bytes=5 * 1024 * 1024, max_rows=5_000)

__all__ = ["LIMITS", "decode_csv", "excel_serial_to_date", "inspect_xlsx", "read_table"]


def read_table(*, data: bytes, file_name: str) -> list[dict[str, str]]:
    """Rows of an uploaded CSV or XLSX as dicts (header → normalised text)."""
    return _read_table(data=data, file_name=file_name, limits=LIMITS)
