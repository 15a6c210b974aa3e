"""Masking personal data (개인정보 비식별) before a text is published.

``redact(text)`` finds names of people, phone numbers, e-mail addresses, 사업자등록번호,
주민등록번호, street addresses, bank account, card, passport and driving-licence numbers, and
replaces each with a bracketed Korean token (``MASKS``). What readers need stays: statute and
article references, amounts, dates, percentages and the names of public bodies.

**Offsets.** The input is first normalised with ``core.text.normalize_text`` (NFC, no invisible or
control characters, unified line ends, stripped). ``Redaction.source`` is that normalised text and
every ``Span.start``/``Span.end`` indexes into it, not into the raw input; ``masked_start`` and
``masked_end`` index into ``Redaction.text``. An official's preview shows ``source`` with the spans
highlighted and passes anything else to mask as ``extra_terms``.

**How.** Numbers are found by exact regexes (digits may be full-width; separators may be spaces or
dash look-alikes), then confirmed where a check exists (BRN check digit, card Luhn digit, RRN
birth date). Names and addresses need context: a title or honorific after a name (김철수 대표,
이영희님, 김 과장), a role before it (담당자 김철수, 성명: 김철수), an administrative unit before a
road (강남구 테헤란로 123), or kiwipiepy's proper-noun tag (NNP) for a surname-initial word. The
analyser runs once per text; the known limits are in ``bench/redaction.py``'s output.

The engine errs towards masking: a false mask costs a reader a word, a missed one exposes a person.

**Policy choices.** Names of public figures are masked like anyone's (the rules cannot tell a
minister from a filer). Representative numbers (1588-xxxx) are kept: they are not personal. Digits
inside links (``https://…?id=…``) are never taken for phone or card numbers. A 10-digit number
counts as a 사업자등록번호 only after a word like 사업자(등록)번호; a dashed ``XXX-XX-XXXXX`` always
does (``rule`` says whether its check digit was valid). Bare 13 digits next to a bank name are an
account, not an RRN. ``analyse=False`` skips kiwipiepy: numbers and addresses are unchanged, names
then rest on titles, roles and the given-name syllable list only.

**Known limits.** A name with neither title nor role is found only when kiwipiepy tags it NNP;
a road address with no district, label (주소:, 소재지) or floor/unit after it is found only when
the road is a known proper noun; 10-digit BRNs without a label are left as they are.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from core.text import normalize_text

DATA_DIR = Path(__file__).parent / "data"


class Kind(StrEnum):
    NAME = "name"
    PHONE = "phone"
    EMAIL = "email"
    BRN = "brn"
    RRN = "rrn"
    ADDRESS = "address"
    ACCOUNT = "account"
    CARD = "card"
    PASSPORT = "passport"
    DRIVER_LICENCE = "driver_licence"
    EXTRA = "extra"


MASKS: dict[Kind, str] = {
    Kind.NAME: "[이름]",
    Kind.PHONE: "[전화번호]",
    Kind.EMAIL: "[이메일]",
    Kind.BRN: "[사업자등록번호]",
    Kind.RRN: "[주민등록번호]",
    Kind.ADDRESS: "[주소]",
    Kind.ACCOUNT: "[계좌번호]",
    Kind.CARD: "[카드번호]",
    Kind.PASSPORT: "[여권번호]",
    Kind.DRIVER_LICENCE: "[운전면허번호]",
    Kind.EXTRA: "[비공개]",
}

# When two findings overlap, the earlier kind wins (an official's own term first, then the most
# exact patterns, names last because they are the least certain).
_ORDER = [
    Kind.EXTRA,
    Kind.EMAIL,
    Kind.RRN,
    Kind.CARD,
    Kind.DRIVER_LICENCE,
    Kind.PHONE,
    Kind.BRN,
    Kind.PASSPORT,
    Kind.ACCOUNT,
    Kind.ADDRESS,
    Kind.NAME,
]
_PRIORITY = {kind: rank for rank, kind in enumerate(_ORDER)}
# Kinds whose candidates give way to protected text (statute references, amounts, dates, kept
# organisation names); the exact numeric kinds do not.
_YIELDING = frozenset({Kind.NAME, Kind.ADDRESS, Kind.ACCOUNT, Kind.PASSPORT})


@dataclass(frozen=True, slots=True)
class Span:
    """One masked piece: offsets into ``Redaction.source`` and into ``Redaction.text``."""

    start: int
    end: int
    kind: Kind
    original: str
    rule: str
    masked_start: int = -1
    masked_end: int = -1

    @property
    def mask(self) -> str:
        return MASKS[self.kind]

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "kind": str(self.kind),
            "original": self.original,
            "rule": self.rule,
            "masked_start": self.masked_start,
            "masked_end": self.masked_end,
        }


@dataclass(frozen=True, slots=True)
class Redaction:
    """The masked ``text``, the normalised ``source`` it came from and what was masked."""

    source: str
    text: str
    spans: tuple[Span, ...]

    def counts(self) -> Counter[str]:
        return Counter(str(span.kind) for span in self.spans)


# ---------------------------------------------------------------------------------------------
# Curated lists
# ---------------------------------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _read_lines(name: str) -> list[str]:
    lines = (DATA_DIR / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def surnames() -> dict[str, int]:
    """Surname → tier (1 common, 2 also an ordinary word or rare)."""
    table: dict[str, int] = {}
    for line in _read_lines("korean_surnames.tsv")[1:]:
        name, tier = line.split("\t")
        table[name] = min(int(tier), table.get(name, 9))
    return table


@lru_cache(maxsize=1)
def public_body_names() -> frozenset[str]:
    """The curated names of public bodies and banks that are never masked."""
    return frozenset(_read_lines("public_bodies.txt"))


@lru_cache(maxsize=1)
def _given_name_syllables() -> frozenset[str]:
    return frozenset(syllable for line in _read_lines("given_name_syllables.txt") for syllable in line.split())


@lru_cache(maxsize=1)
def _not_person_names() -> frozenset[str]:
    return frozenset(_read_lines("not_person_names.txt"))


def agency_keep_terms() -> frozenset[str]:
    """Curated public bodies plus the Agency directory's names and aliases, when the DB answers."""
    names = set(public_body_names())
    try:
        from agencies.models import Agency, AgencyAlias

        names.update(Agency.objects.values_list("name", flat=True))
        names.update(AgencyAlias.objects.values_list("name", flat=True))
    except Exception:  # noqa: BLE001 - no database (tests without db, bench): the curated list is enough
        pass
    return frozenset(name for name in names if len(name) >= 2)


