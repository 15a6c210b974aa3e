"""CSV downloads that spreadsheets cannot turn into formulas (OWASP CSV injection), and the one
hardened reader of uploaded CSV/XLSX tables (see "reading uploaded tables" below).

One implementation for every export (programs, dashboards, open data): a text cell that starts
like a formula (=, +, -, @, tab, CR, LF, or their full-width forms) gets a leading apostrophe;
numbers stay numbers (a negative number is data, not a formula); NULs are dropped. Files are
UTF-8 with a BOM so Korean Excel opens them correctly.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from core.errors import ValidationFailed
from core.text import normalize_text

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


# -- reading uploaded tables -------------------------------------------------------------------
# Moved here from programs.importers.tabular so every upload (programs, bulk filing) shares one
# hardened reader. CSV: UTF-8 (with or without BOM) or CP949/EUC-KR from Korean Excel, detected by
# strict decoding; anything else is refused, never read as mojibake. XLSX: the zip is inspected
# with the standard library *before* any XML parser sees it: macros, external links, DTDs/entities
# (XXE, billion laughs), zip bombs and oversized sheets are refused. Formulas are never evaluated
# (openpyxl ``read_only=True, data_only=True`` returns cached values only).

ZIP_MAGIC = b"PK\x03\x04"
_DANGEROUS_XML = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01, with Excel's 1900 leap-year bug


@dataclass(frozen=True)
class TableLimits:
    """How much an upload may hold; each importer picks its own (a program list is small, a
    bulk filing is large)."""

    max_bytes: int = 5 * 1024 * 1024
    max_rows: int = 5_000
    max_columns: int = 60
    max_uncompressed: int = 50 * 1024 * 1024
    max_ratio: int = 100
    max_members: int = 500


DEFAULT_LIMITS = TableLimits()


@dataclass
class Table:
    """An uploaded table: the normalised header and each non-blank row with its sheet row number
    (the number Excel shows, header = 1), so errors can point at the row people see."""

    header: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def read_table(*, data: bytes, file_name: str, limits: TableLimits = DEFAULT_LIMITS) -> list[dict[str, str]]:
    """Rows of an uploaded CSV or XLSX as dicts (header → normalised text)."""
    return [row for _number, row in read_rows(data=data, file_name=file_name, limits=limits).rows]


def read_rows(*, data: bytes, file_name: str, limits: TableLimits = DEFAULT_LIMITS) -> Table:
    """An uploaded CSV or XLSX as a ``Table`` (header, and rows numbered as in the sheet)."""
    if len(data) > limits.max_bytes:
        raise ValidationFailed(
            _("파일이 너무 큽니다 (최대 %(size)s).") % {"size": _size_text(limits.max_bytes)},
            code="file_too_large",
            field="file",
        )
    if not data.strip():
        raise ValidationFailed(_("빈 파일입니다."), code="empty_file", field="file")
    name = file_name.lower()
    is_zip = data.startswith(ZIP_MAGIC)
    if name.endswith((".xlsm", ".xltm", ".xlsb", ".xls")):
        raise ValidationFailed(_("XLSX 또는 CSV 파일만 올릴 수 있습니다 (매크로·구형 형식 불가)."), code="bad_type")
    if name.endswith(".xlsx"):
        if not is_zip:
            raise ValidationFailed(_("XLSX 파일이 아닙니다 (이름만 바꾼 파일은 받지 않습니다)."), code="bad_type")
        return _xlsx_rows(data, limits)
    if name.endswith((".csv", ".txt")):
        if is_zip:
            raise ValidationFailed(_("CSV 파일이 아닙니다."), code="bad_type", field="file")
        return _csv_rows(data, limits)
    raise ValidationFailed(_("XLSX 또는 CSV 파일만 올릴 수 있습니다."), code="bad_type", field="file")


def _size_text(size: int) -> str:
    return f"{size // (1024 * 1024)}MB" if size >= 1024 * 1024 else f"{size:,}B"


def decode_csv(data: bytes) -> str:
    """UTF-8 (BOM or not), else CP949 (a superset of EUC-KR); refuse what neither decodes."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError:
            raise _bad_encoding() from None  # a UTF-8 mark on bytes that are not UTF-8
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp949")
    except UnicodeDecodeError:
        raise _bad_encoding() from None


