"""Statute names and aliases: normalisation, lookup and mentions inside free text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import F, Value
from django.db.models.functions import Replace, StrIndex

from core.text import normalize_identifier
from regulations.models import Statute, StatuteAlias

# Middle dots typed for ㆍ (U+318D, the corpus's form): U+00B7, U+2027, U+30FB, U+FF65, U+2022, U+119E.
_DOTS_RE = re.compile("[\u00b7\u2027\u30fb\uff65\u2022\u119e\u318d]")
_BRACKETS_RE = re.compile("[「」『』《》〈〉\"'“”‘’]")
_HANGUL_RE = re.compile("[\uac00-\ud7a3]")
# Names typed with other spacing are matched by a table scan, only for text this short (the
# longest statute name in the corpus has 105 characters, 82 without spaces).
MAX_NAME_CHARS = 120


def clean_name(text: str) -> str:
    """NFKC, one middle-dot form, no quote brackets, single spaces."""
    value = normalize_identifier(text or "")
    value = _BRACKETS_RE.sub("", value)
    value = _DOTS_RE.sub("\u318d", value)
    return " ".join(value.split())


def compact(text: str) -> str:
    return clean_name(text).replace(" ", "")


def statute_by_name_or_alias(text: str) -> Statute | None:
    """The statute called ``text`` by its official name or an alias (spacing and 「」 ignored)."""
    name = clean_name(text)
    if not name or len(name) > 300:
        return None
    statute = Statute.objects.filter(name=name).first()
    if statute is not None:
        return statute
    alias = StatuteAlias.objects.select_related("statute").filter(name=name).first()
    if alias is not None:
        return alias.statute
    key = name.replace(" ", "")
    if len(key) > MAX_NAME_CHARS:  # a pasted complaint is not a name: spare the table scans
        return None
    statute = (
        Statute.objects.annotate(key=Replace(F("name"), Value(" "), Value("")))
        .filter(key=key)
        .order_by("law_id")
        .first()
    )
    if statute is not None:
        return statute
    alias = (
        StatuteAlias.objects.select_related("statute")
        .annotate(key=Replace(F("name"), Value(" "), Value("")))
        .filter(key=key)
        .first()
    )
    return alias.statute if alias else None


@dataclass(frozen=True)
class Mention:
    statute: Statute
    text: str  # the name or alias as found
    start: int
    end: int
    via_alias: bool


def statutes_mentioned(text: str) -> list[Mention]:
    """Statutes whose name or alias occurs in ``text`` (longest matches win, word-initial only)."""
    value = clean_name(text)
    if len(value) < 2:
        return []
    found: list[Mention] = []
    names = (
        Statute.objects.annotate(pos=StrIndex(Value(value), F("name")))
        .filter(pos__gt=0)
        .only("law_id", "name", "kind", "role", "agency_id")
    )
    for statute in names:
        found.extend(_occurrences(value, statute.name, statute, via_alias=False))
    aliases = (
        StatuteAlias.objects.annotate(pos=StrIndex(Value(value), F("name"))).filter(pos__gt=0).select_related("statute")
    )
    for alias in aliases:
        found.extend(_occurrences(value, alias.name, alias.statute, via_alias=True))
    found.sort(key=lambda m: (-(m.end - m.start), m.start))
    kept: list[Mention] = []
    for mention in found:
        if any(mention.start < k.end and k.start < mention.end for k in kept):
            continue
        kept.append(mention)
    return sorted(kept, key=lambda m: m.start)


def _occurrences(value: str, name: str, statute: Statute, *, via_alias: bool) -> list[Mention]:
    if len(name) < 2:
        return []
    out = []
    start = value.find(name)
    while start >= 0:
        # 「의료법」 is a mention inside 「국민의료법」 only if it starts a word.
        if start == 0 or not _HANGUL_RE.match(value[start - 1]):
            out.append(Mention(statute, name, start, start + len(name), via_alias))
        start = value.find(name, start + 1)
    return out
