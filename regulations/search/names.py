"""Statute names and aliases: normalisation, lookup and mentions inside free text.

Every search looks for statute names in the query (exact name or alias, spacing ignored, names
inside a pasted complaint, names containing the query). Done in SQL, each of those is a scan of
the statute and alias tables (``instr``/``REPLACE``/``LIKE`` cannot use an index), about 5 ms
apiece on the full corpus. The names are few (5,593 statutes, about 5,000 aliases, 1 MB), so each
process keeps them in a ``NameTable`` and answers these questions in memory: a dict per spelling
and, for mentions, the names grouped by their first two characters (one lookup per word start).

The table is rebuilt when a statute or alias changes: saves and deletes (admin, services) send
signals, bulk writes (import, derived aliases) end in ``forget_names`` via
``backend.rebuild_statute_index``. The version lives in Django's cache, so other processes sharing
it (database cache) follow at once; with a per-process cache they follow within ``TABLE_TTL``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models.signals import post_delete, post_save

from core.text import normalize_identifier
from regulations.models import Statute, StatuteAlias
from regulations.search.process_table import ProcessTable

# Middle dots typed for ㆍ (U+318D, the corpus's form): U+00B7, U+2027, U+30FB, U+FF65, U+2022, U+119E.
_DOTS_RE = re.compile("[\u00b7\u2027\u30fb\uff65\u2022\u119e\u318d]")
_BRACKETS_RE = re.compile("[「」『』《》〈〉\"'“”‘’]")
_HANGUL_RE = re.compile("[\uac00-\ud7a3]")
# Names typed with other spacing are matched only for text this short (the longest statute name
# in the corpus has 105 characters, 82 without spaces): a pasted complaint is not a name.
MAX_NAME_CHARS = 120
TABLE_TTL = 300  # seconds a process may use its table without seeing another process's change
_VERSION_KEY = "regulations:name-table-version"


def clean_name(text: str) -> str:
    """NFKC, one middle-dot form, no quote brackets, single spaces."""
    value = normalize_identifier(text or "")
    value = _BRACKETS_RE.sub("", value)
    value = _DOTS_RE.sub("\u318d", value)
    return " ".join(value.split())


def compact(text: str) -> str:
    return clean_name(text).replace(" ", "")


# -- the in-memory name table --------------------------------------------------------------------


@dataclass(frozen=True)
class NameEntry:
    """What ranking needs of a statute without loading it: kind, parent, agency, name tokens and
    how many other statutes cite it."""

    law_id: str
    name: str
    kind: str
    parent_id: str | None
    agency_id: int | None
    name_tokens: frozenset[str]
    cited_by: int = 0


@dataclass(frozen=True)
class NameMention:
    """A name or alias found in a text, by statute id (``Mention`` carries the loaded statute)."""

    law_id: str
    text: str
    start: int
    end: int
    via_alias: bool


@dataclass
class NameTable:
    statutes: dict[str, NameEntry] = field(default_factory=dict)
    by_name: dict[str, str] = field(default_factory=dict)
    by_alias: dict[str, str] = field(default_factory=dict)
    by_compact_name: dict[str, str] = field(default_factory=dict)
    by_compact_alias: dict[str, str] = field(default_factory=dict)
    # First two characters → (name, law id, via alias): candidates for a mention starting there.
    by_prefix: dict[str, list[tuple[str, str, bool]]] = field(default_factory=dict)
    by_token: dict[str, list[str]] = field(default_factory=dict)  # name token → law ids
    names: list[tuple[str, str]] = field(default_factory=list)  # (lower-case name, law id), by name
    aliases: list[tuple[str, str]] = field(default_factory=list)  # (lower-case alias, law id), by alias
    _by_kind_and_agency: dict[tuple[str | None, int | None], frozenset[str]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> NameTable:
        table = cls()
        rows = Statute.objects.order_by("name", "law_id").values_list(
            "law_id", "name", "kind", "parent_id", "agency_id", "name_tokens", "cited_by"
        )
        for law_id, name, kind, parent_id, agency_id, name_tokens, cited_by in rows:
            tokens = frozenset(name_tokens.split())
            table.statutes[law_id] = NameEntry(law_id, name, kind, parent_id, agency_id, tokens, cited_by)
            table.by_name.setdefault(name, law_id)
            table.names.append((name.lower(), law_id))
            table._add_prefix(name, law_id, via_alias=False)
            for token in tokens:
                table.by_token.setdefault(token, []).append(law_id)
        # The lowest id wins a spelling two statutes share (as ORDER BY law_id did in SQL).
        for law_id in sorted(table.statutes, reverse=True):
            table.by_compact_name[table.statutes[law_id].name.replace(" ", "")] = law_id
        for name, law_id in StatuteAlias.objects.order_by("-name").values_list("name", "statute_id"):
            table.by_alias[name] = law_id
            table.by_compact_alias[name.replace(" ", "")] = law_id  # the first alias by name wins
            table.aliases.append((name.lower(), law_id))
            table._add_prefix(name, law_id, via_alias=True)
        table.aliases.reverse()
        return table

    def _add_prefix(self, name: str, law_id: str, *, via_alias: bool) -> None:
        if len(name) >= 2:
            self.by_prefix.setdefault(name[:2], []).append((name, law_id, via_alias))

    def lookup(self, text: str) -> str | None:
        """The id of the statute called ``text`` (official name or alias; spacing and 「」 ignored)."""
        name = clean_name(text)
        if not name or len(name) > 300:
            return None
        found = self.by_name.get(name) or self.by_alias.get(name)
        if found is not None:
            return found
        key = name.replace(" ", "")
        if len(key) > MAX_NAME_CHARS:
            return None
        return self.by_compact_name.get(key) or self.by_compact_alias.get(key)

    def mentions(self, text: str) -> list[NameMention]:
        """Names and aliases occurring in ``text`` (cleaned), word-initial only, longest first
        among overlapping ones, in order of appearance."""
        value = clean_name(text)
        if len(value) < 2:
            return []
        found: list[NameMention] = []
        prefixes = self.by_prefix
        for start in range(len(value) - 1):
            # 「의료법」 is a mention inside 「국민의료법」 only if it starts a word.
            if start and _HANGUL_RE.match(value[start - 1]):
                continue
            for name, law_id, via_alias in prefixes.get(value[start : start + 2], ()):
                if value.startswith(name, start):
                    found.append(NameMention(law_id, name, start, start + len(name), via_alias))
        found.sort(key=lambda m: (-(m.end - m.start), m.start))
        kept: list[NameMention] = []
        for mention in found:
            if any(mention.start < k.end and k.start < mention.end for k in kept):
                continue
            kept.append(mention)
        return sorted(kept, key=lambda m: m.start)

    def containing(self, text: str) -> tuple[list[str], list[tuple[str, str]]]:
        """(law ids whose name contains ``text``, by name; (alias, law id) of aliases containing
        it, by alias), case-insensitive like ``icontains``."""
        needle = text.lower()
        return (
            [self.names[k][1] for k in self._name_haystack.indexes_containing(needle)],
            [self.aliases[k] for k in self._alias_haystack.indexes_containing(needle)],
        )

    @cached_property
    def _name_haystack(self) -> _Haystack:
        return _Haystack([name for name, _law_id in self.names])

    @cached_property
    def _alias_haystack(self) -> _Haystack:
        return _Haystack([name for name, _law_id in self.aliases])

    def of_kind_and_agency(self, kind: str | None, agency_id: int | None) -> frozenset[str]:
        """Ids of the statutes of ``kind`` and competent ``agency_id`` (``None``: any), one set per
        pair kept for the table's lifetime (search filters ask for the same few pairs)."""
        key = (kind or None, agency_id)
        found = self._by_kind_and_agency.get(key)
        if found is None:
            found = frozenset(
                law_id
                for law_id, entry in self.statutes.items()
                if (not kind or entry.kind == kind) and (agency_id is None or entry.agency_id == agency_id)
            )
            if len(self._by_kind_and_agency) >= 256:  # an agency id per request could grow it
                self._by_kind_and_agency.clear()
            self._by_kind_and_agency[key] = found
        return found

    def with_tokens(self, tokens: Iterable[str]) -> set[str]:
        """Ids of statutes whose name or an alias has any of ``tokens``."""
        out: set[str] = set()
        for token in tokens:
            out.update(self.by_token.get(token, ()))
        return out


