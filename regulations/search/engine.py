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

import numpy as np
from django.db.models import Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from core.errors import ValidationFailed
from regulations.models import KIND_WEIGHT, Article, Statute
from regulations.search import backend
from regulations.search.analysis import TOKEN_ID_DTYPE, query_terms, token_id, token_ids
from regulations.search.corpus import corpus_table
from regulations.search.names import NameMention, NameTable, clean_name, name_table

MAX_QUERY_CHARS = 1000
MAX_LIMIT = 100
RETRIEVAL_TERMS = 32  # the most informative query terms used for candidate retrieval …
RETRIEVAL_POSTINGS = 20_000  # … as long as they match at most this many articles together
MIN_RETRIEVAL = 3
CANDIDATES = 200
NAME_CANDIDATES = 200  # statutes whose names share query terms, scored for name evidence
COMMON_SHARE = 0.2  # terms in more than this share of articles only re-rank, never retrieve
BM25_K1, BM25_B = 1.2, 0.75
EVIDENCE_WEIGHTS = (1.0, 0.5, 0.25)
# Statute prior: text and name evidence × (1 + PRIOR_WEIGHT · ln(1 + statutes citing it)). Chosen on
# the even-numbered half of barriers-dev.jsonl (0.15-0.4 score alike there; 0.2 the best) and checked
# on the odd half: recall@10 +2.2 and +2.5 points (bench/search.py --split even|odd).
PRIOR_WEIGHT = 0.2
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
    """The query terms' statistics, from this process's corpus table (no database round trip)."""
    table = corpus_table()
    known = {term: table.df[term] for term in terms if term in table.df}
    return Stats(docs=table.docs, avg_len=table.avg_len, df=known)


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


def _ranking_terms(terms: list[str], stats: Stats) -> list[str]:
    """The terms articles are scored on: those some article has (a term no article has cannot
    score)."""
    return [t for t in terms if stats.df.get(t, 0) > 0]


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


# -- articles ------------------------------------------------------------------------------------


def _article_reference(
    query: str, mentions: list[NameMention], table: NameTable
) -> tuple[str, str, tuple[int, int]] | None:
    """(statute id, 제N조[의M], span) when the query names a statute and then an article number."""
    for match in _ARTICLE_REF_RE.finditer(query):
        number = f"제{match.group(1)}조" + (f"의{match.group(2)}" if match.group(2) else "")
        before = [m for m in mentions if m.end <= match.start()]
        if before:
            return before[-1].law_id, number, match.span()
        law_id = table.lookup(query[: match.start()])
        if law_id is not None:
            return law_id, number, (0, match.end())
    return None


@dataclass
class _Ranked:
    """Article ranking before snippets: the cited article, scored (score, article id) rows."""

    reference: Article | None
    rows: list[tuple[float, int, str]]  # (score, article id, statute id), best first
    terms: list[str]
    stats: Stats | None
    mentioned: set[str]


def _rank_articles(text: str, filters: backend.Filters, mentions: list[NameMention], table: NameTable) -> _Ranked:
    reference = _article_reference(text, mentions, table)
    cited: Article | None = None
    if reference is not None:
        ref_law_id, number, _span = reference
        cited = (
            Article.objects.select_related("statute", "statute__agency")
            .defer("statute__annexes", "statute__pending", "tokens", "title_tokens")
            .filter(_statute_q(filters, "statute__"), statute_id=ref_law_id, number=number)
            .first()
        )
    # What is left once statute names and the article number are taken out is the topic.
    residual = text
    cut = sorted([(m.start, m.end) for m in mentions] + ([reference[2]] if reference else []), reverse=True)
    for start, end in cut:
        residual = residual[:start] + " " + residual[end:]
    terms = query_terms(residual)
    mentioned = {m.law_id for m in mentions}
    if not terms:
        return _Ranked(cited, [], [], None, mentioned)
    stats = _stats(terms)
    idf = {term: stats.idf(term) for term in terms}
    weighted = _retrieval_terms(terms, stats)
    postings = backend.term_postings([term for term, _weight in weighted]) if weighted else None
    candidate_ids = backend.article_candidates(
        weighted_terms=weighted, filters=filters, limit=CANDIDATES, postings=postings
    )
    if mentioned:
        # Articles of the named statute may rank below others on text alone: retrieve them too
        # (from the same postings, read once).
        scoped = backend.Filters(filters.kind, filters.agency_id, filters.sector_code, tuple(sorted(mentioned)))
        candidate_ids += backend.article_candidates(
            weighted_terms=weighted, filters=scoped, limit=CANDIDATES // 2, postings=postings
        )
    ids = {pk for pk, _w in candidate_ids} - ({cited.pk} if cited else set())
    # Score on token ids only; load the full rows just for the results shown.
    rows = backend.article_tokens(list(ids))
    ranking = sorted(set(_ranking_terms(terms, stats)))
    wanted = set(ranking)
    bm25 = _bm25(rows, ranking, idf, stats)
    deleted_stub = token_id("삭제")
    scored: list[tuple[float, int, str, int, int]] = []
    statutes = table.statutes
    for (pk, statute_id, position, _ids, title_tokens, _tokens), (score, first) in zip(rows, bm25, strict=True):
        if title_tokens:
            score += 0.5 * sum(idf[t] for t in wanted.intersection(title_tokens.split()))
        if statute_id in mentioned:
            score *= 1.5
        if not title_tokens and first == deleted_stub:
            score *= 0.1  # a deleted article (삭제 <2020.1.1>) only matches on its stub
        entry = statutes.get(statute_id)
        scored.append((round(score, 6), KIND_WEIGHT.get(entry.kind if entry else "", 9), statute_id, position, pk))
    scored.sort(key=lambda row: (-row[0], row[1], row[2], row[3]))
    return _Ranked(cited, [(row[0], row[4], row[2]) for row in scored], terms, stats, mentioned)