# ---------------------------------------------------------------------------------------------
# Patterns
# ---------------------------------------------------------------------------------------------

_D = "[0-9]"  # patterns run on a folded copy where full-width digits are ASCII (see _FOLD)
_DASH = "\\-\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d"
_SEP = rf"(?:[ \t]?[{_DASH}.][ \t]?|[ \t])?"  # between digit groups: nothing, a dash/dot, a space
_HARD_SEP = rf"[ \t]?[{_DASH}][ \t]?"  # a dash (with optional spaces)
_NB = r"(?<![0-9.,])"  # no digit (or decimal part) just before
_NA = r"(?![0-9])"  # no digit just after
# Full-width digits, letters, @ and hyphen folded to ASCII one character for one, so offsets into
# the folded copy are offsets into the source.
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_STAR = "*＊xX●○※"

URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
MASK_TOKEN_RE = re.compile("|".join(re.escape(token) for token in MASKS.values()))

EMAIL_RE = re.compile(
    r"(?<![\w.%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*[ \t]?[@＠][ \t]?[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
)
RRN_RE = re.compile(
    rf"{_NB}(?P<birth>{_D}{{2}}(?:0[1-9]|1[0-2]|０[１-９]|１[０-２])(?:{_D}{{2}}))"
    rf"(?P<sep>[ \t]*[{_DASH}][ \t]*|[ \t]?)"
    rf"(?P<rest>[1-8１-８](?:{_D}{{6}}|[{_STAR}]{{6}})|[{_STAR}]{{7}}){_NA}"
)
CARD_RE = re.compile(
    rf"{_NB}(?:{_D}{{4}}(?P<s>[ \t]?[{_DASH}][ \t]?|[ \t])[0-9{_STAR}]{{4}}(?P=s)[0-9{_STAR}]{{4}}(?P=s){_D}{{4}}"
    rf"|{_D}{{4}}[{_DASH} ]{_D}{{6}}[{_DASH} ]{_D}{{5}}|{_D}{{15,16}}){_NA}"
)
DRIVER_RE = re.compile(
    rf"(?:(?:서울|부산|경기|강원|충북|충남|전북|전남|경북|경남|제주|대구|인천|광주|대전|울산)[ \t]?{_D}{{2}}"
    rf"|{_NB}{_D}{{2}}[{_DASH}]{_D}{{2}})[{_DASH}]{_D}{{6}}[{_DASH}]{_D}{{2}}{_NA}"
)
PHONE_RE = re.compile(
    rf"(?:(?<![\w+])\+[ \t]?82[ \t]?[{_DASH}.]?[ \t]?(?:\(0\)[ \t]?)?(?:1[016789]|2|[3-6][1-5]|70)"
    rf"|{_NB}\(?(?:01[016789]|0(?:2|[3-6][1-5]|70|50[2-8]?|80))\)?)"
    rf"{_SEP}{_D}{{3,4}}{_SEP}{_D}{{4}}{_NA}"
)
BRN_DASHED_RE = re.compile(rf"{_NB}{_D}{{3}}{_HARD_SEP}{_D}{{2}}{_HARD_SEP}{_D}{{5}}{_NA}")
BRN_PLAIN_RE = re.compile(rf"{_NB}{_D}{{10}}{_NA}")
BRN_CONTEXT_RE = re.compile(r"사업자\s?(?:등록)?\s?번호|사업자번호|등록번호|사업자")
PASSPORT_RE = re.compile(r"(?<![A-Za-z0-9])[MSRGDT](?:\d{8}|\d{3}[A-Z]\d{4})(?![A-Za-z0-9])")
PASSPORT_CONTEXT_RE = re.compile(r"여권")
_CARD_CONTEXT_RE = re.compile(r"카드")
ACCOUNT_RE = re.compile(
    rf"{_NB}{_D}{{2,6}}(?:(?:[ \t]?[{_DASH}][ \t]?|[ \t]){_D}{{2,8}}){{1,4}}{_NA}|{_NB}{_D}{{10,14}}{_NA}"
)
ACCOUNT_CONTEXT_RE = re.compile(
    r"계좌|입금|송금|이체|예금주|통장|[가-힣A-Z]{1,6}은행|농협|신협|새마을금고|우체국|카카오뱅크|케이뱅크|토스뱅크|증권"
)