class _Haystack:
    """Strings joined by newlines, searched with ``str.find``: a title-length query is looked for
    in 11,000 names and aliases by a few scans in C rather than 11,000 ``in`` tests in Python
    (5-9 ms a query)."""

    def __init__(self, strings: list[str]) -> None:
        self.text = "\n".join(strings)
        self.starts: list[int] = []
        offset = 0
        for value in strings:
            self.starts.append(offset)
            offset += len(value) + 1

    def indexes_containing(self, needle: str) -> list[int]:
        """Indexes of the strings containing ``needle`` (no newline), ascending."""
        if not needle:
            return list(range(len(self.starts)))
        if "\n" in needle:  # no string holds one
            return []
        found: list[int] = []
        text, starts = self.text, self.starts
        at = text.find(needle)
        while at >= 0:
            index = bisect_right(starts, at) - 1
            found.append(index)
            # Continue after this string: each string counts once.
            next_start = starts[index + 1] if index + 1 < len(starts) else len(text)
            at = text.find(needle, next_start)
        return found


_names: ProcessTable[NameTable] = ProcessTable(version_key=_VERSION_KEY, load=NameTable.load, ttl=TABLE_TTL)


def name_table() -> NameTable:
    """This process's name table, reloaded when the statutes or aliases have changed."""
    return _names.get()


def forget_names(**_kwargs: object) -> None:
    """Make every process reload its name table (after any change to statutes or aliases): now,
    and again once the transaction commits, since another process may reload the old names in
    between."""
    _names.forget()


for _model in (Statute, StatuteAlias):
    post_save.connect(forget_names, sender=_model, dispatch_uid=f"regulations-names-save-{_model.__name__}")
    post_delete.connect(forget_names, sender=_model, dispatch_uid=f"regulations-names-delete-{_model.__name__}")


# -- public lookups (loaded statutes) ------------------------------------------------------------


def statute_by_name_or_alias(text: str) -> Statute | None:
    """The statute called ``text`` by its official name or an alias (spacing and 「」 ignored)."""
    law_id = name_table().lookup(text)
    return Statute.objects.filter(pk=law_id).first() if law_id is not None else None


@dataclass(frozen=True)
class Mention:
    statute: Statute
    text: str  # the name or alias as found
    start: int
    end: int
    via_alias: bool


def statutes_mentioned(text: str) -> list[Mention]:
    """Statutes whose name or alias occurs in ``text`` (longest matches win, word-initial only)."""
    found = name_table().mentions(text)
    if not found:
        return []
    statutes = Statute.objects.defer("annexes", "pending").in_bulk({m.law_id for m in found})
    return [Mention(statutes[m.law_id], m.text, m.start, m.end, m.via_alias) for m in found if m.law_id in statutes]
