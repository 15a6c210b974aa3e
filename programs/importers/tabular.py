"""Reading uploaded CSV and XLSX tables safely (rows of strings keyed by header).

CSV: UTF-8 (with or without BOM) or CP949/EUC-KR from Korean Excel, detected by strict decoding;
anything else is refused, never read as mojibake. XLSX: the zip is inspected with the standard
library *before* any XML parser sees it: macros, external links, DTDs/entities (XXE, billion
laughs), zip bombs and oversized sheets are refused. Cell values are read, formulas are never
evaluated (openpyxl ``read_only=True, data_only=True`` returns cached values only).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from typing import Any

from django.utils.translation import gettext as _

from core.errors import ValidationFailed
from core.text import normalize_text

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5_000
MAX_COLUMNS = 60
MAX_UNCOMPRESSED = 50 * 1024 * 1024
MAX_RATIO = 100
MAX_MEMBERS = 500
ZIP_MAGIC = b"PK\x03\x04"
_DANGEROUS_XML = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01, with Excel's 1900 leap-year bug


def read_table(*, data: bytes, file_name: str) -> list[dict[str, str]]:
    """Rows of an uploaded CSV or XLSX as dicts (header → normalised text)."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationFailed(_("파일이 너무 큽니다 (최대 5MB)."), code="file_too_large", field="file")
    if not data.strip():
        raise ValidationFailed(_("빈 파일입니다."), code="empty_file", field="file")
    name = file_name.lower()
    is_zip = data.startswith(ZIP_MAGIC)
    if name.endswith((".xlsm", ".xltm", ".xlsb", ".xls")):
        raise ValidationFailed(_("XLSX 또는 CSV 파일만 올릴 수 있습니다 (매크로·구형 형식 불가)."), code="bad_type")
    if name.endswith(".xlsx"):
        if not is_zip:
            raise ValidationFailed(_("XLSX 파일이 아닙니다 (이름만 바꾼 파일은 받지 않습니다)."), code="bad_type")
        return _xlsx_rows(data)
    if name.endswith((".csv", ".txt")):
        if is_zip:
            raise ValidationFailed(_("CSV 파일이 아닙니다."), code="bad_type", field="file")
        return _csv_rows(data)
    raise ValidationFailed(_("XLSX 또는 CSV 파일만 올릴 수 있습니다."), code="bad_type", field="file")