_ADMIN_UNIT = r"[가-힣]{1,10}(?:특별시|광역시|특별자치시|특별자치도|도|시|군|구)"
_SIDO_SHORT = r"(?:서울|부산|대구|인천|광주|대전|울산|세종|경기|강원|충북|충남|전북|전남|경북|경남|제주)"
# An administrative unit right before a road or lot (kept in the output); searched backwards from
# a candidate only, which keeps long Hangul runs cheap.
_ADMIN_BEFORE_RE = re.compile(rf"(?:{_ADMIN_UNIT}|{_SIDO_SHORT})[ \t]+(?:[가-힣]{{1,6}}(?:읍|면)[ \t]+)?$")
_DETAIL = (
    rf"(?:[ \t]*,?[ \t]*(?:지하[ \t]?)?{_D}{{1,3}}층|[ \t]*,?[ \t]*{_D}{{1,4}}동[ \t]?{_D}{{1,5}}호"
    rf"|[ \t]*,?[ \t]*{_D}{{1,5}}호|[ \t]*\([가-힣0-9·,\s]{{1,30}}\))*"
)
# What may follow a building or lot number: punctuation, the end, floor/unit details, or the
# particles and copula that end the address in a sentence (…123입니다, …123에 있는).
_AFTER_NUMBER = r"[\s,)\]]|[.](?![0-9])|$|층|호|동[ \t]?[0-9]|번지|입니다|이며|이고|이다|에서|에|으로|로|의|인|이|은|을"
_ADDRESS_LABEL_RE = re.compile(r"(?:주소|소재지|거주지|사업장|주소지)[은는이가]?[ \t]*[:：]?[ \t]*$")
ROAD_RE = re.compile(
    rf"(?<![가-힣\]])(?P<detail>(?P<road>[가-힣A-Za-z0-9·]{{1,12}}?(?:대로|로|길)"
    rf"(?:[ \t]?{_D}{{1,4}}번?[가나다라마바사아자차카타파하]?(?:길|로))?)"
    rf"[ \t]?(?:지하[ \t]?)?{_D}{{1,5}}(?:[{_DASH}]{_D}{{1,5}})?(?:번지)?(?={_AFTER_NUMBER})"
    rf"(?P<more>{_DETAIL}))"
)
JIBUN_RE = re.compile(
    rf"(?<![가-힣\]])(?P<detail>(?P<dong>[가-힣]{{1,8}}(?:동|리|가))(?:{_D}{{1,2}}가)?[ \t]?(?:산[ \t]?)?"
    rf"(?P<number>{_D}{{1,5}}(?P<sub>[{_DASH}]{_D}{{1,5}})?)(?P<bunji>번지)?(?={_AFTER_NUMBER})"
    rf"(?P<more>{_DETAIL}))"
)
UNIT_RE = re.compile(rf"(?<![제\d]){_D}{{1,4}}동[ \t]?{_D}{{1,5}}호(?!선|실|기|점)")
POSTAL_RE = re.compile(rf"(?:우편번호|\(우\)|우\))[ \t]*[:：]?[ \t]*{_D}{{5}}{_NA}")
# Words ending in 로/길/대로 that are not road names (particles, adverbs).
_NOT_ROADS = _words(
    "그대로 이대로 저대로 제대로 마음대로 멋대로 함부로 새로 서로 주로 별로 따로 실제로 스스로 최초로 저절로 홀로 "
    "대체로 정말로 진짜로 본격적으로 특별히로 앞으로 뒤로 위로 아래로 밖으로 안으로 때문으로 으로 에로 이로 그로 "
    "대로 한길 외길 지름길 갈림길 오솔길 먼길 빗길 눈길 발길 손길 뱃길 하늘길 물길 살길 활로 통로 경로 진로 항로 "
    "퇴로 선로 도로 회로 미로 기로 판로 수로 과로 고로 공로 노로 전로"
)

