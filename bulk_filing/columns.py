"""The bulk-filing template (Korean headers) and the row-by-row check of an uploaded table.

Every row is checked before anything is written; each problem is reported with the sheet row
number (as Excel shows it), the column header and what is wrong, in Korean. Cells are taken as
text: a cell starting with ``=``, ``+``, ``-`` or ``@`` is stored as the text it is (XLSX formulas
are never evaluated; only their cached value is read) and every export escapes it
(``core.spreadsheet.safe_cell``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from barriers.models import BODY_MAX, TEXT_MAX, TITLE_MAX, Privacy, RequestKind
from barriers.services._core import clean_line, clean_text
from barriers.services.bulk_intake import BulkBarrier
from barriers.services.intake import MAX_COST_WON, MAX_DELAY_MONTHS, MIN_BODY_TO_SUBMIT
from core.errors import ValidationFailed
from core.spreadsheet import Table, csv_bytes
from core.text import normalize_identifier
from firms.brn import InvalidBRN, normalize_brn
from firms.models import Sector


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the template's Korean header (without the required mark)
    required: bool
    hint: Any  # shown in the guide sheet and on the page


COLUMNS: tuple[Column, ...] = (
    Column("title", "제목", True, gettext_lazy("200자 이내")),
    Column("body", "내용", True, gettext_lazy("애로 내용, %(n)s자 이상") % {"n": MIN_BODY_TO_SUBMIT}),
    Column("brn", "사업자등록번호", True, gettext_lazy("123-45-67890 형식, 해치에 등록된 기업")),
    Column(
        "sectors", "분야", True, gettext_lazy("핀테크, 모빌리티, 로봇, AI, 바이오헬스, 기타 중 하나 이상 (쉼표로 구분)")
    ),
    Column("kind", "민원종류", False, gettext_lazy("건의, 질의(법령), 질의(제도·절차), 고충, 신속확인 (비우면 건의)")),
    Column("statutes_named", "관련법령", False, gettext_lazy("예: 전자금융거래법 제28조")),
    Column("desired_change", "개선요청사항", False, gettext_lazy("바라는 개선 내용")),
    Column("harm_cost_won", "추정비용(원)", False, gettext_lazy("숫자 (예: 30000000)")),
    Column("harm_delay_months", "사업지연(개월)", False, gettext_lazy("숫자 (예: 6)")),
    Column("harm_lost_market", "잃은시장·기회", False, gettext_lazy("잃은 시장이나 기회")),
    Column(
        "privacy",
        "공개범위",
        False,
        gettext_lazy("기업명과 함께 공개, 기업명 없이 공개, 비공개 (비우면 기업명 없이 공개)"),
    ),
    Column("seal_from_agency", "소관기관에기업정보비공개", False, gettext_lazy("예 또는 아니오 (비우면 아니오)")),
)
BY_KEY = {c.key: c for c in COLUMNS}
TEMPLATE_HEADER = [c.header + ("*" if c.required else "") for c in COLUMNS]

_SPLIT = re.compile(r"[,;/·\n]+")
_YES = {"예", "네", "y", "yes", "true", "1", "o", "비공개"}
_NO = {"", "아니오", "아니요", "n", "no", "false", "0", "x", "공개"}
_NUMBER = re.compile(r"\d{1,3}(,\d{3})+|\d+")


def _header_key(raw: str) -> str:
    # Headers arrive without spaces (core.spreadsheet); the required mark and case do not matter.
    return normalize_identifier(raw).replace(" ", "").rstrip("*").lower()


_HEADER_TO_KEY: dict[str, str] = {}
for _column in COLUMNS:
    _HEADER_TO_KEY[_header_key(_column.header)] = _column.key
    _HEADER_TO_KEY[_column.key] = _column.key
# A few spellings people type instead of the template's.
_HEADER_TO_KEY.update({"추정비용": "harm_cost_won", "사업지연": "harm_delay_months", "사업자번호": "brn"})
_HEADER_TO_KEY.update({"소관기관비공개": "seal_from_agency", "잃은시장": "harm_lost_market", "민원종류": "kind"})


def _choice_map(choices: Iterable[tuple[str, Any]], extra: dict[str, str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for value, label in choices:
        text = str(label)
        for spelling in (value, text, text.replace(" ", ""), text.split("(")[0]):
            mapping.setdefault(spelling.lower(), value)
    mapping.update(extra)
    return mapping


KIND_BY_TEXT = _choice_map(
    RequestKind.choices,
    {
        "건의": RequestKind.PROPOSAL,
        "질의(법령)": RequestKind.QUESTION_LAW,
        "질의(제도·절차)": RequestKind.QUESTION_PROCEDURE,
        "질의(제도)": RequestKind.QUESTION_PROCEDURE,
        "질의(절차)": RequestKind.QUESTION_PROCEDURE,
        "신속확인": RequestKind.RAPID_CONFIRMATION,
    },
)
PRIVACY_BY_TEXT = _choice_map(
    Privacy.choices,
    {"공개": Privacy.PUBLIC_NAMED, "익명공개": Privacy.PUBLIC_ANONYMOUS, "익명": Privacy.PUBLIC_ANONYMOUS},
)


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


def template_csv() -> bytes:
    """The empty template as CSV (UTF-8 with BOM, so Korean Excel opens it correctly)."""
    return csv_bytes(TEMPLATE_HEADER, [])


def template_xlsx() -> bytes:
    """The template as XLSX: the header on the first sheet, a guide on a second one."""
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "접수"
    sheet.append(TEMPLATE_HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(COLUMNS):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index + 1)].width = 40 if column.key == "body" else 18
    guide = book.create_sheet("작성 안내")
    guide.append([_("열"), _("필수"), _("작성 방법")])
    for column in COLUMNS:
        guide.append([column.header, _("필수") if column.required else "", str(column.hint)])
    guide.append([])
    guide.append([_("첫 번째 시트의 첫 행은 머리글입니다. 지우거나 순서를 바꾸어도 되지만 이름은 그대로 두세요.")])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class RowChecker:
    """Checks rows one by one against the template and the firms the uploader may file for."""

    def __init__(self, *, table: Table, may_file_for: Callable[[list[str]], dict[str, int | None]]) -> None:
        self.table = table
        self.columns: dict[str, str] = {}  # key → the header as written in the file
        unknown: list[str] = []
        for header in table.header:
            key = _HEADER_TO_KEY.get(_header_key(header))
            if key is None:
                unknown.append(header)
            elif key not in self.columns:
                self.columns[key] = header
        missing = [c.header for c in COLUMNS if c.required and c.key not in self.columns]
        if missing:
            raise ValidationFailed(
                _("필수 열이 없습니다: %(columns)s. 양식을 내려받아 머리글을 확인하세요.")
                % {"columns": ", ".join(missing)},
                code="missing_columns",
                field="file",
            )
        if unknown:
            raise ValidationFailed(
                _("양식에 없는 열이 있습니다: %(columns)s.") % {"columns": ", ".join(unknown[:10])},
                code="unknown_columns",
                field="file",
            )
        self.sectors = self._sector_map()
        # BRN (ten digits) → firm id if the uploader may file for it, None if the firm exists but
        # is not theirs; absent when no such firm is registered.
        brns = []
        for _number, row in table.rows:
            try:
                brns.append(normalize_brn(row.get(self.columns["brn"], "")))
            except InvalidBRN:
                continue
        self.firms = may_file_for(sorted(set(brns)))
        self.seen: dict[tuple[int, str, str], int] = {}

    @staticmethod
    def _sector_map() -> dict[str, int]:
        mapping: dict[str, int] = {}
        for pk, code, name, name_en in Sector.objects.values_list("pk", "code", "name", "name_en"):
            for spelling in (code, name, name_en):
                mapping[normalize_identifier(spelling).replace(" ", "").lower()] = pk
        return mapping

    def _cell(self, row: dict[str, str], key: str) -> str:
        header = self.columns.get(key)
        return row.get(header, "") if header else ""

    def check(self, number: int, row: dict[str, str]) -> tuple[BulkBarrier | None, list[RowError]]:
        """The row as a ``BulkBarrier``, or the list of what is wrong with it."""
        errors: list[RowError] = []

        def fail(key: str, message: str) -> None:
            errors.append(RowError(row=number, column=BY_KEY[key].header, message=message))

        def text(key: str, max_length: int, *, line: bool = False) -> str:
            clean = clean_line if line else clean_text
            try:
                return clean(self._cell(row, key), field=key, label=BY_KEY[key].header, max_length=max_length)
            except ValidationFailed as exc:
                fail(key, str(exc.message))
                return ""

        title = text("title", TITLE_MAX, line=True)
        if not title and not any(e.column == BY_KEY["title"].header for e in errors):
            fail("title", _("제목이 비어 있습니다."))
        body = text("body", BODY_MAX)
        if not any(e.column == BY_KEY["body"].header for e in errors) and len(body) < MIN_BODY_TO_SUBMIT:
            fail(
                "body",
                _("내용을 %(n)s자 이상 적어 주세요 (지금 %(len)s자).") % {"n": MIN_BODY_TO_SUBMIT, "len": len(body)},
            )
        firm_id = self._firm(self._cell(row, "brn"), fail)
        sector_ids = self._sectors(self._cell(row, "sectors"), fail)
        kind = self._lookup("kind", KIND_BY_TEXT, RequestKind.PROPOSAL, row, fail)
        privacy = self._lookup("privacy", PRIVACY_BY_TEXT, Privacy.PUBLIC_ANONYMOUS, row, fail)
        seal = self._yes_no(self._cell(row, "seal_from_agency"), fail)
        statutes = text("statutes_named", TEXT_MAX)
        desired = text("desired_change", TEXT_MAX)
        lost = text("harm_lost_market", TEXT_MAX)
        cost = self._number("harm_cost_won", self._cell(row, "harm_cost_won"), MAX_COST_WON, fail)
        delay = self._number("harm_delay_months", self._cell(row, "harm_delay_months"), MAX_DELAY_MONTHS, fail)
        if firm_id is not None and title and body:
            earlier = self.seen.setdefault((firm_id, title, body), number)
            if earlier != number:
                fail("body", _("%(row)s행과 같은 기업·제목·내용입니다 (한 번만 접수하세요).") % {"row": earlier})
        if errors or firm_id is None:
            return None, errors
        return (
            BulkBarrier(
                firm_id=firm_id,
                title=title,
                body=body,
                sector_ids=tuple(sector_ids),
                kind=kind,
                privacy=privacy,
                seal_from_agency=seal,
                statutes_named=statutes,
                desired_change=desired,
                harm_cost_won=cost,
                harm_delay_months=delay,
                harm_lost_market=lost,
                row_number=number,
            ),
            [],
        )

    def _firm(self, raw: str, fail: Callable[[str, str], None]) -> int | None:
        try:
            brn = normalize_brn(raw)
        except InvalidBRN as exc:
            fail("brn", str(exc))
            return None
        if brn not in self.firms:
            fail("brn", _("해치에 등록되지 않은 기업입니다 (%(brn)s).") % {"brn": raw.strip()})
            return None
        firm_id = self.firms[brn]
        if firm_id is None:
            fail("brn", _("이 기업을 대신해 접수할 권한이 없습니다 (협회 회원사가 아닙니다)."))
        return firm_id

    def _sectors(self, raw: str, fail: Callable[[str, str], None]) -> list[int]:
        found: list[int] = []
        for item in _SPLIT.split(raw or ""):
            name = normalize_identifier(item).replace(" ", "").lower()
            if not name:
                continue
            pk = self.sectors.get(name)
            if pk is None:
                fail("sectors", _("알 수 없는 분야입니다: '%(value)s'.") % {"value": item.strip()[:40]})
            elif pk not in found:
                found.append(pk)
        if not found and not raw.strip():
            fail("sectors", _("분야를 하나 이상 적어 주세요."))
        if len(found) > 6:
            fail("sectors", _("분야가 너무 많습니다."))
        return found

    def _lookup(
        self, key: str, mapping: dict[str, str], default: str, row: dict[str, str], fail: Callable[[str, str], None]
    ) -> str:
        raw = self._cell(row, key)
        value = normalize_identifier(raw).replace(" ", "").lower()
        if not value:
            return default
        found = mapping.get(value)
        if found is None:
            fail(
                key,
                _("알 수 없는 값입니다: '%(value)s' (%(hint)s).")
                % {"value": raw.strip()[:40], "hint": BY_KEY[key].hint},
            )
            return default
        return found

    @staticmethod
    def _yes_no(raw: str, fail: Callable[[str, str], None]) -> bool:
        value = normalize_identifier(raw).replace(" ", "").lower()
        if value in _YES:
            return True
        if value not in _NO:
            fail("seal_from_agency", _("'예' 또는 '아니오'로 적어 주세요."))
        return False

    @staticmethod
    def _number(key: str, raw: str, maximum: int, fail: Callable[[str, str], None]) -> int | None:
        value = normalize_identifier(raw).replace(" ", "")
        for unit in ("원", "개월", "달"):
            value = value.removesuffix(unit)
        if not value:
            return None
        if not _NUMBER.fullmatch(value):
            fail(key, _("0 이상의 숫자로 적어 주세요 ('%(value)s').") % {"value": raw.strip()[:40]})
            return None
        number = int(value.replace(",", ""))
        if number > maximum:
            fail(key, _("값이 너무 큽니다 (최대 %(max)s).") % {"max": f"{maximum:,}"})
            return None
        return number