def decode_csv(data: bytes) -> str:
    """UTF-8 (BOM or not), else CP949 (a superset of EUC-KR); refuse what neither decodes."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp949")
    except UnicodeDecodeError:
        raise ValidationFailed(
            _("문자 인코딩을 알 수 없습니다. UTF-8 또는 CP949(EUC-KR)로 저장해 주세요."), code="bad_encoding"
        ) from None


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    text = decode_csv(data)
    if "\x00" in text:
        raise ValidationFailed(_("CSV에 허용되지 않는 문자(NUL)가 있습니다."), code="bad_csv")
    try:
        sample = text[:4096]
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;") if sample else csv.excel
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        grid = []
        for number, row in enumerate(reader):
            if number > MAX_ROWS:
                raise ValidationFailed(_("행이 너무 많습니다 (최대 5,000행)."), code="too_many_rows")
            grid.append(row)
    except csv.Error as exc:
        raise ValidationFailed(_("CSV 형식이 올바르지 않습니다: %(error)s") % {"error": exc}, code="bad_csv") from exc
    return _to_dicts(grid)


def _to_dicts(grid: list[list[Any]]) -> list[dict[str, str]]:
    rows = [[_cell_text(c) for c in row[:MAX_COLUMNS]] for row in grid]
    rows = [r for r in rows if any(r)]
    if not rows:
        raise ValidationFailed(_("머리글 행이 없습니다."), code="no_header")
    header = [normalize_text(h).replace(" ", "") for h in rows[0]]
    if len(set(filter(None, header))) != len([h for h in header if h]):
        raise ValidationFailed(_("머리글에 같은 이름의 열이 두 번 있습니다."), code="duplicate_header")
    out = []
    for row in rows[1:]:
        out.append({h: (row[i] if i < len(row) else "") for i, h in enumerate(header) if h})
    return out


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return normalize_text(str(value))


def excel_serial_to_date(value: str) -> dt.date | None:
    """An Excel 1900-system serial (``45383``) as a date; None when it is not a plausible serial."""
    try:
        serial = float(value)
    except ValueError:
        return None
    if not 1 <= serial <= 2_958_465:
        return None
    return _EXCEL_EPOCH + dt.timedelta(days=int(serial))


def inspect_xlsx(data: bytes) -> None:
    """Refuse workbooks that are not plain data: macros, external links, DTDs, zip bombs."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ValidationFailed(_("XLSX 파일이 손상되었습니다."), code="bad_xlsx") from exc
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise ValidationFailed(_("XLSX 구성 파일이 너무 많습니다."), code="bad_xlsx")
        total = 0
        for info in members:
            total += info.file_size
            if total > MAX_UNCOMPRESSED or info.file_size > MAX_RATIO * max(info.compress_size, 1024):
                raise ValidationFailed(_("압축을 풀면 지나치게 커지는 파일입니다 (압축 폭탄)."), code="zip_bomb")
            lowered = info.filename.lower()
            if lowered.endswith("vbaproject.bin") or "macrosheets/" in lowered or lowered.endswith(".bin"):
                raise ValidationFailed(_("매크로가 들어 있는 파일은 받지 않습니다."), code="xlsx_macro")
            if lowered.startswith("xl/externallinks/") or "connections.xml" in lowered:
                raise ValidationFailed(_("외부 연결(링크·DDE)이 있는 파일은 받지 않습니다."), code="xlsx_external")
        names = {info.filename for info in members}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise ValidationFailed(_("XLSX 파일이 아닙니다."), code="bad_xlsx")
        for info in members:
            if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
                continue
            with archive.open(info) as member:
                body = member.read(MAX_UNCOMPRESSED + 1)
            if len(body) > MAX_UNCOMPRESSED:
                raise ValidationFailed(_("압축을 풀면 지나치게 커지는 파일입니다 (압축 폭탄)."), code="zip_bomb")
            if _DANGEROUS_XML.search(body):
                raise ValidationFailed(_("문서 형식 선언(DTD)이 있는 XLSX는 받지 않습니다."), code="xlsx_dtd")
            if b"macroEnabled" in body:
                raise ValidationFailed(_("매크로가 들어 있는 파일은 받지 않습니다."), code="xlsx_macro")
            if info.filename.endswith(".rels") and b'TargetMode="External"' in body and b"hyperlink" not in body:
                raise ValidationFailed(_("외부 연결(링크·DDE)이 있는 파일은 받지 않습니다."), code="xlsx_external")


def _xlsx_rows(data: bytes) -> list[dict[str, str]]:
    inspect_xlsx(data)
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - depends on the installed requirements
        raise ValidationFailed(
            _("이 서버에는 XLSX 읽기 기능이 설치되어 있지 않습니다. CSV(UTF-8 또는 CP949)로 올려 주세요."),
            code="xlsx_unsupported",
        ) from None
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise ValidationFailed(_("XLSX 파일을 읽을 수 없습니다."), code="bad_xlsx") from exc
    try:
        visible = [ws for ws in book.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
        if not visible:
            raise ValidationFailed(_("보이는 시트가 없습니다."), code="bad_xlsx")
        grid: list[list[Any]] = []
        for number, row in enumerate(visible[0].iter_rows(values_only=True)):
            if number > MAX_ROWS:
                raise ValidationFailed(_("행이 너무 많습니다 (최대 5,000행)."), code="too_many_rows")
            grid.append(list(row))
    finally:
        book.close()
    return _to_dicts(grid)