# Statute references, dates, amounts and percentages: never masked as names, addresses or accounts.
PROTECTED_RE = re.compile(
    r"「[^」\n]{1,80}」|『[^』\n]{1,80}』"
    rf"|제[ \t]?{_D}+(?:조|항|호|목|장|절|관|편)(?:의[ \t]?{_D}+)?"
    rf"(?:[ \t]?제[ \t]?{_D}+(?:조|항|호|목)(?:의[ \t]?{_D}+)?)*"
    rf"|(?<![0-9])(?:19|20){_D}{{2}}[ \t]?[.\-/년][ \t]?{_D}{{1,2}}[ \t]?[.\-/월][ \t]?{_D}{{1,2}}(?![0-9])"
    r"(?:[ \t]?[.일])?"
    # possessive ``*+``: a long run of digits must not be re-split at every position (ReDoS)
    rf"|(?<![0-9,.]){_D}[0-9,.]*+[ \t]?(?:조|억|천|백|십|만)?[ \t]?"
    rf"(?:{_D}[0-9,.]*+[ \t]?(?:천|백|십)?[ \t]?)?(?:만[ \t]?)?"
    r"(?:원|달러|유로|엔|%|퍼센트|％|명|개사|개|건|년|개월|주|일|시간|분|회|배|곳|톤|km|㎞|m|kg|대)"
)

_TITLES = sorted(
    _words(
        "대표이사 공동대표 대표 부사장 사장 부회장 회장 이사장 이사 전무 상무 본부장 센터장 실장 국장 부장 차장 과장 "
        "팀장 대리 주임 사원 매니저 책임연구원 선임연구원 수석연구원 연구원 책임 선임 수석 사무관 서기관 주무관 "
        "조사관 감독관 담당관 연구관 교수 박사 변호사 변리사 세무사 노무사 회계사 행정사 기자 위원장 위원 원장 소장 "
        "청장 구청장 의원 선생님 선생 님 씨 고객님 담당자 담당 주임관 관장 총장 장관 차관 대변인"
    ),
    key=lambda title: (-len(title), title),
)
# After a title, these continuations mean another word (대표적, 이사회, 과장된, 위원회 ...).
_TITLE_STOP = r"(?!적|성|단|팀|번호|작|곡|회|진|들|급|직|실)"
_TITLE_ALT = "|".join(_TITLES)
_ROLES = (
    "담당자|담당|민원인|신청인|청구인|진정인|고소인|피해자|대표자|대표이사|대표|작성자|제보자|성명|이름|성함|예금주|"
    "수신자|발신자|신고인|문의처|연락처|접수자|처리자|상담원|" + _TITLE_ALT
)
_LABELS = frozenset({"성명", "이름", "성함", "예금주"})
# First morphemes that make a surname-initial word an ordinary phrase (한 사람, 이미 …).
_FUNCTION_TAGS = ("MM", "MAG", "MAJ", "NP", "NR", "VV", "VA", "IC", "XPN")
_PARTICLES = (
    "에게서|에게|께서|께|한테|이라고|라고|입니다|이며|이고|이가|이는|이를|이의|이와|이도|이한테|"
    "이|가|은|는|을|를|의|와|과|도|만|님|씨|외"
)
# A name's last syllable that rather ends a place, a country or a body (강남구, 한국, 민주당).
_PLACE_END = frozenset("시군구읍면리로길국도당청부원회사역대")


