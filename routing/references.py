"""Statute references in Korean complaint text, resolved against a :class:`StatuteIndex`.

Finds, in text order:

- statute names, quoted (「의료법」) or bare, typed with or without spaces, and abbreviations
  (자본시장법, 전금법, AI 기본법 …), each resolved to a corpus statute;
- a following 시행령/시행규칙 (자본시장법 시행령 → the decree of that law);
- back-references: 같은 법 / 동법 (the last law named), 같은 법 시행령, 같은 영 / 동 시행령,
  같은 규칙;
- 「…」-quoted names the index does not know (kept unresolved, so an official still sees them);
- article references after a statute: 제13조의2 제1항 제3호, 제15조ㆍ제17조, 제36조부터 제38조까지
  (expanded over the statute's articles), 33조 right after a name.

Everything is plain Python and regular expressions over one pass of the text; the index does
the name look-up with a hash of every surface form, so the cost does not grow with the number
of statutes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.text import normalize_text
from routing.statute_index import DECREE, RULE, StatuteIndex

_MAX_CHARS = 20_000

_QUOTED = re.compile(r"[「『]([^「」『』\n]{2,80})[」』]")
_SUFFIX = re.compile(r"\s*(시행령|시행규칙)")
_BACKREF = re.compile(
    r"(?<![가-힣])(?:(?:같은\s*법률?|동법)(?:\s*(?P<level>시행령|시행규칙))?(?![인원안적규])"
    r"|(?:같은|동)\s*(?P<direct>시행령|시행규칙|영|규칙)(?=[\s은는이가을를의에상과와및,.)」]|$))"
)
# One article item: 제13조의2 제1항 제3호 가목 (제 optional before 항/호).
_ARTICLE = re.compile(
    r"(제\s*)?(\d{1,4})\s*조(?:\s*의\s*(\d{1,3}))?"
    r"(?:\s*(?:제\s*)?(\d{1,3})\s*항)?"
    r"(?:\s*(?:제\s*)?(\d{1,3})\s*호)?"
    r"(?:\s*([가-하])\s*목)?"
)
_MONEY_AFTER = re.compile(r"\s*(원|달러|위안|엔|유로|개|건|명|번째)")
_RANGE_GAP = re.compile(r"^\s*(부터|~|∼|〜|-|–|내지)\s*$")
_LIST_GAP = re.compile(r"^\s*(까지)?\s*(?:[ㆍ·,、/]|및|과|와|또는|이나|나|그리고)?\s*$")
_SENTENCE_END = re.compile(r"[.!?。]\s|\n|다\.|니다")
_ATTACH_WINDOW = 60  # characters between a statute and an article that still belongs to it


@dataclass(frozen=True)
class ArticleRef:
    number: str  # 제13조의2
    detail: str = ""  # 제1항 제3호
    exists: bool | None = None  # None when the statute's articles are unknown


@dataclass
class StatuteReference:
    """One mention of a statute in the text (several mentions may name the same statute)."""

    law_id: str | None  # None: a quoted name the index does not know
    name: str  # official name, or the quoted text when unresolved
    surface: str  # as written
    start: int
    end: int
    how: str  # quoted | name | alias | backref | unresolved
    articles: list[ArticleRef] = field(default_factory=list)


@dataclass
class ExtractionResult:
    text: str  # the normalised text the offsets refer to
    references: list[StatuteReference]
    loose_articles: list[ArticleRef]  # article numbers not attached to any statute

    def statute_ids(self) -> list[str]:
        """Resolved statutes in order of first mention, without repeats."""
        seen: dict[str, None] = {}
        for ref in self.references:
            if ref.law_id is not None:
                seen.setdefault(ref.law_id, None)
        return list(seen)

    def governing_laws(self, index: StatuteIndex) -> list[str]:
        """Laws the text does not name but whose decree, rule or administrative rule (고시) it
        does (신용정보법 시행령 → 신용정보법, 전자금융감독규정 → 전자금융거래법), in order of first
        mention. A complaint about a decree is also about the law that delegates it; on
        barriers-dev every such law is among the labels."""
        named = set(self.statute_ids())
        seen: dict[str, None] = {}
        for law_id in self.statute_ids():
            law = index.governing_law(law_id)
            if law is not None and law not in named:
                seen.setdefault(law, None)
        return list(seen)

    def articles_by_statute(self, *, existing_only: bool = True) -> dict[str, list[str]]:
        out: dict[str, dict[str, None]] = {}
        for ref in self.references:
            if ref.law_id is None:
                continue
            for article in ref.articles:
                if existing_only and article.exists is False:
                    continue
                out.setdefault(ref.law_id, {}).setdefault(article.number, None)
        return {law_id: list(numbers) for law_id, numbers in out.items()}


def extract_references(text: str, index: StatuteIndex) -> ExtractionResult:
    """All statute and article references in ``text``, resolved against ``index``."""
    clean = normalize_text(text or "")[:_MAX_CHARS]
    refs = _statute_mentions(clean, index)
    refs = _resolve_backrefs(clean, index, refs)
    loose = _attach_articles(clean, index, refs)
    return ExtractionResult(text=clean, references=refs, loose_articles=loose)


def _statute_mentions(text: str, index: StatuteIndex) -> list[StatuteReference]:
    refs: list[StatuteReference] = []
    quoted_spans = [(m.start(1), m.end(1)) for m in _QUOTED.finditer(text)]
    for hit in index.find_names(text):
        law_id, end = hit.law_id, hit.end
        record = index.get(law_id)
        suffix = _SUFFIX.match(text, end)
        if suffix and record is not None and record.role is None:
            child = index.child(law_id, suffix.group(1))
            if child is not None:
                law_id, end = child, suffix.end()
        quoted = any(s <= hit.start and hit.end <= e for s, e in quoted_spans)
        refs.append(
            StatuteReference(
                law_id=law_id,
                name=index.records[law_id].name,
                surface=text[hit.start : end],
                start=hit.start,
                end=end,
                how="quoted" if quoted else hit.how,
            )
        )
    # Quoted names the index does not know (an administrative rule, a repealed law, a typo).
    for start, end in quoted_spans:
        if any(r.start < end and start < r.end for r in refs):
            continue
        inner = text[start:end].strip()
        if re.search(r"(법|법률|령|규칙|규정|고시|조례|기준|지침|세칙|요령|훈령|예규)$", inner):
            refs.append(StatuteReference(None, inner, inner, start, end, "unresolved"))
    refs.sort(key=lambda r: r.start)
    return refs


def _resolve_backrefs(text: str, index: StatuteIndex, refs: list[StatuteReference]) -> list[StatuteReference]:
    """같은 법 / 동법 / 같은 영 … point at the last statute of the matching level named before."""
    out = list(refs)
    for match in _BACKREF.finditer(text):
        if any(r.start <= match.start() < r.end for r in refs):
            continue
        before = [r for r in out if r.end <= match.start() and r.law_id is not None]
        if not before:
            continue
        level = match.group("level")  # 같은 법 시행령 / 동법 시행령
        direct = match.group("direct")  # 같은 영, 동 시행령, 같은 규칙
        law_id: str | None
        if direct:
            role = DECREE if direct in {"영", DECREE} else RULE
            law_id = next((r.law_id for r in reversed(before) if _role(index, r) == role), None)
            if law_id is None:  # 같은 영 after only the law was named: that law's decree
                law_id = index.child(index.law_of(before[-1].law_id or ""), role)
        else:
            last_law = index.law_of(before[-1].law_id or "")
            law_id = index.child(last_law, level) if level else last_law
        if law_id is None or law_id not in index:
            continue
        out.append(
            StatuteReference(law_id, index.records[law_id].name, match.group(0), match.start(), match.end(), "backref")
        )
    out.sort(key=lambda r: r.start)
    return out


def _role(index: StatuteIndex, ref: StatuteReference) -> str | None:
    record = index.get(ref.law_id or "")
    return record.role if record else None


def _attach_articles(text: str, index: StatuteIndex, refs: list[StatuteReference]) -> list[ArticleRef]:
    items = [m for m in _ARTICLE.finditer(text) if _is_article(text, m, refs)]
    loose: list[ArticleRef] = []
    previous_end = -1
    previous_owner: StatuteReference | None = None
    range_start: str | None = None
    for item in items:
        number = f"제{int(item.group(2))}조" + (f"의{int(item.group(3))}" if item.group(3) else "")
        detail = " ".join(
            part
            for part in (
                f"제{int(item.group(4))}항" if item.group(4) else "",
                f"제{int(item.group(5))}호" if item.group(5) else "",
                f"{item.group(6)}목" if item.group(6) else "",
            )
            if part
        )
        gap = text[previous_end : item.start()] if previous_end >= 0 else None
        continues = previous_owner is not None and gap is not None and _LIST_GAP.match(gap) is not None
        is_range_end = previous_owner is not None and gap is not None and _RANGE_GAP.match(gap) is not None
        owner = previous_owner if (continues or is_range_end) else _owner(text, refs, item.start())
        if owner is None:
            loose.append(ArticleRef(number, detail))
            previous_owner, previous_end = None, item.end()
            continue
        if is_range_end and range_start is not None and owner.law_id is not None:
            for middle in index.article_range(owner.law_id, range_start, number)[1:-1]:
                _add_article(owner, index, middle, "")
        _add_article(owner, index, number, detail)
        range_start = number
        previous_owner, previous_end = owner, item.end()
    return loose


def _is_article(text: str, match: re.Match[str], refs: list[StatuteReference]) -> bool:
    if match.group(1):
        return True
    # "33조" without 제 only right after a statute name, and never an amount (1조 원).
    if _MONEY_AFTER.match(text, match.end()):
        return False
    return any(0 <= match.start() - r.end <= 2 for r in refs)


def _owner(text: str, refs: list[StatuteReference], position: int) -> StatuteReference | None:
    before = [r for r in refs if r.end <= position]
    if not before:
        return None
    last = before[-1]
    gap = text[last.end : position]
    if len(gap) > _ATTACH_WINDOW or _SENTENCE_END.search(gap):
        return None
    return last


def _add_article(owner: StatuteReference, index: StatuteIndex, number: str, detail: str) -> None:
    exists = None
    if owner.law_id is not None and index.knows_articles(owner.law_id):
        exists = index.has_article(owner.law_id, number)
    owner.articles.append(ArticleRef(number, detail, exists))