def _bad_encoding() -> ValidationFailed:
    return ValidationFailed(
        _("문자 인코딩을 알 수 없습니다. UTF-8 또는 CP949(EUC-KR)로 저장해 주세요."), code="bad_encoding", field="file"
    )


def _too_many_rows(limits: TableLimits) -> ValidationFailed:
    return ValidationFailed(
        _("행이 너무 많습니다 (최대 %(n)s행).") % {"n": f"{limits.max_rows:,}"}, code="too_many_rows"
    )


def _csv_rows(data: bytes, limits: TableLimits) -> Table:
    text = decode_csv(data)
    if "\x00" in text:
        raise ValidationFailed(_("CSV에 허용되지 않는 문자(NUL)가 있습니다."), code="bad_csv")
    # The delimiter is the one the header line uses most: csv.Sniffer guesses from a sample of
    # rows and is misled by real free text full of commas, quotes and semicolons.
    header_line = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=lambda d: (header_line.count(d), d == ","))
    reader = csv.reader(_lines(text), csv.excel, delimiter=delimiter)
    try:
        return _build_table(reader, limits)
    except csv.Error as exc:
        raise ValidationFailed(_("CSV 형식이 올바르지 않습니다: %(error)s") % {"error": exc}, code="bad_csv") from exc


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` with their ends, one at a time (a StringIO would copy the whole
    text into a four-bytes-per-character buffer; a large upload is tens of megabytes)."""
    newline = "\n" if "\n" in text else "\r"  # classic Mac files end lines with CR alone
    start = 0
    while start < len(text):
        end = text.find(newline, start)
        if end < 0:
            yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def _build_table(rows: Iterable[Any], limits: TableLimits) -> Table:
    """The table from raw rows, read one at a time: blank rows skipped, the first non-blank row
    is the header, each row numbered as the sheet shows it."""
    table: Table | None = None
    header: list[str] = []
    for number, raw in enumerate(rows, start=1):
        if number > limits.max_rows + 1:
            raise _too_many_rows(limits)
        cells = [_cell_text(c) for c in list(raw)[: limits.max_columns]]
        if not any(cells):
            continue
        if table is None:
            header = [normalize_text(h).replace(" ", "") for h in cells]
            named = [h for h in header if h]
            if len(set(named)) != len(named):
                raise ValidationFailed(_("머리글에 같은 이름의 열이 두 번 있습니다."), code="duplicate_header")
            table = Table(header=named)
            continue
        table.rows.append((number, {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header) if h}))
    if table is None:
        raise ValidationFailed(_("머리글 행이 없습니다."), code="no_header")
    return table


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


def inspect_xlsx(data: bytes, limits: TableLimits = DEFAULT_LIMITS) -> None:
    """Refuse workbooks that are not plain data: macros, external links, DTDs, zip bombs."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ValidationFailed(_("XLSX 파일이 손상되었습니다."), code="bad_xlsx") from exc
    bomb = ValidationFailed(_("압축을 풀면 지나치게 커지는 파일입니다 (압축 폭탄)."), code="zip_bomb")
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_members:
            raise ValidationFailed(_("XLSX 구성 파일이 너무 많습니다."), code="bad_xlsx")
        total = 0
        for info in members:
            total += info.file_size
            if total > limits.max_uncompressed or info.file_size > limits.max_ratio * max(info.compress_size, 1024):
                raise bomb
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
            # The declared sizes above can lie: read at most the limit and count what comes out.
            with archive.open(info) as member:
                body = member.read(limits.max_uncompressed + 1)
            if len(body) > limits.max_uncompressed:
                raise bomb
            if _DANGEROUS_XML.search(body):
                raise ValidationFailed(_("문서 형식 선언(DTD)이 있는 XLSX는 받지 않습니다."), code="xlsx_dtd")
            if b"macroEnabled" in body:
                raise ValidationFailed(_("매크로가 들어 있는 파일은 받지 않습니다."), code="xlsx_macro")
            if info.filename.endswith(".rels") and b'TargetMode="External"' in body and b"hyperlink" not in body:
                raise ValidationFailed(_("외부 연결(링크·DDE)이 있는 파일은 받지 않습니다."), code="xlsx_external")
            del body


def _xlsx_rows(data: bytes, limits: TableLimits) -> Table:
    inspect_xlsx(data, limits)
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
        return _build_table(visible[0].iter_rows(values_only=True), limits)
    finally:
        book.close()