def _surname_alt(*, tier: int) -> str:
    names = sorted((s for s, t in surnames().items() if t <= tier), key=len, reverse=True)
    return "|".join(names)


@lru_cache(maxsize=1)
def _name_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    any_surname = _surname_alt(tier=2)
    common = _surname_alt(tier=1)
    # A title or role word is never a name, even when it starts with a surname (주무관, 전무, 대표).
    name = rf"(?!(?:{_TITLE_ALT}|{_ROLES})(?:[ \t]|$))(?:{any_surname})[가-힣]{{1,2}}"
    title_after = re.compile(rf"(?<![가-힣\]])(?P<name>{name})[ \t]?(?P<title>{_TITLE_ALT}){_TITLE_STOP}")
    role_before = re.compile(
        rf"(?<![가-힣\]])(?P<role>{_ROLES})(?P<sep>[ \t]*[:：][ \t]*|[ \t]+)(?P<name>{name})"
        rf"(?=[^가-힣]|$|{_PARTICLES}|[ \t]?(?:{_TITLE_ALT}))"
    )
    bare_surname = re.compile(
        rf"(?<![가-힣\]])(?P<name>{common})[ \t](?P<title>{_TITLE_ALT}){_TITLE_STOP}"
        rf"|(?<![가-힣\]])(?P<name2>{common})(?P<title2>씨|과장|팀장|부장|대리|대표)(?![가-힣]{{2}})"
    )
    return title_after, role_before, bare_surname


# ---------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------


def _digits(value: str) -> str:
    return "".join(str(unicodedata.digit(ch)) for ch in value if ch.isdigit())


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _brn_ok(raw: str) -> bool:
    from firms.brn import InvalidBRN, normalize_brn

    try:
        normalize_brn(_digits(raw))
    except InvalidBRN:
        return False
    return True


def _birth_ok(six: str) -> bool:
    digits = _digits(six)
    month, day = int(digits[2:4]), int(digits[4:6])
    return 1 <= month <= 12 and 1 <= day <= 31


def _context(source: str, start: int, end: int, pattern: re.Pattern[str], *, before: int = 25, after: int = 12) -> bool:
    return bool(pattern.search(source, max(0, start - before), start)) or bool(
        pattern.search(source[end : end + after])
    )


# ---------------------------------------------------------------------------------------------
# Engine
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    form: str
    tag: str
    start: int
    end: int
    oov: bool = False


def _tokens(source: str) -> list[_Token]:
    """Kiwi tokens with offsets into ``source``, analysed paragraph by paragraph."""
    from core.korean import analyzer

    kiwi = analyzer()
    out: list[_Token] = []
    for para in re.finditer(r"[^\n]+", source):
        chunk = para.group()
        if not re.search("[가-힣]", chunk):
            continue
        # Cap each call: very long single lines are analysed in slices at spaces.
        pos = 0
        while pos < len(chunk):
            cut = len(chunk) if len(chunk) - pos <= 3000 else chunk.rfind(" ", pos, pos + 3000)
            if cut <= pos:
                cut = min(len(chunk), pos + 3000)
            for tok in kiwi.tokenize(chunk[pos:cut]):
                begin = para.start() + pos + tok.start
                out.append(_Token(tok.form, tok.tag, begin, begin + tok.len, bool(tok.oov)))
            pos = cut
    return out