def _bm25(
    rows: list[tuple[int, str, int, bytes | None, str, str]], terms: list[str], idf: dict[str, float], stats: Stats
) -> list[tuple[float, int]]:
    """(BM25 of ``terms``, first token id) for each article row, from the rows' token ids.

    All candidates' ids are counted in one vectorised pass (numpy): a pasted complaint retrieves a
    few hundred long articles, 80,000 tokens together, which took longer to split and count in
    Python than the whole database work. Rows without ids (indexed before they existed) are
    encoded from their token text here.
    """
    if not rows:
        return []
    blobs = [blob if blob is not None else token_ids(tokens) for _pk, _s, _p, blob, _t, tokens in rows]
    lengths = np.fromiter(map(len, blobs), dtype=np.int64, count=len(blobs)) // TOKEN_ID_DTYPE.itemsize
    ids = np.frombuffer(b"".join(blobs), dtype=TOKEN_ID_DTYPE)
    ends = np.cumsum(lengths)
    first = np.zeros(len(rows), dtype=np.int64)
    nonempty = lengths > 0
    first[nonempty] = ids[(ends - lengths)[nonempty]]
    scores = np.zeros(len(rows))
    if terms and len(ids):
        term_ids = np.fromiter(map(token_id, terms), dtype=TOKEN_ID_DTYPE, count=len(terms))
        hits, term_of_hit = _term_hits(ids, term_ids)
        doc = np.searchsorted(ends, hits, side="right")
        counts = np.bincount(doc * len(terms) + term_of_hit, minlength=len(rows) * len(terms))
        tf = counts.reshape(len(rows), len(terms)).astype(np.float64)
        norm = BM25_K1 * (1 - BM25_B + BM25_B * np.maximum(lengths, 1) / stats.avg_len)
        weights = np.array([idf[t] for t in terms])
        scores = (tf * (BM25_K1 + 1) / (tf + norm[:, None])) @ weights
    return [(float(score), int(head)) for score, head in zip(scores, first, strict=True)]


_BUCKET_BITS = 20  # 2 MiB lookup table (int16) per ranking: cheap to fill, fits the CPU cache


