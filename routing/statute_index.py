"""An in-memory index of Korean statutes for finding and resolving references in free text.

The index is built once from an iterable of :class:`StatuteRecord` (law_id, name, kind, role,
parent, ministry, article numbers and titles, aliases) and then answers, without any database:

- which statutes a text names (full names, names typed without spaces, abbreviations), via
  :meth:`StatuteIndex.find_names`, a leftmost-longest scan over a hash of every surface form;
- the 시행령/시행규칙 of a law, the law of a decree, a statute's competent ministry and articles.

Sources: :meth:`StatuteIndex.from_corpus` streams ``statutes.jsonl.gz`` (or the sector subset);
:meth:`StatuteIndex.from_database` reads ``regulations.models`` once that app exists.

Abbreviations (약칭) are not in the source data: they come from rules (:func:`derived_aliases`)
plus the curated ``routing/data/statute_aliases.tsv``. A derived alias claimed by two statutes is
dropped, so an abbreviation never silently picks one of two laws.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

DATA_DIR = Path(__file__).resolve().parent / "data"
CURATED_ALIASES = DATA_DIR / "statute_aliases.tsv"
EXTRA_RULES = DATA_DIR / "extra_rules.tsv"

DECREE = "시행령"
RULE = "시행규칙"

# Characters typed in place of the corpus' middle dot ㆍ (U+318D), and full-width ASCII.
_DOTS = "·・‧•∙⋅"
_MATCH_TABLE: dict[int, str | int] = {ord(c): "ㆍ" for c in _DOTS}
_MATCH_TABLE.update({code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)})
_SPACE = frozenset(" \t\n\u00a0\u3000")

# Words that end in 법 but are ordinary vocabulary: never accepted as a derived abbreviation.
_ALIAS_STOPLIST = frozenset(
    {
        "개정법",
        "특별법",
        "기본법",
        "관련법",
        "현행법",
        "해당법",
        "상위법",
        "하위법",
        "일반법",
        "방법",
        "불법",
        "위법",
        "적법",
        "입법",
        "사법",
        "합법",
        "편법",
        "문법",
        "공법",
        "세법",
        "국가법",
        "행정법",
        "금지법",
        "처벌법",
        "규제법",
        "진흥법",
        "육성법",
        "지원법",
        "보호법",
        "관리법",
        "촉진법",
        "특위법",
        "정부법",
        "제정법",
        "시행법",
        "해결법",
        "사용법",
        "처리법",
        "계산법",
        "운영법",
        "신법",
        "구법",
        "모법",
        "개별법",
        "특례법",
        "실정법",
        "국내법",
        "국제법",
    }
)
# After a name, these syllables make a different word (의료법인, 법원, 법안, 법적, 법령 …).
_BAD_TAIL = frozenset("인원안적규")
_HANGUL_SYLLABLE = re.compile(r"[가-힣]")


class Article(NamedTuple):
    number: str  # "제3조", "제13조의2", "전문"
    title: str


@dataclass(frozen=True)
class StatuteRecord:
    """What routing needs to know about one statute (법률, 시행령, 시행규칙, rules)."""

    law_id: str
    name: str
    kind: str = "법률"
    role: str | None = None  # "시행령", "시행규칙" or None for a law
    parent_law_id: str | None = None
    ministry: str = ""
    articles: tuple[Article, ...] = ()
    aliases: tuple[str, ...] = ()
    sector: str = ""  # only in the sector subset (fintech, mobility, drones, …)


class NameHit(NamedTuple):
    start: int
    end: int  # exclusive, in the (normalised) text given to find_names
    law_id: str
    surface: str
    how: str  # "name" (official name, spacing ignored) or "alias"


@dataclass
class StatuteIndex:
    """Statutes by id, name and alias, with a fast scanner for names in text."""

    records: dict[str, StatuteRecord] = field(default_factory=dict)
    _keys: dict[str, tuple[str, str]] = field(default_factory=dict)  # squeezed key -> (law_id, how)
    _lengths: dict[str, tuple[int, ...]] = field(default_factory=dict)  # 2-char prefix -> key lengths
    _children: dict[tuple[str, str], str] = field(default_factory=dict)  # (law_id, role) -> law_id
    _articles: dict[str, dict[str, int]] = field(default_factory=dict)  # law_id -> number -> position
    # administrative rule (고시) or ordinance id -> the law it implements (extra_rules.tsv); kept
    # apart from parent_law_id so law_of() still treats such a rule as a statute of its own
    _rule_parents: dict[str, str] = field(default_factory=dict)

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        records: Iterable[StatuteRecord],
        *,
        curated: Path | None = CURATED_ALIASES,
        extra_rules: Path | None = EXTRA_RULES,
        derive: bool = True,
    ) -> StatuteIndex:
        """Index ``records``; add rule-derived aliases and the curated alias file."""
        index = cls()
        for record in records:
            index.records[record.law_id] = record
        rule_parents: dict[str, str] = {}
        if extra_rules is not None and extra_rules.exists():
            for record in read_extra_rules(extra_rules):
                index.records.setdefault(record.law_id, record)
            rule_parents = dict(read_extra_rule_parents(extra_rules))
        by_name = {squeeze(r.name): r.law_id for r in index.records.values()}
        for rule_id, parent_name in rule_parents.items():
            parent_id = by_name.get(squeeze(parent_name))
            if parent_id is not None and parent_id != rule_id:
                index._rule_parents[rule_id] = parent_id
        for record in index.records.values():
            index._add_key(record.name, record.law_id, "name", overwrite=True)
            if record.role and record.parent_law_id:
                index._children.setdefault((record.parent_law_id, record.role), record.law_id)
            index._articles[record.law_id] = {a.number: i for i, a in enumerate(record.articles)}
        # Decrees whose parent link is missing: match "<law name> 시행령" by name.
        for record in index.records.values():
            for role in (DECREE, RULE):
                if record.name.endswith(role) and record.role is None:
                    parent = by_name.get(squeeze(record.name[: -len(role)]))
                    if parent:
                        index._children.setdefault((parent, role), record.law_id)
        for record in index.records.values():
            for alias in record.aliases:
                index._add_key(alias, record.law_id, "alias")
        if derive:
            claims: dict[str, set[str]] = defaultdict(set)
            for record in index.records.values():
                if record.role is None and record.kind == "법률":
                    for alias in derived_aliases(record.name):
                        claims[squeeze(alias)].add(record.law_id)
            for key, owners in claims.items():
                if len(owners) == 1 and key not in index._keys:
                    index._add_key(key, next(iter(owners)), "alias")
        if curated is not None and curated.exists():
            for alias, name in read_curated_aliases(curated):
                law_id = by_name.get(squeeze(name))
                if law_id is not None:
                    index._add_key(alias, law_id, "alias", overwrite=True)
        index._finish()
        return index

    @classmethod
    def from_corpus(cls, path: Path | str, **kwargs: Any) -> StatuteIndex:
        """Stream ``statutes.jsonl.gz`` / ``statutes-sectors.jsonl.gz`` (one statute per line)."""
        return cls.build(iter_corpus(Path(path)), **kwargs)

    @classmethod
    def from_database(cls, **kwargs: Any) -> StatuteIndex:
        """Build from ``regulations.models`` (Statute, StatuteAlias, Article) once that app exists.

        Contract (issue 5): ``Statute(law_id pk, name, kind, role, parent FK, agency FK)``,
        ``StatuteAlias(statute, name)``, ``Article(statute, number, title, text)``. Raises
        ``LookupError`` while the models are missing, so callers can fall back to the corpus.
        """
        from django.apps import apps

        statute_model = apps.get_model("regulations", "Statute")
        try:
            alias_model = apps.get_model("regulations", "StatuteAlias")
        except LookupError:
            alias_model = None
        try:
            article_model = apps.get_model("regulations", "Article")
        except LookupError:
            article_model = None
        aliases: dict[str, list[str]] = defaultdict(list)
        if alias_model is not None:
            for law_id, name in alias_model.objects.values_list("statute_id", "name").iterator():
                aliases[str(law_id)].append(name)
        articles: dict[str, list[Article]] = defaultdict(list)
        if article_model is not None:
            article_fields = {f.name for f in article_model._meta.get_fields()}
            order = ("statute_id", "position", "pk") if "position" in article_fields else ("statute_id", "pk")
            rows = article_model.objects.order_by(*order).values_list("statute_id", "number", "title")
            for law_id, number, title in rows.iterator():
                articles[str(law_id)].append(Article(number, title or ""))
        fields = {f.name for f in statute_model._meta.get_fields()}
        columns = ["law_id", "name", "kind", "role", "parent_id"]
        agency_column = "agency__name" if "agency" in fields else None
        if agency_column:
            columns.append(agency_column)
        if "ministry_name" in fields:  # the corpus' own 소관부처 text, when no Agency row matched
            columns.append("ministry_name")
        records = []
        for row in statute_model.objects.values(*columns).iterator():
            law_id = str(row["law_id"])
            records.append(
                StatuteRecord(
                    law_id=law_id,
                    name=row["name"],
                    kind=row.get("kind") or "법률",
                    role=row.get("role") or None,
                    parent_law_id=str(row["parent_id"]) if row.get("parent_id") else None,
                    ministry=(row.get(agency_column) if agency_column else "") or row.get("ministry_name") or "",
                    articles=tuple(articles.get(law_id, ())),
                    aliases=tuple(aliases.get(law_id, ())),
                )
            )
        return cls.build(records, **kwargs)

    def _add_key(self, surface: str, law_id: str, how: str, *, overwrite: bool = False) -> None:
        key = squeeze(surface)
        if len(key) < 2:
            return
        if overwrite or key not in self._keys:
            self._keys[key] = (law_id, how)

    def _finish(self) -> None:
        lengths: dict[str, set[int]] = defaultdict(set)
        for key in self._keys:
            lengths[key[:2]].add(len(key))
        self._lengths = {prefix: tuple(sorted(ls, reverse=True)) for prefix, ls in lengths.items()}

    # ---- lookups ------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.records)

    def __contains__(self, law_id: object) -> bool:
        return law_id in self.records

    def get(self, law_id: str) -> StatuteRecord | None:
        return self.records.get(law_id)

    def by_name(self, text: str) -> StatuteRecord | None:
        """The statute whose official name or alias is exactly ``text`` (spacing ignored)."""
        found = self._keys.get(squeeze(text))
        return self.records[found[0]] if found else None

    def child(self, law_id: str, role: str) -> str | None:
        """The 시행령/시행규칙 of a law (or of a decree's parent law)."""
        record = self.records.get(law_id)
        if record is not None and record.role and record.parent_law_id:
            law_id = record.parent_law_id
        return self._children.get((law_id, role))

    def law_of(self, law_id: str) -> str:
        """The parent law of a decree or rule; a law is its own law."""
        record = self.records.get(law_id)
        if record is not None and record.parent_law_id and record.parent_law_id in self.records:
            return record.parent_law_id
        return law_id

    def governing_law(self, law_id: str) -> str | None:
        """The law a decree, rule or administrative rule (고시) implements; None for a law itself or
        a statute whose law is unknown."""
        record = self.records.get(law_id)
        if record is None:
            return None
        if record.role and record.parent_law_id and record.parent_law_id in self.records:
            return record.parent_law_id
        return getattr(self, "_rule_parents", {}).get(law_id)  # an index pickled before it existed

    def ministry(self, law_id: str) -> str:
        record = self.records.get(law_id)
        return record.ministry if record else ""

    def has_article(self, law_id: str, number: str) -> bool:
        return number in self._articles.get(law_id, {})

    def knows_articles(self, law_id: str) -> bool:
        return bool(self._articles.get(law_id))

    def article_range(self, law_id: str, first: str, last: str) -> list[str]:
        """Articles from ``first`` to ``last`` inclusive, in corpus order (의-branches of ``last`` excluded)."""
        positions = self._articles.get(law_id, {})
        if first not in positions or last not in positions or positions[first] > positions[last]:
            return [first, last] if first != last else [first]
        record = self.records[law_id]
        return [a.number for a in record.articles[positions[first] : positions[last] + 1]]

    def aliases_of(self, law_id: str) -> list[str]:
        return sorted(key for key, (owner, how) in self._keys.items() if owner == law_id and how == "alias")

    # ---- scanning -----------------------------------------------------------------------
    def find_names(self, text: str) -> list[NameHit]:
        """Statute names and aliases in ``text``: leftmost-longest, non-overlapping, spacing ignored.

        ``text`` should already be NFC-normalised; offsets refer to it. A hit must not start
        inside a word (…업상법 is not 상법), must not run on into another word (의료법인 is not
        의료법), and a short name must be typed without spaces (사업 상 법 is not 상법).
        """
        matchable = text.translate(_MATCH_TABLE).lower()
        chars: list[str] = []
        offsets: list[int] = []
        for i, ch in enumerate(matchable):
            if ch not in _SPACE:
                chars.append(ch)
                offsets.append(i)
        squeezed = "".join(chars)
        hits: list[NameHit] = []
        i = 0
        n = len(squeezed)
        while i < n - 1:
            lengths = self._lengths.get(squeezed[i : i + 2])
            hit = None
            if lengths:
                for length in lengths:
                    if i + length > n:
                        continue
                    found = self._keys.get(squeezed[i : i + length])
                    if found is None:
                        continue
                    start, end = offsets[i], offsets[i + length - 1] + 1
                    if self._acceptable(text, start, end, length):
                        hit = NameHit(start, end, found[0], text[start:end], found[1])
                        break
            if hit is None:
                i += 1
                continue
            hits.append(hit)
            i += len(squeeze(hit.surface))
        return hits

    @staticmethod
    def _acceptable(text: str, start: int, end: int, length: int) -> bool:
        if start > 0 and _HANGUL_SYLLABLE.match(text[start - 1]) and length <= 8:
            return False
        if end < len(text) and text[end] in _BAD_TAIL:
            return False
        return not (length <= 4 and any(ch in _SPACE for ch in text[start:end]))


# ---- helpers ----------------------------------------------------------------------------
def squeeze(name: str) -> str:
    """The matching key of a name: dots unified, full-width folded, lower-case, no spaces."""
    folded = name.translate(_MATCH_TABLE).lower()
    return "".join(ch for ch in folded if ch not in _SPACE)


_PARTICLE_END = re.compile(r"(의|과|와|를|을|에)$")
_TRAILING = re.compile(r"\s*(등)?에\s*관한\s*(법률|특별법|기본법|특례법)$")


def derived_aliases(name: str) -> set[str]:
    """Rule-based abbreviations (약칭) of a law's official name.

    - ``X에 관한 법률`` with a short X → ``X법`` (금융소비자 보호에 관한 법률 → 금융소비자보호법);
    - first word (≥ 3 syllables, trailing particle dropped) + 법 / 기본법 / 특별법
      (정보통신망 이용촉진 … → 정보통신망법; 인공지능 발전과 … 기본법 → 인공지능기본법);
    - initials of the first two 2-syllable chunks + 법 (전자금융거래법 → 전금법,
      산업안전보건법 → 산안법, 금융소비자 보호… → 금소법);
    - for ``X의 A 및 B에 관한 법률``: first word + last word + 법 (산업기술의 유출방지 및 보호에
      관한 법률 → 산업기술보호법), and the initials of a 4-syllable last word + 법 (주식회사 등의
      외부감사에 관한 법률 → 외감법).
    Ordinary words (개정법, 방법 …) are never produced.
    """
    name = name.strip()
    aliases: set[str] = set()
    suffix = "법"
    if name.endswith("기본법"):
        suffix = "기본법"
    elif name.endswith("특별법"):
        suffix = "특별법"
    match = _TRAILING.search(name)
    stem = name[: match.start()] if match else re.sub(r"(법률|법)$", "", name).strip()
    words = [w for w in re.split(r"\s+", stem) if w]
    if not words:
        return aliases
    if match and len(words) <= 2 and "및" not in words:
        aliases.add("".join(words) + "법")
    head = _PARTICLE_END.sub("", words[0])
    if len(words) > 1 and len(head) >= 3 and re.fullmatch(r"[가-힣]+", head):
        aliases.add(head + suffix)
    syllables = "".join(_PARTICLE_END.sub("", w) for w in words if w not in {"및", "등"})
    syllables = re.sub(r"[^가-힣]", "", syllables)
    if len(syllables) >= 4:
        aliases.add(syllables[0] + syllables[2] + "법")
    if match and len(words) >= 2 and len(head) >= 3 and re.fullmatch(r"[가-힣]+", head + words[-1]):
        # X의 A 및 B에 관한 법률 → X + B + 법 (산업기술의 유출방지 및 보호에 관한 법률 → 산업기술보호법)
        aliases.add(head + words[-1] + "법")
    if match and len(words) >= 2 and re.fullmatch(r"[가-힣]{4}", words[-1]):
        # … 외부감사에 관한 법률 → 외감법: the initials of the matter the law is about
        aliases.add(words[-1][0] + words[-1][2] + "법")
    if name.endswith("에 관한 특별법"):  # also written as …에 관한 법률 (often the former name)
        aliases.add(name[: -len("특별법")] + "법률")
    full = squeeze(name)
    return {a for a in aliases if a not in _ALIAS_STOPLIST and squeeze(a) != full and len(a) >= 3}


def _data_lines(path: Path) -> Iterator[str]:
    """The lines of a curated data file that carry data (blank lines and ``#`` comments skipped)."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if line.strip() and not line.startswith("#"):
                yield line


def read_curated_aliases(path: Path) -> Iterator[tuple[str, str]]:
    """``alias<TAB>official name`` lines; ``#`` starts a comment."""
    for line in _data_lines(path):
        alias, _, name = line.partition("\t")
        if alias.strip() and name.strip():
            yield alias.strip(), name.strip()


def read_extra_rules(path: Path) -> Iterator[StatuteRecord]:
    """Well-known administrative rules (고시) and ordinances the corpus does not hold.

    Columns: ``name<TAB>kind<TAB>ministry<TAB>parent law name<TAB>aliases (;)``. Their ids are
    ``rule:<name>`` so they never collide with corpus law ids.
    """
    for line in _data_lines(path):
        parts = (line.split("\t") + [""] * 5)[:5]
        name, kind, ministry, _parent, aliases = (p.strip() for p in parts)
        if name:
            yield StatuteRecord(
                law_id=f"rule:{name}",
                name=name,
                kind=kind or "행정규칙",
                ministry=ministry,
                aliases=tuple(a for a in aliases.split(";") if a),
            )


def read_extra_rule_parents(path: Path) -> Iterator[tuple[str, str]]:
    """(rule id, name of the law it implements) for the rows of ``extra_rules.tsv`` naming one."""
    for line in _data_lines(path):
        parts = (line.split("\t") + [""] * 5)[:5]
        name, parent = parts[0].strip(), parts[3].strip()
        if name and parent:
            yield f"rule:{name}", parent


def iter_corpus(path: Path) -> Iterator[StatuteRecord]:
    """Stream statute records from a ``.jsonl`` or ``.jsonl.gz`` corpus file."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            yield record_from_corpus_row(row)


def record_from_corpus_row(row: dict[str, Any]) -> StatuteRecord:
    ministries = row.get("ministries") or []
    return StatuteRecord(
        law_id=str(row["law_id"]),
        name=row["name"],
        kind=row.get("kind") or "",
        role=row.get("role"),
        parent_law_id=row.get("parent_law_id"),
        ministry=ministries[0] if ministries else "",
        articles=tuple(Article(a.get("no") or "", a.get("title") or "") for a in row.get("articles") or ()),
        sector=row.get("sector") or "",
    )