class _Finder:
    def __init__(
        self, source: str, keep_terms: frozenset[str], extra_terms: Sequence[str], *, analyse: bool = True
    ) -> None:
        self.analyse = analyse
        self.source = source
        self.folded = source.translate(_FOLD)
        self.keep_terms = keep_terms
        self.extra_terms = extra_terms
        self.candidates: list[Span] = []
        self.protected = bytearray(len(source))  # statute refs, dates, amounts, kept names
        self.masks = bytearray(len(source))  # mask tokens already in the text ([이름] …)
        self.links = bytearray(len(source))  # URLs
        self._tokens: list[_Token] | None = None
        self._token_at: dict[int, _Token] = {}

    # -- helpers ------------------------------------------------------------------------------

    def tokens(self) -> list[_Token]:
        if self._tokens is None:
            self._tokens = _tokens(self.source) if self.analyse else []
            for tok in self._tokens:
                self._token_at.setdefault(tok.start, tok)
        return self._tokens

    def token_at(self, start: int) -> _Token | None:
        self.tokens()
        return self._token_at.get(start)

    def add(self, start: int, end: int, kind: Kind, rule: str) -> None:
        if end > start:
            self.candidates.append(Span(start, end, kind, self.source[start:end], rule))

    # -- protections --------------------------------------------------------------------------

    def protect(self) -> None:
        """Mark mask tokens, links, statute references, dates, amounts and kept names.

        Marks are per character (a bytearray), so checking a candidate costs its length, not
        the number of marks: a 1 MB text with thousands of numbers stays linear.
        """
        src, fold = self.source, self.folded
        for m in MASK_TOKEN_RE.finditer(src):
            self.masks[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
        for m in URL_RE.finditer(fold):
            self.links[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
        spans = [m.span() for m in PROTECTED_RE.finditer(fold)]
        terms = [t for t in self.keep_terms if t in src]
        if terms:
            alt = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)))
            spans.extend(m.span() for m in alt.finditer(src))
        for start, end in spans:
            self.protected[start:end] = b"\x01" * (end - start)

    # -- detectors ----------------------------------------------------------------------------

    def extra(self) -> None:
        terms = sorted({normalize_text(t) for t in self.extra_terms} - {""}, key=len, reverse=True)
        if terms:
            for m in re.finditer("|".join(re.escape(t) for t in terms), self.source):
                if not MASK_TOKEN_RE.fullmatch(m.group()):
                    self.add(m.start(), m.end(), Kind.EXTRA, "extra_term")

    def numbers(self) -> None:
        src = fold = self.folded
        for m in EMAIL_RE.finditer(fold):
            self.add(m.start(), m.end(), Kind.EMAIL, "email")
        for m in RRN_RE.finditer(fold):
            if not _birth_ok(m.group("birth")):
                continue
            if not m.group("sep").strip() and _context(src, m.start(), m.end(), ACCOUNT_CONTEXT_RE):
                continue  # thirteen bare digits next to a bank name are an account number
            self.add(m.start(), m.end(), Kind.RRN, "rrn")
        for m in CARD_RE.finditer(fold):
            digits = _digits(m.group())
            if m.group("s") or any(ch in _STAR for ch in m.group()):
                self.add(m.start(), m.end(), Kind.CARD, "card_grouped")
            elif _luhn_ok(digits) or _context(src, m.start(), m.end(), _CARD_CONTEXT_RE):
                self.add(m.start(), m.end(), Kind.CARD, "card_luhn")
        for m in DRIVER_RE.finditer(fold):
            self.add(m.start(), m.end(), Kind.DRIVER_LICENCE, "driver_licence")
        for m in PHONE_RE.finditer(fold):
            self.add(m.start(), m.end(), Kind.PHONE, "phone")
        for m in BRN_DASHED_RE.finditer(fold):
            rule = "brn_check" if _brn_ok(m.group()) else "brn_shape"
            self.add(m.start(), m.end(), Kind.BRN, rule)
        for m in BRN_PLAIN_RE.finditer(fold):
            if _context(src, m.start(), m.end(), BRN_CONTEXT_RE, after=0) and (
                _brn_ok(m.group()) or not _context(src, m.start(), m.end(), ACCOUNT_CONTEXT_RE)
            ):
                self.add(m.start(), m.end(), Kind.BRN, "brn_context")
        for m in PASSPORT_RE.finditer(fold):
            if _context(src, m.start(), m.end(), PASSPORT_CONTEXT_RE):
                self.add(m.start(), m.end(), Kind.PASSPORT, "passport_context")
        for m in ACCOUNT_RE.finditer(fold):
            digits = _digits(m.group())
            if 10 <= len(digits) <= 16 and _context(src, m.start(), m.end(), ACCOUNT_CONTEXT_RE, after=15):
                self.add(m.start(), m.end(), Kind.ACCOUNT, "account_context")

    def addresses(self) -> None:
        fold = self.folded
        for m in ROAD_RE.finditer(fold):
            road = m.group("road")
            start, end = m.span("detail")
            admin = _ADMIN_BEFORE_RE.search(fold, max(0, start - 30), start)
            if road in _NOT_ROADS or (road.endswith("으로") and not admin):
                continue
            tok = self.token_at(m.start("road"))
            evidence = (
                admin
                or _ADDRESS_LABEL_RE.search(fold, max(0, start - 12), start)
                or m.group("more").strip()
                or re.search(r"대로$|\d번?[가-하]?길$|번길$", road)
                or (tok is not None and tok.tag == "NNP")
            )
            if evidence and not m.group("road").startswith(("제",)):
                self.add(start, end, Kind.ADDRESS, "road_address")
        for m in JIBUN_RE.finditer(fold):
            start, end = m.span("detail")
            tok = self.token_at(m.start("dong"))
            evidence = (
                _ADMIN_BEFORE_RE.search(fold, max(0, start - 30), start)
                or _ADDRESS_LABEL_RE.search(fold, max(0, start - 12), start)
                or m.group("sub")
                or m.group("bunji")
                or m.group("more").strip()
                or (tok is not None and tok.tag == "NNP" and tok.end >= m.end("dong"))
            )
            if evidence:
                self.add(start, end, Kind.ADDRESS, "lot_address")
        for m in UNIT_RE.finditer(fold):
            self.add(m.start(), m.end(), Kind.ADDRESS, "unit")
        for m in POSTAL_RE.finditer(fold):
            self.add(m.start(), m.end(), Kind.ADDRESS, "postal_code")

    def _name_ok(self, start: int, end: int, *, sure: bool) -> tuple[bool, int]:
        """Whether ``source[start:end]`` reads as a personal name, and where it really ends.

        ``sure`` is for labelled fields (성명: …, 예금주 …): only a kept term or a known
        non-person proper noun stops them.
        """
        first = self.token_at(start)
        if first is not None and first.tag == "NNP" and 2 <= first.end - start <= 4 and first.end < end:
            nxt = self.token_at(first.end)
            if nxt is not None and nxt.tag.startswith(("J", "VCP", "E")):
                end = first.end  # the analyser knows where the name stops (김철수가 → 김철수)
        word = self.source[start:end]
        if word in self.keep_terms or word in _not_person_names():
            return False, end
        if sure:
            return True, end
        if first is not None and first.tag == "NNP":
            return not (len(word) == 2 and word[-1] in _PLACE_END), end
        if len(word) == 2:
            return False, end  # two syllables need the analyser's proper-noun tag (정부, 한국 …)
        if first is not None and first.tag.startswith(_FUNCTION_TAGS) and first.end - first.start >= 2:
            return False, end  # 이미…, 그냥…: an adverb or pronoun, not a surname
        given = word[2:] if surnames().get(word[:2]) else word[1:]
        if not all(ch in _given_name_syllables() for ch in given):
            return False, end  # 태블릿, 한사람: not syllables people are named with
        if first is not None and not first.oov and first.end >= end:
            return False, end  # one dictionary word (공무원, 전문가, 한국인)
        last = next((t for t in reversed(self.tokens()) if t.start < end), None)
        if (
            last is not None
            and last.start > start
            and (last.tag.startswith(("J", "XS", "VCP", "E")) or last.form == "측")
        ):
            return False, end  # a noun and a particle or suffix (고철은, 정부측)
        if surnames().get(word[:2]) is None and surnames().get(word[:1], 2) > 1:
            return False, end  # a rare surname that is a syllable of many words (대, 지, 도)
        return True, end

    def names(self) -> None:
        src = self.source
        if not re.search("[가-힣]", src):
            return
        title_after, role_before, bare_surname = _name_patterns()
        for m in title_after.finditer(src):
            ok, end = self._name_ok(m.start("name"), m.end("name"), sure=False)
            if ok:
                self.add(m.start("name"), end, Kind.NAME, "name_title")
        for m in role_before.finditer(src):
            sure = m.group("role") in _LABELS or ":" in m.group("sep") or "：" in m.group("sep")
            ok, end = self._name_ok(m.start("name"), m.end("name"), sure=sure)
            if ok:
                self.add(m.start("name"), end, Kind.NAME, "name_role")
        for m in bare_surname.finditer(src):
            group = "name" if m.group("name") else "name2"
            self.add(m.start(group), m.end(group), Kind.NAME, "surname_title")
        tokens = self.tokens()
        tiers = surnames()
        for i, tok in enumerate(tokens):
            if tok.tag != "NNP" or not 3 <= len(tok.form) <= 4 or tok.end - tok.start != len(tok.form):
                continue
            form = tok.form
            compound = tiers.get(form[:2]) == 1
            if not (compound or (len(form) == 3 and tiers.get(form[0]) == 1)):
                continue
            if form in self.keep_terms or form in _not_person_names() or form[-1] in _PLACE_END:
                continue
            given = form[2:] if compound else form[1:]
            if not all(ch in _given_name_syllables() for ch in given):
                continue
            if tok.start > 0 and re.match(r"[가-힣A-Za-z0-9\]]", src[tok.start - 1]):
                continue
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            followed_well = (
                nxt is None
                or nxt.start > tok.end
                or nxt.tag.startswith(("J", "S", "XSN", "NNB", "VCP", "E"))
                or (nxt.tag == "NNG" and nxt.form in _TITLES)
            )
            if followed_well:  # a name ends a word, or a title follows it
                self.add(tok.start, tok.end, Kind.NAME, "name_nnp")


