"""Reading eligibility out of announcement fields and free text (pure functions, no database).

Every parser returns what it understood plus, when it did not understand something, a note; the
import keeps the original text so nothing is lost. The bizinfo field formats are those of the
기업마당 open API (``@``-separated lists, ``YYYYMMDD ~ YYYYMMDD`` periods, HTML entities).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field

from core.text import normalize_text

# The 17 시·도 as bizinfo spells them; a record listing all of them is nationwide (no restriction).
REGIONS: tuple[str, ...] = (
    "서울",
    "부산",
    "대구",
    "인천",
    "광주",
    "대전",
    "울산",
    "세종",
    "경기",
    "강원",
    "충북",
    "충남",
    "전북",
    "전남",
    "경북",
    "경남",
    "제주",
)
_REGION_ALIASES = {"서울특별시": "서울", "서울시": "서울", "강원특별자치도": "강원", "전북특별자치도": "전북"}

# KSIC 10th revision sections as two-digit division ranges (for firms whose code is a section letter).
KSIC_SECTIONS: dict[str, tuple[int, int]] = {
    "A": (1, 3),
    "B": (5, 8),
    "C": (10, 34),
    "D": (35, 35),
    "E": (36, 39),
    "F": (41, 42),
    "G": (45, 47),
    "H": (49, 52),
    "I": (55, 56),
    "J": (58, 63),
    "K": (64, 66),
    "L": (68, 68),
    "M": (70, 73),
    "N": (74, 76),
    "O": (84, 84),
    "P": (85, 85),
    "Q": (86, 87),
    "R": (90, 91),
    "S": (94, 96),
    "T": (97, 98),
    "U": (99, 99),
}
_ALL_DIVISIONS = frozenset(d for lo, hi in KSIC_SECTIONS.values() for d in range(lo, hi + 1))

# bizinfo 지원분야 (medium class first, then large class) → program kind.
KIND_BY_FIELD: dict[str, str] = {
    "융자": "funding",
    "보증": "funding",
    "보험(수출+무역)": "funding",
    "조세": "funding",
    "고용유지": "funding",
    "펀드/투자": "investment",
    "해외진출": "overseas",
    "해외진출준비": "overseas",
    "시장개척": "overseas",
    "FTA활용/대응": "overseas",
    "수출정보제공": "overseas",
    "시험/인증": "certification",
    "인증": "certification",
    "컨설팅": "consulting",
    "시설/입지지원": "space",
    "창업공간지원": "space",
    "국내일반인력": "talent",
    "국내전문인력": "talent",
    "기술인력/장비지원": "talent",
    "교육/훈련/연수": "talent",
    "고용환경개선": "talent",
    "기술사업화/이전/지도": "tech",
    "공동기술개발": "tech",
    "단독기술개발": "tech",
    "혼합(단독+공동)": "tech",
    "기술정보제공": "tech",
    "홍보지원": "marketing",
    "온라인": "marketing",
    "오프라인": "marketing",
    "공공구매": "marketing",
    "디자인/상품화/사업화": "tech",
    "사업화지원": "tech",
    "금융": "funding",
    "수출": "overseas",
    "인력": "talent",
    "기술": "tech",
    "내수": "marketing",
    "경영": "consulting",
}
# Text clues that override the field mapping (a testbed or sandbox program is filed under 기술).
_KIND_TEXT_CLUES: tuple[tuple[str, str], ...] = (
    (r"규제\s*샌드박스|실증\s*특례|임시\s*허가", "sandbox_cost"),
    (r"테스트\s*베드|실증\s*(지원|사업|장소|단지|공간)|시범\s*운행", "testbed"),
    (r"특허|지식\s*재산|IP\s*(나래|바우처|전략)", "ip"),
)

# Target groups (지원대상) that a firm must declare itself; they cannot be derived from a profile.
DECLARED_GROUPS = frozenset({"사회적기업", "마을기업", "장애인기업", "여성기업", "협동조합", "소상공인", "창업벤처"})

SECTOR_CLUES: dict[str, str] = {
    "fintech": r"핀테크|전자\s*금융|간편\s*결제|블록\s*체인",
    "mobility": r"자율\s*주행|모빌리티|드론|전기\s*차|수소\s*차|도심\s*항공",
    "robots": r"로봇",
    "ai": r"인공\s*지능|\bAI\b|빅\s*데이터|데이터\s*(바우처|거래|가공)",
    "biohealth": r"바이오|헬스\s*케어|의료\s*기기|디지털\s*헬스|신약|임상",
}

_TAG_RE = re.compile(r"<[^>]{0,500}>")


def clean_text(value: str | None) -> str:
    """Entities decoded (bizinfo escapes parentheses as ``&#40;``), tags dropped, normalised."""
    if not value:
        return ""
    text = html.unescape(html.unescape(value))
    text = _TAG_RE.sub(" ", text)
    return normalize_text(text)


def split_at(value: str | None) -> list[str]:
    """An ``@``-separated bizinfo list, de-duplicated in order, blanks dropped."""
    seen: dict[str, None] = {}
    for item in (value or "").split("@"):
        item = normalize_text(item)
        if item:
            seen.setdefault(item, None)
    return list(seen)


# -- period ------------------------------------------------------------------------------------


@dataclass
class Period:
    kind: str
    opens_on: dt.date | None = None
    closes_on: dt.date | None = None
    note: str = ""


_DATE = r"(\d{4})\s*[-./년]?\s*(\d{1,2})\s*[-./월]?\s*(\d{1,2})\s*[.일]?"
_RANGE_RE = re.compile(
    _DATE
    + r"\s*(?:\([^)]{0,4}\))?\s*(?:\d{1,2}:\d{2})?\s*[~∼〜\-–]\s*"
    + r"(?:(\d{4})\s*[-./년]\s*)?(\d{1,2})\s*[-./월]?\s*(\d{1,2})"
)
_COMPACT_RANGE_RE = re.compile(r"^(\d{8})\s*~\s*(\d{8})$")
_KEYWORDS: tuple[tuple[str, str], ...] = (
    (r"소진|완료\s*시|마감\s*시|한도", "until_exhausted"),
    (r"선착순", "first_come"),
    (r"상시|수시|연중", "rolling"),
    (r"상이", "varies"),
    (r"추후|공지\s*예정", "tbd"),
)


def _date(year: str, month: str, day: str) -> dt.date | None:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def parse_period(raw: str | None) -> Period:
    """``20210301 ~ 20210331``, ``2021.3.1 ~ 3.31``, ``2021-03-01~2021-03-31``, 상시, 예산 소진 시까지, ...

    Impossible dates (``20210230``) and reversed ranges are kept as text with a note, never raised.
    """
    text = normalize_text(raw or "").replace("\u2002", " ")
    if not text:
        return Period("unparsed", note="빈 값")
    compact = _COMPACT_RANGE_RE.match(text)
    if compact:
        start, end = compact.groups()
        opens = _date(start[:4], start[4:6], start[6:])
        closes = _date(end[:4], end[4:6], end[6:])
        return _checked(opens, closes, text)
    ranged = _RANGE_RE.search(text)
    if ranged:
        y1, m1, d1, y2, m2, d2 = ranged.groups()
        return _checked(_date(y1, m1, d1), _date(y2 or y1, m2, d2), text)
    for pattern, kind in _KEYWORDS:
        if re.search(pattern, text):
            return Period(kind)
    return Period("unparsed", note=text)


def _checked(opens: dt.date | None, closes: dt.date | None, text: str) -> Period:
    if opens is None or closes is None:
        return Period("unparsed", note=f"날짜로 읽을 수 없음: {text}")
    if closes < opens:
        return Period("unparsed", note=f"마감일이 시작일보다 앞섬: {text}")
    return Period("dated", opens, closes)


# -- lists -------------------------------------------------------------------------------------


def parse_regions(raw: str | None) -> tuple[list[str], list[str]]:
    """(regions, unknown names). All 17 시·도 means nationwide, returned as an empty list."""
    regions: list[str] = []
    unknown: list[str] = []
    for item in split_at(raw):
        name = _REGION_ALIASES.get(item, item)
        if name in REGIONS:
            regions.append(name)
        elif name in {"전국", "전체"}:
            return [], []
        else:
            unknown.append(item)
    if set(regions) == set(REGIONS):
        return [], unknown
    return regions, unknown


_DIVISION_RE = re.compile(r"\((\d{2})(?:\s*~\s*(\d{2}))?\)\s*$")


def parse_industries(raw: str | None) -> tuple[list[list[int]], list[str]]:
    """(KSIC division ranges, unknown names). Every section listed means no restriction."""
    ranges: list[list[int]] = []
    unknown: list[str] = []
    for item in split_at(raw):
        found = _DIVISION_RE.search(item)
        if not found:
            unknown.append(item)
            continue
        lo = int(found.group(1))
        hi = int(found.group(2) or lo)
        ranges.append([lo, hi])
    covered = {d for lo, hi in ranges for d in range(lo, hi + 1)}
    if covered >= _ALL_DIVISIONS:
        return [], unknown
    return sorted(ranges), unknown


def ksic_division(code: str | None) -> tuple[int, int] | None:
    """The division range a firm's KSIC code falls in: ``62010`` → (62, 62), ``J`` → (58, 63)."""
    if not code:
        return None
    code = code.strip().upper()
    if code[:2].isdigit():
        return int(code[:2]), int(code[:2])
    return KSIC_SECTIONS.get(code[:1])


# -- free text -----------------------------------------------------------------------------------


@dataclass
class TextEligibility:
    min_age_years: int | None = None
    min_age_strict: bool = False
    max_age_years: int | None = None
    max_age_strict: bool = False
    mentions_pre_founding: bool = False
    seoul_only: bool = False
    sector_hints: list[str] = field(default_factory=list)
    kind_hint: str | None = None


_AGE_RE = re.compile(
    r"(?:창업|업력|설립|개업)[^.\n☞,·]{0,8}?(\d{1,2})\s*년\s*(이내|이하|미만|이상|초과)"
    r"|(?:스타트업|창업)\s*(?:기업)?\s*[(（]\s*(\d{1,2})\s*년\s*(이내|이하|미만)\s*[)）]"
)


def parse_text(text: str) -> TextEligibility:
    """Founding-age limits (창업 7년 이내, 업력 3년 이상), 예비창업자, 서울 소재, sector and kind clues."""
    found = TextEligibility()
    for match in _AGE_RE.finditer(text):
        years = int(match.group(1) or match.group(3))
        word = match.group(2) or match.group(4)
        if word in {"이내", "이하", "미만"}:
            if found.max_age_years is None or years < found.max_age_years:
                found.max_age_years, found.max_age_strict = years, word == "미만"
        elif found.min_age_years is None or years > found.min_age_years:
            found.min_age_years, found.min_age_strict = years, word == "초과"
    found.mentions_pre_founding = bool(re.search(r"예비\s*창업", text))
    found.seoul_only = bool(re.search(r"서울\s*(특별)?\s*시?\s*(내\s*)?소재", text))
    found.sector_hints = [code for code, pattern in SECTOR_CLUES.items() if re.search(pattern, text)]
    for pattern, kind in _KIND_TEXT_CLUES:
        if re.search(pattern, text):
            found.kind_hint = kind
            break
    return found


def kind_for(fields: list[str], text_hint: str | None) -> str:
    """Program kind from text clues first, then the medium and large support fields."""
    if text_hint:
        return text_hint
    for name in fields:
        if name in KIND_BY_FIELD:
            return KIND_BY_FIELD[name]
    return "other"


_KRW_RE = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(억|천만|백만|만)?\s*원")
_UNIT = {"억": 100_000_000, "천만": 10_000_000, "백만": 1_000_000, "만": 10_000, None: 1}


def parse_krw(raw: str) -> int | None:
    """``3억 원`` → 300000000; ``1,500만원`` → 15000000; anything else → None."""
    match = _KRW_RE.search(normalize_text(raw or ""))
    if not match:
        return None
    try:
        number = float(match.group(1).replace(",", ""))
    except ValueError:
        return None
    return int(number * _UNIT[match.group(2)])
