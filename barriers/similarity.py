"""Search before filing: barriers like the one being typed, so a firm can co-sign instead of
filing a duplicate.

Plain text similarity, built to stay fast with 100,000+ barriers:

1. **Candidates from the database, bounded.** Key terms of the typed text (the longest words with
   their particles cut off, plus the two-syllable head of long compounds — 배송로봇 → 로봇) are
   matched against *titles* only (short, so a scan is cheap; bodies are up to 20,000 characters)
   within the newest ``SCAN_WINDOW`` barriers (a primary-key range, so the scan is bounded however
   large the table grows), newest first, at most ``TERM_FETCH`` rows; plus the newest rows of the
   table (``RECENT_FETCH``; duplicates cluster in time) and the firm's own newest ``OWN_CANDIDATES``.
   Visibility is decided on the few fetched ids in Python (keeps the database on the primary key
   instead of a status index it would then sort). Only the title and the first ``BODY_HEAD``
   characters of the body of the ≤ ~350 kept candidates are read. The trade-off: a duplicate
   older than the newest ``SCAN_WINDOW`` filings is not found by its words (routing's index will
   do better).
2. **Scoring in Python** on at most ~350 rows: character-bigram Dice of the titles and of
   title + body head, with spaces and punctuation removed (Korean spacing
   varies: 배송 로봇 = 배송로봇). No morphological analyser: loading kiwipiepy costs seconds and
   hundreds of MB per process for a keystroke-driven request.

Visible: public barriers (privacy allows publication, triaged or later, not withdrawn) and the
filing firm's own barriers. Other firms' private barriers are never candidates, and other firms'
names are never shown (the redacted title and a snippet only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.db.models.functions import Substr

from accounts.permissions import can
from barriers.models import Barrier, BarrierStatus
from barriers.services.cosigning import PUBLISHABLE
from core.redaction import redact_text
from core.text import normalize_text
from firms.models import Firm

# Triaged or later: the city has looked at it (a fresh submission may still be spam or carry
# personal data the city masks before publishing).
DISCOVERABLE = frozenset(
    s for s in BarrierStatus.values if s not in (BarrierStatus.DRAFT, BarrierStatus.SUBMITTED, BarrierStatus.WITHDRAWN)
)
SCAN_WINDOW = 20_000
TERM_FETCH = 1_000
TERM_CANDIDATES = 200
RECENT_FETCH = 500
RECENT_CANDIDATES = 100
OWN_CANDIDATES = 50
BODY_HEAD = 600
MAX_TERMS = 6
MIN_QUERY_CHARS = 4
MIN_SCORE = 0.22
DEFAULT_LIMIT = 5

_WORD = re.compile(r"[가-힣]{2,}|[A-Za-z][A-Za-z0-9]{2,}")
_NOT_TEXT = re.compile(r"[\W_]+")
# Particles and endings cut from the end of a word before it is used as a search term.
_PARTICLES = (
    "에서는",
    "으로는",
    "에서",
    "으로",
    "에게",
    "까지",
    "부터",
    "처럼",
    "보다",
    "이나",
    "은",
    "는",
    "이",
    "가",
    "을",
    "를",
    "의",
    "에",
    "로",
    "와",
    "과",
    "도",
    "만",
)
# Words every complaint uses: they would match everything and select nothing.
_STOPWORDS = frozenset(
    {
        "규제",
        "애로",
        "제한",
        "문제",
        "경우",
        "때문",
        "관련",
        "있습니다",
        "없습니다",
        "합니다",
        "하고",
        "있어",
        "없어",
        "하는",
        "되는",
        "위한",
        "통해",
        "현재",
        "기업",
        "사업",
    }
)


@dataclass(frozen=True)
class SimilarBarrier:
    """One result, already shaped for the viewer (redacted unless it is the firm's own)."""

    barrier_id: int
    title: str
    snippet: str
    status_label: str
    sectors: list[str]
    affected_firm_count: int
    score: float
    own: bool
    can_cosign: bool


# Verb and adjective endings: such words (바꾸는데, 없습니다) say nothing about the subject.
_ENDINGS = (
    "는데",
    "니다",
    "어서",
    "아서",
    "해서",
    "지만",
    "으면",
    "려고",
    "하여",
    "하는",
    "되어",
    "한다",
    "된다",
    "했다",
)


def _strip_particle(word: str) -> str:
    for particle in _PARTICLES:
        if word.endswith(particle) and len(word) - len(particle) >= 2:
            return word[: -len(particle)]
    return word


def key_terms(text: str) -> list[str]:
    """Up to ``MAX_TERMS`` search terms, the most specific (longest) first."""
    seen: dict[str, None] = {}
    for raw in _WORD.findall(normalize_text(text)[:2000]):
        if raw.endswith(_ENDINGS):
            continue
        word = _strip_particle(raw.lower())
        if len(word) < 2 or word in _STOPWORDS:
            continue
        seen.setdefault(word, None)
        if len(word) >= 4 and word[-2:] not in _STOPWORDS:
            seen.setdefault(word[-2:], None)  # the head of a compound: 배송로봇 → 로봇
    return sorted(seen, key=lambda w: (-len(w), w))[:MAX_TERMS]


def _bigrams(text: str) -> frozenset[str]:
    compact = _NOT_TEXT.sub("", text.lower())
    return frozenset([compact[i : i + 2] for i in range(len(compact) - 1)])


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


@dataclass(frozen=True)
class Query:
    """The typed text's bigrams, computed once per request."""

    title: frozenset[str]
    text: frozenset[str]

    @classmethod
    def of(cls, title: str, body: str) -> Query:
        return cls(title=_bigrams(title), text=_bigrams(f"{title} {body[:BODY_HEAD]}"))


def score(query: Query, candidate_title: str, candidate_text: str) -> float:
    """Similarity in [0, 1] of the typed title/body to a candidate's title and title + body head."""
    text_part = _dice(query.text, _bigrams(candidate_text))
    if not query.title:
        return text_part
    return 0.5 * _dice(query.title, _bigrams(candidate_title)) + 0.5 * text_part


def _snippet(text: str, length: int = 140) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[:length].rstrip() + "…"


def similar_barriers(
    *,
    user: Any,
    firm: Firm | None,
    title: str,
    body: str = "",
    exclude_id: int | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[SimilarBarrier]:
    """Barriers similar to the typed ``title``/``body`` that ``user`` filing for ``firm`` may see:
    public ones and the firm's own; most similar first."""
    title = normalize_text(title or "")[:300]
    body = normalize_text(body or "")[:5000]
    if len(_NOT_TEXT.sub("", title + body)) < MIN_QUERY_CHARS:
        return []
    if firm is not None and not can(user, "barrier.file", firm):
        firm = None  # never another firm's private barriers, whatever the client sent
    firm_id = firm.pk if firm is not None else None

    def visible(privacy: str, status: str, owner_id: int) -> bool:
        return (privacy in PUBLISHABLE and status in DISCOVERABLE) or owner_id == firm_id

    base = Barrier.objects.exclude(pk=exclude_id or 0).order_by("-pk")
    fields = ("pk", "privacy", "status", "firm_id")
    newest = Barrier.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ids: set[int] = set()
    terms = key_terms(f"{title} {body[:300]}")
    if terms:
        matches = Q()
        for term in terms:
            # Hangul has no case: plain LIKE spares the database an UPPER() per row and term.
            matches |= Q(title__icontains=term) if term.isascii() else Q(title__contains=term)
        matched = base.filter(matches, pk__gt=newest - SCAN_WINDOW).values_list(*fields)[:TERM_FETCH]
        ids.update([pk for pk, privacy, status, owner in matched if visible(privacy, status, owner)][:TERM_CANDIDATES])
    recent = base.values_list(*fields)[:RECENT_FETCH]
    ids.update([pk for pk, privacy, status, owner in recent if visible(privacy, status, owner)][:RECENT_CANDIDATES])
    if firm is not None:
        ids.update(base.filter(firm=firm).values_list("pk", flat=True)[:OWN_CANDIDATES])
    if not ids:
        return []
    rows = list(
        Barrier.objects.filter(pk__in=ids)
        .annotate(body_head=Substr("body", 1, BODY_HEAD))
        .values("pk", "title", "body_head", "firm_id", "status", "privacy", "affected_firm_count")
    )
    query = Query.of(title, body)
    scored = []
    for row in rows:
        value = score(query, row["title"], f"{row['title']} {row['body_head']}")
        if value >= MIN_SCORE:
            scored.append((value, row))
    scored.sort(key=lambda pair: (-pair[0], -pair[1]["pk"]))
    top = scored[:limit]
    sectors = _sector_names([row["pk"] for _s, row in top])
    results = []
    for value, row in top:
        own = firm is not None and row["firm_id"] == firm.pk
        shown_title = row["title"] if own else redact_text(row["title"], analyse=False)
        shown_body = row["body_head"] if own else redact_text(row["body_head"][:400], analyse=False)
        results.append(
            SimilarBarrier(
                barrier_id=row["pk"],
                title=shown_title,
                snippet=_snippet(shown_body),
                status_label=str(BarrierStatus(row["status"]).label),
                sectors=sectors.get(row["pk"], []),
                affected_firm_count=row["affected_firm_count"],
                score=round(value, 3),
                own=own,
                can_cosign=not own and row["privacy"] in PUBLISHABLE and row["status"] in DISCOVERABLE,
            )
        )
    return results


def _sector_names(barrier_ids: list[int]) -> dict[int, list[str]]:
    through = Barrier.sectors.through
    names: dict[int, list[str]] = {}
    for barrier_id, name in (
        through.objects.filter(barrier_id__in=barrier_ids)
        .order_by("sector__ordering")
        .values_list("barrier_id", "sector__name")
    ):
        names.setdefault(barrier_id, []).append(name)
    return names