def _term_hits(ids: np.ndarray, term_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(positions in ``ids`` holding one of ``term_ids``, which term each is).

    Each token id is looked up in a table indexed by its low 20 bits and confirmed by comparison:
    a pasted complaint's candidates hold 100,000-150,000 tokens, and a binary search of each in
    the sorted query terms was most of the ranking's time (four times slower). Query terms sharing
    20 bits (rare) take the binary search, which also decides identical ids the same way: the
    first term holding it."""
    mask = (1 << _BUCKET_BITS) - 1
    buckets = (term_ids & mask).astype(np.int64)
    if len(term_ids) < np.iinfo(np.int16).max and len(np.unique(buckets)) == len(term_ids):
        table = np.full(mask + 1, -1, dtype=np.int16)
        table[buckets] = np.arange(len(term_ids), dtype=np.int16)
        slot = table[ids & mask]
        found = np.flatnonzero(slot >= 0)
        same = term_ids[slot[found]] == ids[found]
        hits = found[same]
        return hits, slot[hits].astype(np.int64)
    order = np.argsort(term_ids, kind="stable")
    sorted_ids = term_ids[order]
    slot = np.minimum(np.searchsorted(sorted_ids, ids), len(term_ids) - 1)
    hits = np.flatnonzero(sorted_ids[slot] == ids)
    return hits, order[slot[hits]]


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
    table = name_table()
    ranked = _rank_articles(text, filters, table.mentions(text), table)
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


def _allowed_statutes(filters: backend.Filters) -> frozenset[str] | None:
    """Ids of the statutes the filters allow (``None``: all), from the name table plus, for a
    sector, one query."""
    if filters.empty:
        return None
    return filters.allowed_law_ids()


def _most_shared_names(wanted: set[str], table: NameTable, allowed: frozenset[str] | None) -> list[str]:
    """The ``NAME_CANDIDATES`` statutes whose names (or aliases) share the most of ``wanted``, ties
    by id. A pasted complaint shares some word (관리, 사업, 진흥) with thousands of names: they are
    counted from the token → statutes lists in C and bucketed by count, not sorted one by one."""
    shared: Counter[str] = Counter()
    for term in wanted:
        shared.update(table.by_token.get(term, ()))
    by_count: dict[int, list[str]] = {}
    for law_id, count in shared.items():
        if allowed is None or law_id in allowed:
            by_count.setdefault(count, []).append(law_id)
    chosen: list[str] = []
    for count in sorted(by_count, reverse=True):
        chosen.extend(sorted(by_count[count])[: NAME_CANDIDATES - len(chosen)])
        if len(chosen) >= NAME_CANDIDATES:
            break
    return chosen


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
    table = name_table()
    allowed = _allowed_statutes(filters)
    best: dict[str, tuple[float, str]] = {}

    def offer(law_id: str, score: float, match: str) -> None:
        if allowed is not None and law_id not in allowed:
            return
        current = best.get(law_id)
        if current is None or score > current[0]:
            best[law_id] = (score, match)

    exact = table.lookup(text)
    if exact is not None:
        offer(exact, 1000.0, "name" if clean_name(table.statutes[exact].name) == text else "alias")
    mentions = table.mentions(text)
    for mention in mentions:
        offer(mention.law_id, 800.0 + len(mention.text), "alias" if mention.via_alias else "name")
    if 2 <= len(text) <= 100:  # a long description is not a name fragment
        names, aliases = table.containing(text)
        for law_id in [i for i in names if allowed is None or i in allowed][:100]:
            offer(law_id, 600.0 - len(table.statutes[law_id].name) / 100, "name")
        for alias, law_id in [a for a in aliases if allowed is None or a[1] in allowed][:100]:
            offer(law_id, 590.0 - len(alias) / 100, "alias")
    ranked_articles = _rank_articles(text, filters, mentions, table)
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
        # Name evidence: the share of the query's information found in the statute's name (or an
        # alias), for the NAME_CANDIDATES statutes sharing the most query terms with their names.
        wanted = set(terms)
        name_ids = _most_shared_names(wanted, table, allowed)
        shared = {law_id: wanted & table.statutes[law_id].name_tokens for law_id in name_ids}
        name_scores = {law_id: 40.0 * sum(idf[t] for t in shared[law_id]) / total_idf for law_id in name_ids}
        combined = {k: text_scores.get(k, 0.0) + name_scores.get(k, 0.0) for k in set(text_scores) | set(name_scores)}
        # Decrees and rules lend part of their score to their act, which is what firms cite.
        for law_id in sorted(combined):
            entry = table.statutes.get(law_id)
            if entry is not None and entry.parent_id:
                combined[entry.parent_id] = max(combined.get(entry.parent_id, 0.0), 0.0) + 0.3 * combined[law_id]
        # General laws that many statutes cite (개인정보 보호법, 전자금융거래법, 의료법) are what a
        # complaint most often runs into: a prior from how many other statutes cite each one.
        for law_id in combined:
            entry = table.statutes.get(law_id)
            if entry is not None and entry.cited_by:
                combined[law_id] *= 1.0 + PRIOR_WEIGHT * math.log1p(entry.cited_by)
        top_ids = sorted(combined, key=lambda k: -combined[k])[: limit * 2]
        for law_id in top_ids:
            if law_id in table.statutes:
                offer(law_id, min(combined[law_id], 500.0), "text" if law_id in text_scores else "name")

    def order(item: tuple[str, tuple[float, str]]) -> tuple[float, int, str]:
        law_id, (score, _match) = item
        entry = table.statutes.get(law_id)
        return (-round(score, 6), KIND_WEIGHT.get(entry.kind if entry else "", 9), law_id)

    ranked = sorted(best.items(), key=order)[:limit]
    # One query for the statutes shown (a statute deleted since the table was loaded is skipped).
    loaded = Statute.objects.select_related("agency").defer("annexes", "pending").in_bulk([i for i, _v in ranked])
    highlighted = terms or [text.lower()]
    return [
        SearchHit(loaded[law_id], None, score, match, highlight(loaded[law_id].name, highlighted), terms=terms)
        for law_id, (score, match) in ranked
        if law_id in loaded
    ]
