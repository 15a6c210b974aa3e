"""Korean search over statutes and articles: one entry point for both databases.

Pipeline: clean the query → find statutes it names (official name or alias) and an article
reference (의료법 제33조) → analyse the rest with kiwipiepy → retrieve candidates with the
database's full-text index (``backend``) → rank them with BM25 computed here, so SQLite and
PostgreSQL order results the same way → snippet with ``<mark>`` highlights.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from core.errors import ValidationFailed
from regulations.models import KIND_WEIGHT, Article, Statute, StatuteAlias
from regulations.search import backend
from regulations.search.analysis import query_terms
from regulations.search.names import Mention, clean_name, statute_by_name_or_alias, statutes_mentioned

MAX_QUERY_CHARS = 1000
MAX_LIMIT = 100
RETRIEVAL_TERMS = 32  # the most informative query terms used for candidate retrieval …
RETRIEVAL_POSTINGS = 20_000  # … as long as they match at most this many articles together
MIN_RETRIEVAL = 3
CANDIDATES = 200
COMMON_SHARE = 0.2  # terms in more than this share of articles only re-rank, never retrieve
DOCS_KEY = "#docs"
TOKENS_KEY = "#tokens"
BM25_K1, BM25_B = 1.2, 0.75
EVIDENCE_WEIGHTS = (1.0, 0.5, 0.25)
SNIPPET_CHARS = 160

_ARTICLE_REF_RE = re.compile(r"제?\s*(\d{1,4})\s*조(?:\s*의\s*(\d{1,3}))?")


@dataclass
class SearchHit:
    """One result: a statute (and an article for article search), why it matched, a snippet."""

    statute: Statute
    article: Article | None
    score: float
    match: str  # reference | name | alias | text
    snippet: SafeString
    terms: list[str] = field(default_factory=list)


def clean_query(query: str) -> str:
    value = clean_name(query or "")
    if len(value) > MAX_QUERY_CHARS:
        raise ValidationFailed(
            _("검색어는 %(n)s자 이내로 입력하세요.") % {"n": f"{MAX_QUERY_CHARS:,}"}, code="query_too_long", field="q"
        )
    return value


def _limit(limit: int) -> int:
    return max(1, min(int(limit), MAX_LIMIT))


# -- term statistics -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Stats:
    docs: int
    avg_len: float
    df: dict[str, int]

    def idf(self, term: str) -> float:
        df = self.df.get(term, 0)
        return math.log(1 + (self.docs - df + 0.5) / (df + 0.5))


def _stats(terms: list[str]) -> Stats:
    rows = backend.term_frequencies([*terms, DOCS_KEY, TOKENS_KEY])
    docs = max(rows.pop(DOCS_KEY, 0), 1)
    total = rows.pop(TOKENS_KEY, 0)
    return Stats(docs=docs, avg_len=max(total / docs, 1.0), df=rows)


def _retrieval_terms(terms: list[str], stats: Stats) -> list[tuple[str, int]]:
    """The rarest query terms, as many as fit in the postings budget (at least ``MIN_RETRIEVAL``);
    the others only re-rank. Retrieval cost is the number of postings read, whatever the corpus."""
    known = [t for t in terms if stats.df.get(t, 0) > 0]
    known.sort(key=lambda t: (stats.df[t], t))
    rare = [t for t in known if stats.df[t] <= COMMON_SHARE * stats.docs] or known
    chosen: list[str] = []
    postings = 0
    for term in rare[:RETRIEVAL_TERMS]:
        if len(chosen) >= MIN_RETRIEVAL and postings + stats.df[term] > RETRIEVAL_POSTINGS:
            break
        chosen.append(term)
        postings += stats.df[term]
    return [(t, max(1, int(stats.idf(t) * 1000))) for t in chosen]


# -- snippets ------------------------------------------------------------------------------------


def highlight(text: str, terms: list[str], *, width: int = SNIPPET_CHARS) -> SafeString:
    """A window of ``text`` around the densest cluster of ``terms``, HTML-escaped, with <mark>."""
    lower = text.lower()
    spans: list[tuple[int, int, str]] = []
    for term in terms:
        start = lower.find(term)
        while start >= 0 and len(spans) < 80:
            spans.append((start, start + len(term), term))
            start = lower.find(term, start + len(term))
    spans.sort()
    begin = 0
    if spans and len(text) > width:
        # Sliding window over the sorted spans: the start with the most distinct terms ahead.
        best, reach = -1, width * 3 // 4
        in_window: Counter[str] = Counter()
        j = 0
        for s, _e, _t in spans:
            while j < len(spans) and spans[j][0] < s + reach:
                in_window[spans[j][2]] += 1
                j += 1
            if len(in_window) > best:
                best, begin = len(in_window), max(0, s - width // 4)
            in_window[_t] -= 1
            if not in_window[_t]:
                del in_window[_t]
    end = min(len(text), begin + width)
    parts: list[str] = ["…" if begin > 0 else ""]
    cursor = begin
    for s, e, _t in spans:
        if s < cursor or e > end:
            continue
        parts.append(escape(text[cursor:s]))
        parts.append(f"<mark>{escape(text[s:e])}</mark>")
        cursor = e
    parts.append(escape(text[cursor:end]))
    if end < len(text):
        parts.append("…")
    return mark_safe("".join(parts).replace("\n", " "))  # noqa: S308 - every piece is escaped above


# -- filters -------------------------------------------------------------------------------------


def _filters(
    *, kind: str | None, agency_id: int | None, sector: str | None, law_ids: tuple[str, ...] = ()
) -> backend.Filters:
    return backend.Filters(kind=kind or None, agency_id=agency_id, sector_code=sector or None, law_ids=law_ids)


def _statute_q(filters: backend.Filters, prefix: str = "") -> Q:
    q = Q()
    if filters.kind:
        q &= Q(**{f"{prefix}kind": filters.kind})
    if filters.agency_id is not None:
        q &= Q(**{f"{prefix}agency_id": filters.agency_id})
    if filters.sector_code:
        q &= Q(**{f"{prefix}sectors__code": filters.sector_code})
    if filters.law_ids:
        q &= Q(**{f"{prefix}law_id__in": filters.law_ids})
    return q


def _tiebreak(statute: Statute) -> tuple[int, str]:
    return (KIND_WEIGHT.get(statute.kind, 9), statute.law_id)


# -- articles ------------------------------------------------------------------------------------


def _article_reference(query: str, mentions: list[Mention]) -> tuple[Statute, str, tuple[int, int]] | None:
    """(statute, 제N조[의M], span) when the query names a statute and then an article number."""
    for match in _ARTICLE_REF_RE.finditer(query):
        number = f"제{match.group(1)}조" + (f"의{match.group(2)}" if match.group(2) else "")
        before = [m for m in mentions if m.end <= match.start()]
        if before:
            return before[-1].statute, number, match.span()
        statute = statute_by_name_or_alias(query[: match.start()])
        if statute is not None:
            return statute, number, (0, match.end())
    return None


@dataclass
class _Ranked:
    """Article ranking before snippets: the cited article, scored (score, article id) rows."""

    reference: Article | None
    rows: list[tuple[float, int, str]]  # (score, article id, statute id), best first
    terms: list[str]
    stats: Stats | None
    mentioned: set[str]


def _rank_articles(text: str, filters: backend.Filters, mentions: list[Mention]) -> _Ranked:
    reference = _article_reference(text, mentions)
    cited: Article | None = None
    if reference is not None:
        ref_statute, number, _span = reference
        cited = (
            Article.objects.select_related("statute", "statute__agency")
            .defer("statute__annexes", "statute__pending")
            .filter(_statute_q(filters, "statute__"), statute=ref_statute, number=number)
            .first()
        )
    # What is left once statute names and the article number are taken out is the topic.
    residual = text
    cut = sorted([(m.start, m.end) for m in mentions] + ([reference[2]] if reference else []), reverse=True)
    for start, end in cut:
        residual = residual[:start] + " " + residual[end:]
    terms = query_terms(residual)
    mentioned = {m.statute.law_id for m in mentions}
    if not terms:
        return _Ranked(cited, [], [], None, mentioned)
    stats = _stats(terms)
    idf = {term: stats.idf(term) for term in terms}
    weighted = _retrieval_terms(terms, stats)
    candidate_ids = backend.article_candidates(weighted_terms=weighted, filters=filters, limit=CANDIDATES)
    if mentioned:
        # Articles of the named statute may rank below others on text alone: retrieve them too.
        scoped = backend.Filters(filters.kind, filters.agency_id, filters.sector_code, tuple(sorted(mentioned)))
        candidate_ids += backend.article_candidates(weighted_terms=weighted, filters=scoped, limit=CANDIDATES // 2)
    ids = {pk for pk, _w in candidate_ids} - ({cited.pk} if cited else set())
    # Score on tokens only; load the full rows just for the results shown.
    rows = backend.article_tokens(list(ids))
    wanted = set(terms)
    scored: list[tuple[float, int, str, int, int]] = []
    needles = [(term, f" {term} ") for term in wanted]
    for pk, statute_id, statute_kind, position, tokens, title_tokens in rows:
        # Term frequencies by substring counts in C over the space-separated tokens: a query's
        # few terms cost less than splitting and counting a whole article (an immediately
        # repeated token counts once, which BM25's saturation hardly notices).
        padded = f" {tokens} "
        length = tokens.count(" ") + 1 if tokens else 1
        norm = BM25_K1 * (1 - BM25_B + BM25_B * length / stats.avg_len)
        score = 0.0
        for term, needle in needles:
            n = padded.count(needle)
            if n:
                score += idf[term] * n * (BM25_K1 + 1) / (n + norm)
        if title_tokens:
            score += 0.5 * sum(idf[t] for t in wanted.intersection(title_tokens.split()))
        if statute_id in mentioned:
            score *= 1.5
        if not title_tokens and f"{tokens} ".startswith("삭제 "):
            score *= 0.1  # a deleted article (삭제 <2020.1.1>) only matches on its stub
        scored.append((round(score, 6), KIND_WEIGHT.get(statute_kind, 9), statute_id, position, pk))
    scored.sort(key=lambda row: (-row[0], row[1], row[2], row[3]))
    return _Ranked(cited, [(row[0], row[4], row[2]) for row in scored], terms, stats, mentioned)


def search_articles(
    query: str,
    *,
    kind: str | None = None,
    agency_id: int | None = None,
    sector: str | None = None,
    statute: Statute | None = None,
    limit: int = 20,
) -> list[SearchHit]:
    """Articles best matching ``query``; a cited article (의료법 제33조) comes first."""
    text = clean_query(query)
    limit = _limit(limit)
    if not text:
        return []
    filters = _filters(kind=kind, agency_id=agency_id, sector=sector, law_ids=(statute.law_id,) if statute else ())
    mentions = statutes_mentioned(text)
    ranked = _rank_articles(text, filters, mentions)
    hits: list[SearchHit] = []
    if ranked.reference is not None:
        article = ranked.reference
        hits.append(SearchHit(article.statute, article, math.inf, "reference", highlight(article.text, []), terms=[]))
    if not ranked.terms:
        if ranked.mentioned and ranked.reference is None:
            articles = (
                Article.objects.select_related("statute", "statute__agency")
                .defer("statute__annexes", "statute__pending")
                .filter(_statute_q(filters, "statute__"), statute_id__in=ranked.mentioned)
                .order_by("statute__name", "position")[:limit]
            )
            hits.extend(SearchHit(a.statute, a, 0.0, "name", highlight(a.text, [])) for a in articles)
        return hits[:limit]
    top = ranked.rows[: max(0, limit - len(hits))]
    loaded = (
        Article.objects.select_related("statute", "statute__agency")
        .defer("statute__annexes", "statute__pending", "tokens", "title_tokens")
        .in_bulk([pk for _score, pk, _statute in top])
    )
    for score, pk, _statute in top:
        article = loaded[pk]
        hits.append(
            SearchHit(
                article.statute, article, score, "text", highlight(article.text, ranked.terms), terms=ranked.terms
            )
        )
    return hits[:limit]


# -- statutes ------------------------------------------------------------------------------------


def search_statutes(
    query: str,
    *,
    kind: str | None = None,
    agency_id: int | None = None,
    sector: str | None = None,
    limit: int = 20,
) -> list[SearchHit]:
    """Statutes for ``query``: exact name or alias, names in the query, names containing it, then
    statutes whose name words or articles match."""
    text = clean_query(query)
    limit = _limit(limit)
    if not text:
        return []
    filters = _filters(kind=kind, agency_id=agency_id, sector=sector)
    allowed = Statute.objects.filter(_statute_q(filters)).select_related("agency").distinct()
    best: dict[str, tuple[float, str, Statute]] = {}

    def offer(statute: Statute, score: float, match: str) -> None:
        current = best.get(statute.law_id)
        if current is None or score > current[0]:
            best[statute.law_id] = (score, match, statute)

    exact = statute_by_name_or_alias(text)
    mentions = statutes_mentioned(text)
    named = {m.statute.pk for m in mentions} | ({exact.pk} if exact else set())
    if named and (filters.kind or filters.agency_id is not None or filters.sector_code):
        named &= set(allowed.filter(pk__in=named).values_list("pk", flat=True))
    if exact is not None and exact.pk in named:
        offer(exact, 1000.0, "name" if clean_name(exact.name) == text else "alias")
    for mention in mentions:
        if mention.statute.pk in named:
            offer(mention.statute, 800.0 + len(mention.text), "alias" if mention.via_alias else "name")
    if 2 <= len(text) <= 100:  # a long description is not a name fragment
        for statute in allowed.filter(name__icontains=text)[:100]:
            offer(statute, 600.0 - len(statute.name) / 100, "name")
        for alias in StatuteAlias.objects.filter(name__icontains=text, statute__in=allowed).select_related(
            "statute", "statute__agency"
        )[:100]:
            offer(alias.statute, 590.0 - len(alias.name) / 100, "alias")
    ranked_articles = _rank_articles(text, filters, mentions)
    terms = ranked_articles.terms or query_terms(text)
    if terms:
        stats = ranked_articles.stats or _stats(terms)
        idf = {t: stats.idf(t) for t in terms}
        total_idf = sum(idf.values()) or 1.0
        # Article evidence: the best article counts fully, the next ones less and less.
        evidence: dict[str, list[float]] = {}
        for score, _pk, law_id in ranked_articles.rows:
            bucket = evidence.setdefault(law_id, [])
            if len(bucket) < len(EVIDENCE_WEIGHTS):
                bucket.append(score)
        text_scores = {
            law_id: sum(w * v for w, v in zip(EVIDENCE_WEIGHTS, vals, strict=False))
            for law_id, vals in evidence.items()
        }
        # Name evidence: the share of the query's information found in the statute's name.
        name_hits = backend.statute_candidates(terms=terms, filters=filters, limit=200)
        name_scores: dict[str, float] = {}
        if name_hits:
            for law_id, name_tokens in Statute.objects.filter(pk__in=[pk for pk, _n in name_hits]).values_list(
                "law_id", "name_tokens"
            ):
                name_scores[law_id] = 40.0 * sum(idf[t] for t in set(terms) & set(name_tokens.split())) / total_idf
        combined = {k: text_scores.get(k, 0.0) + name_scores.get(k, 0.0) for k in set(text_scores) | set(name_scores)}
        # Decrees and rules lend part of their score to their act, which is what firms cite.
        parents = dict(
            Statute.objects.filter(pk__in=list(combined), parent__isnull=False).values_list("law_id", "parent_id")
        )
        for law_id, parent_id in parents.items():
            combined[parent_id] = max(combined.get(parent_id, 0.0), 0.0) + 0.3 * combined[law_id]
        top_ids = sorted(combined, key=lambda k: -combined[k])[: limit * 2]
        loaded = {s.law_id: s for s in allowed.filter(pk__in=top_ids).defer("annexes", "pending")}
        for law_id in top_ids:
            if law_id in loaded:
                offer(loaded[law_id], min(combined[law_id], 500.0), "text" if law_id in text_scores else "name")
    ranked = sorted(best.values(), key=lambda v: (-round(v[0], 6), *_tiebreak(v[2])))
    return [
        SearchHit(statute, None, score, match, highlight(statute.name, terms or [text.lower()]), terms=terms)
        for score, match, statute in ranked[:limit]
    ]