def _resolve(candidates: list[Span], finder: _Finder) -> list[Span]:
    """Keep the best non-overlapping candidates: by kind priority, then the longest."""
    chosen: list[Span] = []
    taken = bytearray(len(finder.source))
    for span in sorted(candidates, key=lambda s: (_PRIORITY[s.kind], -(s.end - s.start), s.start)):
        window = slice(span.start, span.end)
        if any(finder.masks[window]) or any(taken[window]):
            continue
        if span.kind in _YIELDING and any(finder.protected[window]):
            continue
        if span.kind is not Kind.EXTRA and any(finder.links[window]):
            continue  # numbers inside links are ids, not phone or card numbers
        chosen.append(span)
        taken[window] = b"\x01" * (span.end - span.start)
    return sorted(chosen, key=lambda s: s.start)


def redact(
    text: str,
    *,
    extra_terms: Iterable[str] = (),
    keep_terms: Iterable[str] | None = None,
    analyse: bool = True,
) -> Redaction:
    """Mask personal data in ``text`` (normalised first; offsets refer to the normalised text).

    ``extra_terms`` are literal strings an official wants masked as well (``[비공개]``);
    ``keep_terms`` are names never masked, by default the curated public bodies
    (``agency_keep_terms()`` adds the Agency directory). ``analyse=False`` skips the
    morphological analyser (much faster; names then rest on titles and roles only).
    """
    source = normalize_text(text or "")
    keep = public_body_names() if keep_terms is None else frozenset(keep_terms)
    finder = _Finder(source, keep, list(extra_terms), analyse=analyse)
    finder.protect()
    finder.extra()
    finder.numbers()
    finder.addresses()
    finder.names()
    spans = _resolve(finder.candidates, finder)
    parts: list[str] = []
    placed: list[Span] = []
    pos = 0
    length = 0
    for span in spans:
        parts.append(source[pos : span.start])
        length += span.start - pos
        mask = MASKS[span.kind]
        placed.append(Span(span.start, span.end, span.kind, span.original, span.rule, length, length + len(mask)))
        parts.append(mask)
        length += len(mask)
        pos = span.end
    parts.append(source[pos:])
    return Redaction(source=source, text="".join(parts), spans=tuple(placed))


def redact_text(text: str, **kwargs: Any) -> str:
    """Only the masked text."""
    return redact(text, **kwargs).text
