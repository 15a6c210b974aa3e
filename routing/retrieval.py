"""Implied statutes from the statute corpus itself: which law's articles does a complaint sound like?

A complaint that names no statute ("원격진료가 막혀 있어서") still uses the words of the article
that governs it (의료법 제34조 원격의료). :class:`ArticleRetriever` indexes every article of every
law (법률) — its law name (×3: the name says what the law governs), title (×2) and the start of its
text — as character 2–3-grams (robust to Korean inflection and missing spacing, no analyser
needed), and scores a law by its three best matching articles (1, ½, ¼: a law that matches in
several places beats one lucky article), times two priors that use no labels:

- laws that other statutes cite often (의료법 is cited 992 times in the corpus, a pilot-zone
  decree hardly ever);
- laws of the corpus' sector subset (the five new-industry sectors, sandbox and SME laws:
  Haechi's domain), × ``sector_boost``.

It uses no labels, so it can be built once and shared across cross-validation folds; it works for
rules the labelled data never mentioned.

``decrees=True`` also indexes each law's 시행령/시행규칙 articles under the law. Measured on
barriers-dev (session 4): the retriever's implied-statute recall@1 rose 0.347 → 0.386 but @3 fell
0.592 → 0.574 (decree articles down-weighted ×0.7: 0.371 / 0.605), and under grouped 3-fold CV the
router's figures did not move (implied statutes F1 0.385 → 0.387, agency top-1 0.672 → 0.672,
sector 0.825 → 0.819) while memory grew by ~360 MB and the build took 3× longer: off by default.

:func:`candidate_laws` is the candidate list to read: it fuses the article n-grams with the law
profiles (:class:`CorpusProfiles`) and :class:`MorphemeRetriever` (BM25 over the same articles in
kiwipiepy morphemes, plus the laws the best articles quote), each source scaled to its best law.
Measured with ``bench/routing_candidates.py`` (barriers-dev, 273 texts citing no statute, law
level): recall@3 0.587 → 0.629, @10 0.744 → 0.798, @20 0.812 → 0.841 against the article n-grams
alone. Session 7: the morpheme index reads whole articles (up to ``MORPHEME_TEXT_CHARS``, was 300)
and each law's 시행령/시행규칙 articles under the law, its title once (was twice), and weighs 0.75 in the
fusion, the quoted laws 0.3 (the weights the training folds chose, grouped 5-fold CV): fused
recall@1/3/5/10/20 0.380/0.629/0.698/0.792/0.835 → 0.371/0.642/0.750/0.810/0.840, held out under
per-fold weights 0.373/0.624/0.693/0.785/0.833 → 0.360/0.617/0.735/0.803/0.851; decree level @3/@10
0.413/0.698 → 0.429/0.778, and 0.603/0.778 when each candidate's decree or rule whose article
matched best comes first (``LawCandidate.decree``). The index grows from ~1.0 to ~2.3 M entries
(the pickled router +12 MB), its build from ~80 to ~165 CPU-seconds, and ``candidate_laws`` from
~5.6 to ~6.7 CPU-ms a text (load 9 on 2 cores). Tried in session 7 and left out (law recall,
fused): reciprocal-rank fusion instead of the weighted sum (k 10/30/60: @10 −0.006…+0.002, @3
−0.04…+0.003); a bonus for a source's first one to three laws (±0.01); the ministry profile of each
law's ministry as a prior (+0.01 @3, −0.01 @10/@20); a morpheme law profile (name, titles, purpose
article 제1조, definitions article, in BM25 per law: alone @10 0.69–0.74, fused ±0.01); decree
articles weighted ×0.7 (worse than ×1); terms in up to 5 % of the articles instead of 2 % (alone
@10 +0.035, fused ±0.01, 50 % more index). Tried before and left out: longer article text in the
character n-grams (400/1000 characters: @10 ±0.01, @3 −0.01/−0.02), decree articles in a morpheme
index of 300 characters an article (@10 +0.003; whole articles are what made the decrees pay), a
definitions article (정의) weighted up (no gain at 1.5, worse at 3 and 5), the title repeated in the
query (no gain), another sector boost or citation prior (1.5 helps @3 by 0.03 and costs @10 0.02).
kiwipiepy's ``most_similar_morphemes`` was looked at for query expansion and not used: for
드론 it returns 대함, 팰컨, 안창남 …, and it knows neither 원격진료 nor 마이데이터.

Speed (session 8; the output is unchanged to the bit, ``routing/tests/test_retrieval_reference.py``
checks it against plain implementations). scipy's sparse product clears and scans work arrays as
wide as the index (81,000 articles, 160,000 in morphemes) on every call, which cost more than the
few thousand postings a complaint touches. The article n-gram scores are now one dense pass per
query (its posting rows as a CSC matrix times its weights: the same float32 additions in the same
order as the product), each law's best article one segmented maximum over the articles in law
order, a law's best three one integer-key sort of the few laws that can still rank; a tie for a
law's best article is settled as the product listed them (``_best_articles``). The morpheme index
multiplies the query row by the index directly (no copy of the rows first; its order decides ties
at ``SCORED_ARTICLES``, so the product stays) and adds the quoted laws without sparse products;
the profiles read law and ministry columns in one pass (dense for a few texts, one product for a
batch). Measured (CPU, interleaved with the old code in one process, load 9–16 on 2 cores): the
first 300 dev texts one at a time, ``candidate_laws`` and the profiles 5.0 → 3.6 ms a text;
200 real petitions in batches of 100, article n-grams 5.7 → 3.3 ms and morphemes 3.8 → 2.9 ms a
text; bench/routing_candidates.py ``candidates`` 6.6 → 5.0 ms with the same recall.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from core.text import normalize_text

_QUOTED = re.compile(r"「([^「」]{2,80})」")
_TEXT_CHARS = 150
_QUERY_CHARS = 4_000
SECTOR_BOOST = 2.0  # laws of Haechi's sectors are the likelier reading of a complaint filed here
_DECAY = (1.0, 0.5, 0.25)  # weights of a law's best, second and third article
TITLE_REPEAT = 1  # MorphemeRetriever: times an article's title is repeated in its document
# MorphemeRetriever: how much of an article it reads, and whether each law's 시행령/시행규칙
# articles count for the law. Measured on barriers-dev (implied, the morpheme source alone, law
# recall@3/@10): 300 characters of laws only 0.527/0.699 → whole articles (up to 1,000
# characters) with the decrees' and rules' 0.557/0.746; fused (candidate_laws) see the module
# docstring. A decree holds the operational detail a complaint describes (서류, 기준, 절차).
MORPHEME_TEXT_CHARS = 1_000
MORPHEME_DECREES = True
# MorphemeRetriever: weight of a definitions article (정의). Measured on barriers-dev (implied,
# law recall@10 of the fused candidates): 1.0 and 1.5 alike (0.798), 3 and 5 worse: left at 1.
DEFINITION_BOOST = 1.0
CITING_ARTICLES = 30  # MorphemeRetriever: best articles whose quoted laws gain their score
SCORED_ARTICLES = 400  # MorphemeRetriever: a text's best-matching articles that score laws
BM25_K1, BM25_B = 1.2, 0.75
# CorpusProfiles.scores: from this many texts on, one sparse product for all (its cost per call is
# in proportion to the number of laws, shared by the rows); below, a dense pass per text.
_SPARSE_PRODUCT_ROWS = 8
MAX_DF_SHARE = 0.02  # MorphemeRetriever: terms in more articles than this share are not indexed …
MIN_DF_CAP = 50  # … unless in at most this many (a small corpus keeps its words)
# Build the MorphemeRetriever with the article retriever (ArticleRetriever.from_corpus).
MORPHEMES = True
# Index each law's 시행령/시행규칙 articles under the law (see ArticleRetriever.build).
DECREES = False


@dataclass(frozen=True)
class ArticleHit:
    law_id: str
    score: float
    article: str  # 제34조
    title: str  # 원격의료


class _DerivedAtFirstUse:
    """Arrays derived from the stored ones at first use live in ``__dict__`` under the names in
    ``_DERIVED``; they are left out when the model is saved (smaller file, rebuilt on load)."""

    _DERIVED: tuple[str, ...] = ()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        for name in self._DERIVED:
            state.pop(name, None)
        return state


@dataclass
class ArticleRetriever(_DerivedAtFirstUse):
    vectorizer: TfidfVectorizer
    matrix_t: sparse.csr_matrix  # features x articles (so a query touches only its own n-grams)
    article_law: np.ndarray  # article -> position in law_ids
    article_numbers: list[str]
    article_titles: list[str]
    law_ids: list[str]
    prior: np.ndarray  # per law

    _DERIVED = ("_segments",)  # see _law_segments
    article_statutes: list[str] | None = None  # article -> the statute holding it (a decree's own id)
    statute_names: dict[str, str] | None = None  # names of the decrees and rules whose articles are indexed
    # The same laws' articles in kiwipiepy morphemes (BM25), read by candidate_laws; None in a
    # retriever built before it existed or with morphemes=False.
    morpheme_index: MorphemeRetriever | None = None

    @classmethod
    def from_corpus(
        cls,
        path: Path | str,
        *,
        sector_laws: Iterable[str] = (),
        decrees: bool = DECREES,
        morphemes: bool = MORPHEMES,
    ) -> ArticleRetriever:
        """Index the articles of every law (법률) in ``statutes.jsonl.gz``, and with ``decrees`` the
        articles of each law's 시행령/시행규칙 under that law; with ``morphemes`` also the
        :class:`MorphemeRetriever` over the same laws (kiwipiepy: about 80 CPU-seconds more)."""
        retriever = cls.build(_iter_law_rows(Path(path), decrees=decrees), sector_laws=sector_laws)
        if morphemes:
            retriever.attach_morphemes(_iter_law_rows(Path(path), decrees=MORPHEME_DECREES))
        return retriever

    def attach_morphemes(self, rows: Iterable[dict[str, Any]]) -> None:
        """Build the morpheme index over ``rows`` (the corpus lines of this retriever's laws, and of
        their 시행령/시행규칙, whose articles count for the law)."""
        self.morpheme_index = MorphemeRetriever.build(rows, law_ids=self.law_ids, prior=self.prior)

    @classmethod
    def build(
        cls, rows: Iterable[dict[str, Any]], *, sector_laws: Iterable[str] = (), sector_boost: float = SECTOR_BOOST
    ) -> ArticleRetriever:
        """Index ``rows`` (corpus lines). A row with a ``role`` and a ``parent_law_id`` is a decree or
        rule: its articles count for its parent law (the detail of a rule often sits in the decree,
        in the decree's words), if that law is among the rows."""
        docs: list[str] = []
        owner_ids: list[str] = []
        numbers: list[str] = []
        titles: list[str] = []
        statutes: list[str] = []
        law_ids: list[str] = []
        decree_names: dict[str, str] = {}
        cites: Counter[str] = Counter()
        names: dict[str, str] = {}
        for row in rows:
            law_id = str(row["law_id"])
            parent = row.get("parent_law_id") if row.get("role") else None
            if parent:
                decree_names[law_id] = row["name"]
            else:
                law_ids.append(law_id)
                names[row["name"]] = law_id
            for article in row.get("articles") or ():
                text = article.get("text") or ""
                if not parent:  # citations between laws make the prior; decrees cite their own law
                    cites.update(_QUOTED.findall(text))
                if text.startswith("삭제"):
                    continue
                title = article.get("title") or ""
                docs.append(f"{row['name']} {row['name']} {row['name']} {title} {title} {text[:_TEXT_CHARS]}")
                owner_ids.append(str(parent) if parent else law_id)
                numbers.append(article.get("no") or "")
                titles.append(title)
                statutes.append(law_id)
        position = {law_id: i for i, law_id in enumerate(law_ids)}
        kept = [i for i, o in enumerate(owner_ids) if o in position]  # a decree whose law is not indexed
        if len(kept) < len(docs):
            docs = [docs[i] for i in kept]
            numbers = [numbers[i] for i in kept]
            titles = [titles[i] for i in kept]
            statutes = [statutes[i] for i in kept]
            owner_ids = [owner_ids[i] for i in kept]
        owner = [position[o] for o in owner_ids]
        vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 3), sublinear_tf=True, min_df=3, max_df=0.02, dtype=np.float32
        )
        matrix = vectorizer.fit_transform(docs)
        by_id = dict.fromkeys(law_ids, 0)
        for name, law_id in names.items():
            by_id[law_id] = cites.get(name, 0)
        in_degree = np.array([by_id[law_id] for law_id in law_ids], dtype=np.float32)
        prior = np.array([log_prior(int(c)) for c in in_degree], dtype=np.float32)
        in_sector = set(sector_laws)
        indexed = set(statutes)
        prior *= np.array([sector_boost if law_id in in_sector else 1.0 for law_id in law_ids], dtype=np.float32)
        return cls(
            vectorizer=vectorizer,
            matrix_t=matrix.T.tocsr(),
            article_law=np.asarray(owner, dtype=np.int32),
            article_numbers=numbers,
            article_titles=titles,
            law_ids=law_ids,
            prior=prior,
            article_statutes=statutes,
            statute_names={k: v for k, v in decree_names.items() if k in indexed},
        )

    def article_label(self, article: int) -> tuple[str, str, str]:
        """(statute id, number, title) of an indexed article; the statute is a decree or rule for
        their articles indexed under the law."""
        law = self.law_ids[int(self.article_law[article])]
        statute = self.article_statutes[article] if self.article_statutes is not None else law
        return statute, self.article_numbers[article], self.article_titles[article]

    def law_scores(
        self, texts: list[str], *, top: int | None = None, ngrams: Sequence[list[str]] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(n_texts x n_laws) scores and, per cell, the index of the best article.

        Vectorised per text: the matching articles are sorted by score, grouped by law (stable,
        so each law's best comes first) and the first three of each law added with decay.

        With ``top``, only the ``top`` best laws are exact: a law's score lies between its best
        article (× prior) and 1.75 × that, so laws whose upper bound stays below the ``top``-th
        lower bound cannot enter the first ``top`` and keep their lower bound. A complaint
        matches ~17,000 articles; this sorts a few hundred (routing one text spent most of its
        time here). ``ngrams``: the texts already cut into this vectoriser's n-grams
        (:func:`query_ngrams`), shared with :class:`CorpusProfiles`.
        """
        queries = tfidf_transform(self.vectorizer, _queries(texts), analysed=ngrams)
        n_laws = len(self.law_ids)
        scores = np.zeros((len(texts), n_laws), dtype=np.float32)
        best = np.full((len(texts), n_laws), -1, dtype=np.int64)
        decay = np.asarray(_DECAY, dtype=np.float32)
        grouping, segment_laws, segment_starts, segment_ends = self._law_segments()
        for row in range(len(texts)):
            lo, hi = queries.indptr[row], queries.indptr[row + 1]
            postings = self.matrix_t[queries.indices[lo:hi]]  # the rows of the query's n-grams, in column order
            if not postings.nnz:
                continue
            # Every article's cosine at once, densely: the same additions in the same order as the
            # sparse product query @ matrix_t (n-gram by n-gram), so the same float32 sums.
            dense = (
                sparse.csc_matrix(
                    (postings.data, postings.indices, postings.indptr), shape=(len(self.article_law), hi - lo)
                )
                @ queries.data[lo:hi]
            )
            by_law = dense if grouping is None else dense[grouping]  # each law's articles side by side
            lower = np.zeros(n_laws, dtype=np.float32)  # each law's best article
            lower[segment_laws] = np.maximum.reduceat(by_law, segment_starts)
            lower *= self.prior
            chosen = lower > 0
            if top is not None and top < n_laws:
                kth = -np.partition(-lower, top - 1)[top - 1]
                scores[row] = lower
                possible = lower * float(decay.sum()) >= kth
                scores[row, possible] = 0.0
                chosen &= possible
            segments = np.flatnonzero(chosen[segment_laws])
            lengths = segment_ends[segments] - segment_starts[segments]
            offsets = np.cumsum(lengths) - lengths
            entries = np.arange(int(lengths.sum())) - np.repeat(offsets - segment_starts[segments], lengths)
            values = by_law[entries]
            matched = values > 0
            entries, values = entries[matched], values[matched]
            articles = entries if grouping is None else grouping[entries]
            laws = self.article_law[articles]
            # By law, best article first: one stable sort of an integer key (law, then the value's
            # bits, which order like positive floats), cheaper than sorting by two keys.
            if values.dtype == np.float32:
                key = laws.astype(np.int64) << 31 | (0x7FFFFFFF - values.view(np.int32))
                grouped = np.argsort(key, kind="stable")
            else:  # a vectoriser of another dtype
                grouped = np.lexsort((-values, laws))
            laws, articles, values = laws[grouped], articles[grouped], values[grouped]
            first = np.r_[True, laws[1:] != laws[:-1]]
            starts = np.flatnonzero(first)
            rank = np.arange(len(laws)) - np.repeat(starts, np.diff(np.r_[starts, len(laws)]))
            keep = rank < len(decay)
            exact = np.zeros(n_laws, dtype=np.float32)
            np.add.at(exact, laws[keep], values[keep] * decay[rank[keep]])
            touched = laws[first]
            scores[row, touched] = exact[touched] * self.prior[touched]
            best[row, touched] = _best_articles(laws, articles, values, starts, postings.indices)
        return scores, best

    def _law_segments(self) -> tuple[np.ndarray | None, np.ndarray, np.ndarray, np.ndarray]:
        """(articles in law order, or None when they already are; the laws having articles; where
        each law's articles start and end in that order), computed once per loaded retriever."""
        cached = self.__dict__.get("_segments")
        if cached is None:
            laws = np.asarray(self.article_law)
            grouping = None if np.all(laws[1:] >= laws[:-1]) else np.argsort(laws, kind="stable")
            ordered = laws if grouping is None else laws[grouping]
            segment_laws = np.unique(ordered)
            starts = np.searchsorted(ordered, segment_laws, side="left")
            ends = np.searchsorted(ordered, segment_laws, side="right")
            cached = (grouping, segment_laws, starts, ends)
            self.__dict__["_segments"] = cached
        return cached

    def top(self, text: str, k: int = 5) -> list[ArticleHit]:
        scores, best = self.law_scores([text], top=k)
        order = np.argsort(-scores[0])[:k]
        return [
            ArticleHit(
                self.law_ids[j],
                float(scores[0, j]),
                self.article_numbers[best[0, j]],
                self.article_titles[best[0, j]],
            )
            for j in order
            if scores[0, j] > 0
        ]


def _best_articles(
    laws: np.ndarray, articles: np.ndarray, values: np.ndarray, starts: np.ndarray, traversal: np.ndarray
) -> np.ndarray:
    """The best article of each law (``starts``: where each law's group begins in ``laws``,
    ``articles``, ``values``, sorted by law, then value descending).

    When two articles of a law tie for its best value, the one chosen is the one the sparse
    product ``query @ matrix_t`` would have listed first, as the ranking always did: that product
    lists articles in the reverse order of their first appearance in ``traversal`` (the query's
    posting lists one after another), so the tied article that appears first the latest wins.
    """
    chosen = articles[starts].copy()
    following = starts + 1
    inside = following < len(laws)
    tied = np.flatnonzero(inside)
    tied = tied[
        (laws[following[inside]] == laws[starts[inside]]) & (values[following[inside]] == values[starts[inside]])
    ]
    for group in tied:
        start = starts[group]
        end = start + 1
        while end < len(laws) and laws[end] == laws[start] and values[end] == values[start]:
            end += 1
        candidates = articles[start:end]
        first_seen = [int(np.flatnonzero(traversal == article)[0]) for article in candidates]
        chosen[group] = candidates[int(np.argmax(first_seen))]
    return chosen


def _queries(texts: Sequence[str]) -> list[str]:
    return [normalize_text(t or "")[:_QUERY_CHARS] for t in texts]


def query_ngrams(vectorizer: TfidfVectorizer, texts: Sequence[str]) -> list[list[str]]:
    """The n-grams ``vectorizer`` reads from each query text (cut as the retrievers cut it)."""
    analyze = vectorizer.build_analyzer()
    return [list(analyze(doc)) for doc in _queries(texts)]


def same_analyzer(a: TfidfVectorizer, b: TfidfVectorizer) -> bool:
    """Whether two vectorisers cut a text into the same n-grams (so one cut serves both)."""
    keys = ("analyzer", "ngram_range", "lowercase", "strip_accents", "preprocessor", "tokenizer", "token_pattern")
    return all(getattr(a, k) == getattr(b, k) for k in keys)


def tfidf_transform(
    vectorizer: TfidfVectorizer, docs: Sequence[str], *, analysed: Sequence[list[str]] | None = None
) -> sparse.csr_matrix:
    """``vectorizer.transform(docs)`` without scikit-learn's per-call input validation.

    Same counts, sublinear tf, idf and L2 norm as ``TfidfVectorizer.transform``; for one short
    complaint the validation cost more than the transform itself. ``analysed``: the documents
    already cut into this vectoriser's features (one cut shared by two vectorisers).
    """
    analyze = vectorizer.build_analyzer()
    vocabulary = vectorizer.vocabulary_
    indptr = [0]
    indices: list[int] = []
    counts: list[int] = []
    for position, doc in enumerate(docs):
        counter: dict[int, int] = {}
        for feature in analysed[position] if analysed is not None else analyze(doc):
            column = vocabulary.get(feature)
            if column is not None:
                counter[column] = counter.get(column, 0) + 1
        indices.extend(counter)
        counts.extend(counter.values())
        indptr.append(len(indices))
    dtype = vectorizer.dtype
    data = np.asarray(counts, dtype=dtype)
    if vectorizer.sublinear_tf:
        np.log(data, out=data)
        data += 1.0
    columns = np.asarray(indices, dtype=np.int32)
    if vectorizer.use_idf:
        data *= vectorizer.idf_[columns].astype(dtype, copy=False)
    pointers = np.asarray(indptr, dtype=np.int32)
    if vectorizer.norm == "l2":
        rows = np.repeat(np.arange(len(docs)), np.diff(pointers))
        norms = np.sqrt(np.bincount(rows, weights=data.astype(np.float64) ** 2, minlength=len(docs)))
        norms[norms == 0] = 1.0
        data /= norms[rows].astype(dtype, copy=False)
    elif vectorizer.norm is not None:
        return vectorizer.transform(docs)
    matrix = sparse.csr_matrix((data, columns, pointers), shape=(len(docs), len(vocabulary)))
    matrix.sort_indices()
    return matrix


def _iter_law_rows(path: Path, *, decrees: bool = DECREES) -> Iterator[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            is_law = row.get("kind") == "법률" and not row.get("role")
            if is_law or (decrees and row.get("role") and row.get("parent_law_id")):
                yield row


def sector_subset_laws(path: Path | str) -> set[str]:
    """Law ids of the corpus' sector subset, with the parent law of each decree and rule in it."""
    path = Path(path)
    if not path.exists():
        return set()
    laws: set[str] = set()
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
        for line in handle:
            if line.strip():
                row = json.loads(line)
                laws.add(str(row["law_id"]))
                if row.get("parent_law_id"):
                    laws.add(str(row["parent_law_id"]))
    return laws


def softmax_rows(matrix: np.ndarray, temperature: float) -> np.ndarray:
    shifted = (matrix - matrix.max(axis=1, keepdims=True)) / max(temperature, 1e-6)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def log_prior(count: int) -> float:
    return 1.0 + math.log1p(count) / 8.0


@dataclass
class CorpusProfiles(_DerivedAtFirstUse):
    """Each law and each ministry as one document of the corpus: what it governs, in its own words.

    A law's profile is its name (×3) and every article title (원격의료, 비대면진료, 개설 …); a
    ministry's is the sum of its laws' profiles — the vocabulary of its whole field. A complaint
    is compared with both (character 2–3-grams, as the article retriever): the law profile finds
    a law whose *topics* match when no single article does, and the ministry profile points to
    the competent agency for a rule no label mentions. No labels: built once from the article
    retriever's index.
    """

    vectorizer: TfidfVectorizer
    law_matrix_t: sparse.csr_matrix  # features x laws (retriever.law_ids order)
    law_prior: np.ndarray  # the retriever's citation/sector prior, per law
    ministry_names: list[str]
    ministry_matrix_t: sparse.csr_matrix  # features x ministries

    _DERIVED = ("_both",)  # see _laws_and_ministries

    @classmethod
    def build(cls, retriever: ArticleRetriever, ministry_of: dict[str, str], names: dict[str, str]) -> CorpusProfiles:
        """``ministry_of``: law id → competent ministry (canonical); ``names``: law id → name."""
        titles: list[list[str]] = [[] for _ in retriever.law_ids]
        for article, law in enumerate(retriever.article_law):
            title = retriever.article_titles[article]
            if title:
                titles[int(law)].append(title)
        docs = [" ".join([names.get(law_id, "")] * 3 + titles[k]) for k, law_id in enumerate(retriever.law_ids)]
        vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 3), sublinear_tf=True, min_df=2, max_df=0.2, dtype=np.float32
        )
        laws = vectorizer.fit_transform(docs).tocsr()
        ministry_names = sorted({m for m in ministry_of.values() if m})
        position = {name: k for k, name in enumerate(ministry_names)}
        rows = [position[ministry_of[x]] for x in retriever.law_ids if ministry_of.get(x)]
        cols = [k for k, x in enumerate(retriever.law_ids) if ministry_of.get(x)]
        membership = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(ministry_names), len(retriever.law_ids))
        )
        ministries = (membership @ laws).tocsr()
        norms = np.sqrt(np.asarray(ministries.multiply(ministries).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        ministries = sparse.diags(1.0 / norms).astype(np.float32) @ ministries
        return cls(vectorizer, laws.T.tocsr(), retriever.prior.copy(), ministry_names, ministries.T.tocsr())

    def scores(
        self, texts: Sequence[str], *, ngrams: Sequence[list[str]] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(texts x laws) cosine × prior, and (texts x ministries) cosine (``ngrams``: see
        :meth:`ArticleRetriever.law_scores`)."""
        queries = tfidf_transform(self.vectorizer, _queries(texts), analysed=ngrams)
        both = self._laws_and_ministries()
        n_laws = self.law_matrix_t.shape[1]
        if len(texts) >= _SPARSE_PRODUCT_ROWS:  # the product's per-call cost is shared by the rows
            out = (queries @ both).toarray()
            return out[:, :n_laws] * self.law_prior, out[:, n_laws:]
        out = np.zeros((len(texts), both.shape[1]), dtype=np.result_type(queries.dtype, both.dtype))
        for row in range(len(texts)):
            lo, hi = queries.indptr[row], queries.indptr[row + 1]
            postings = both[queries.indices[lo:hi]]
            # the same additions in the same order as the sparse product query @ matrix, so the
            # same sums, straight into a dense row
            out[row] = (
                sparse.csc_matrix((postings.data, postings.indices, postings.indptr), shape=(both.shape[1], hi - lo))
                @ queries.data[lo:hi]
            )
        return out[:, :n_laws] * self.law_prior, out[:, n_laws:]

    def _laws_and_ministries(self) -> sparse.csr_matrix:
        """features x (laws, then ministries): both profiles read in one pass (built at first use)."""
        cached = self.__dict__.get("_both")
        if cached is None:
            cached = sparse.hstack([self.law_matrix_t, self.ministry_matrix_t], format="csr")
            cached.sort_indices()
            self.__dict__["_both"] = cached
        return cached


@dataclass
class MorphemeRetriever:
    """BM25 over each law's articles in kiwipiepy content morphemes (compounds split).

    The character n-grams of :class:`ArticleRetriever` match any substring, so a short common
    syllable pair (인증, 신고) pulls in the laws with the most articles; morphemes match whole
    words and their parts (배달로봇 → 배달 + 로봇) and weigh a rare word (가명처리, 전자등록) by
    its own rarity. An article is its title (× ``TITLE_REPEAT``: the title says what it rules) and
    the start of its text. A law scores by its three best articles (1, ½, ¼) times the same
    citation/sector prior as :class:`ArticleRetriever`. Index and query are analysed as
    ``regulations.search.analysis`` analyses them (the search engine's tokens), word by word; the
    router can pass the morphemes it already has instead.

    **Cited laws**: an article often names the law that really governs its matter (「전자금융거래법」
    에 따른 전자금융업자, 「신용정보의 이용 및 보호에 관한 법률」에 따른 …). The ``CITING_ARTICLES``
    best-matching articles pass their score on to the laws they quote (:meth:`scores`), which
    finds a governing law whose own articles use other words than the complaint.
    """

    vocabulary: dict[str, int]
    idf: np.ndarray  # per term
    matrix_t: sparse.csr_matrix  # terms x articles, BM25 term weights (without idf)
    article_law: np.ndarray  # article -> position in law_ids
    law_ids: list[str]
    prior: np.ndarray
    citations: sparse.csr_matrix | None = None  # articles x laws: the other laws each article quotes
    # How the index was built (an index pickled before these existed read 300 characters of laws only).
    text_chars: int = 300
    decree_articles: int = 0  # articles of 시행령/시행규칙 indexed under their law
    # article -> position in decree_ids of the 시행령/시행규칙 holding it, -1 for the law's own
    article_decree: np.ndarray | None = None
    decree_ids: list[str] | None = None

    @classmethod
    def build(
        cls,
        rows: Iterable[dict[str, Any]],
        *,
        law_ids: Sequence[str],
        prior: np.ndarray,
        text_chars: int = MORPHEME_TEXT_CHARS,
    ) -> MorphemeRetriever:
        """Index the articles of ``rows`` whose law (or, for a decree row, parent law) is in
        ``law_ids``; ``prior``: per law, in ``law_ids`` order."""
        from regulations.search.analysis import token_strings

        position = {law_id: i for i, law_id in enumerate(law_ids)}
        docs: list[str] = []
        owners: list[int] = []
        weights: list[float] = []
        quoted: list[set[str]] = []
        law_names: dict[str, int] = {}
        decree_articles = 0
        decree_of: list[int] = []
        decree_ids: dict[str, int] = {}
        for row in rows:
            parent = row.get("parent_law_id") if row.get("role") else None
            owner = position.get(str(parent or row["law_id"]))
            if owner is None:
                continue
            if not parent:
                law_names[row["name"]] = owner
            for article in row.get("articles") or ():
                text = article.get("text") or ""
                if text.startswith("삭제"):
                    continue
                title = article.get("title") or ""
                docs.append(f"{title} " * TITLE_REPEAT + text[:text_chars])
                owners.append(owner)
                decree_articles += bool(parent)
                decree_of.append(decree_ids.setdefault(str(row["law_id"]), len(decree_ids)) if parent else -1)
                weights.append(DEFINITION_BOOST if title.strip() == "정의" else 1.0)
                quoted.append(set(_QUOTED.findall(text)))
        tokens = token_strings(docs)
        vocabulary: dict[str, int] = {}
        indptr = [0]
        indices: list[int] = []
        counts: list[int] = []
        for doc in tokens:
            counter: dict[int, int] = {}
            for token in doc.split():
                column = vocabulary.setdefault(token, len(vocabulary))
                counter[column] = counter.get(column, 0) + 1
            indices.extend(counter)
            counts.extend(counter.values())
            indptr.append(len(indices))
        pointers = np.asarray(indptr, dtype=np.int64)
        tf = np.asarray(counts, dtype=np.float32)
        rows_of = np.repeat(np.arange(len(docs)), np.diff(pointers))
        lengths = np.bincount(rows_of, weights=tf, minlength=len(docs))
        avg = float(lengths.mean()) if len(docs) else 1.0
        norm = BM25_K1 * (1 - BM25_B + BM25_B * lengths / max(avg, 1.0))
        data = tf * (BM25_K1 + 1) / (tf + norm[rows_of]) * np.asarray(weights, dtype=np.float32)[rows_of]
        matrix = sparse.csr_matrix(
            (data.astype(np.float32), np.asarray(indices, dtype=np.int32), pointers),
            shape=(len(docs), len(vocabulary)),
        )
        df = np.bincount(np.asarray(indices, dtype=np.int64), minlength=len(vocabulary)).astype(np.float32)
        # A term in more than MAX_DF_SHARE of the articles (허가, 사업, 경우 …) retrieves a law only
        # by its size and costs the most to score: it is left out of the index.
        kept = np.flatnonzero(df <= max(MAX_DF_SHARE * len(docs), MIN_DF_CAP))
        terms = list(vocabulary)
        idf = np.log1p((len(docs) - df[kept] + 0.5) / (df[kept] + 0.5)).astype(np.float32)
        cite_rows: list[int] = []
        cite_cols: list[int] = []
        for article, names in enumerate(quoted):
            for name in names:
                cited = law_names.get(name)
                if cited is not None and cited != owners[article]:
                    cite_rows.append(article)
                    cite_cols.append(cited)
        citations = sparse.csr_matrix(
            (np.ones(len(cite_rows), dtype=np.float32), (cite_rows, cite_cols)), shape=(len(docs), len(law_ids))
        )
        return cls(
            vocabulary={terms[c]: k for k, c in enumerate(kept)},
            idf=idf,
            matrix_t=matrix[:, kept].T.tocsr(),
            article_law=np.asarray(owners, dtype=np.int32),
            law_ids=list(law_ids),
            prior=np.asarray(prior, dtype=np.float32),
            citations=citations,
            text_chars=text_chars,
            decree_articles=decree_articles,
            article_decree=np.asarray(decree_of, dtype=np.int32),
            decree_ids=list(decree_ids),
        )

    def query_terms(self, text: str) -> list[str]:
        """The index's tokens of ``text`` (the search engine's word-by-word analysis)."""
        from regulations.search.analysis import tokens_of

        return tokens_of(normalize_text(text or "")[:_QUERY_CHARS])

    def law_scores(self, texts: Sequence[str], *, terms: Sequence[Sequence[str]] | None = None) -> np.ndarray:
        """(n_texts x n_laws) scores; ``terms``: each text's morphemes when the caller has them."""
        return self.scores(texts, terms=terms)[0]

    def scores(
        self,
        texts: Sequence[str],
        *,
        terms: Sequence[Sequence[str]] | None = None,
        decrees: list[dict[int, str]] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(n_texts x n_laws) article scores × prior, and the same shape of cited-law scores: the
        ``CITING_ARTICLES`` best articles' scores summed over the laws each quotes, × prior.

        ``decrees``: an empty list to fill with one dict per text, law position → the 시행령 or
        시행규칙 of that law whose article matched the text best (among the best
        ``SCORED_ARTICLES``; laws none of whose decree articles did are left out). Which of a
        law's decree and rule a complaint concerns: measured on barriers-dev (63 texts citing no
        statute with a labelled decree or rule), this choice was right for 57, the decree-before-
        rule order for 45."""
        scores = np.zeros((len(texts), len(self.law_ids)), dtype=np.float32)
        cited = np.zeros_like(scores)
        decay = np.asarray(_DECAY, dtype=np.float32)
        citations = getattr(self, "citations", None)
        article_decree = getattr(self, "article_decree", None)
        decree_ids = getattr(self, "decree_ids", None) or []
        if decrees is not None:
            decrees.extend({} for _ in texts)
        for row, text in enumerate(texts):
            words = terms[row] if terms is not None else self.query_terms(text)
            columns = sorted({self.vocabulary[w] for w in (t.lower() for t in words) if w in self.vocabulary})
            if not columns:
                continue
            # the query as a sparse row over the index's terms: the product reads only the rows
            # of its terms (no copy of them first), in the same order, so the same articles come
            # out in the same order with the same sums (the order matters: the best few hundred are
            # chosen by argpartition, whose choice among equal values depends on it)
            query = sparse.csr_matrix(
                (self.idf[columns], np.asarray(columns, dtype=np.int32), np.array([0, len(columns)], dtype=np.int32)),
                shape=(1, self.matrix_t.shape[0]),
            )
            sims = query @ self.matrix_t
            articles, values = sims.indices, sims.data
            if not len(values):
                continue
            if len(values) > SCORED_ARTICLES:  # a law outside the best few hundred cannot rank
                kept = np.argpartition(-values, SCORED_ARTICLES - 1)[:SCORED_ARTICLES]
                articles, values = articles[kept], values[kept]
            laws = self.article_law[articles]
            if decrees is not None and article_decree is not None and len(decree_ids):
                from_decree = article_decree[articles]
                held = np.flatnonzero(from_decree >= 0)
                held = held[np.lexsort((-values[held], laws[held]))]  # by law, best article first
                first_of_law = np.r_[True, laws[held][1:] != laws[held][:-1]] if len(held) else held
                decrees[row] = {
                    int(law): decree_ids[int(d)]
                    for law, d in zip(laws[held][first_of_law], from_decree[held][first_of_law], strict=True)
                }
            order = np.lexsort((-values, laws))
            grouped, ordered = laws[order], values[order]
            first = np.r_[True, grouped[1:] != grouped[:-1]]
            starts = np.flatnonzero(first)
            rank = np.arange(len(grouped)) - np.repeat(starts, np.diff(np.r_[starts, len(grouped)]))
            keep = rank < len(decay)
            np.add.at(scores[row], grouped[keep], ordered[keep] * decay[rank[keep]])
            if citations is not None:
                n = min(CITING_ARTICLES, len(values))
                best = np.argpartition(-values, n - 1)[:n]
                _add_rows(cited[row], citations, articles[best], values[best])
        return scores * self.prior, cited * self.prior


def _add_rows(out: np.ndarray, matrix: sparse.csr_matrix, rows: np.ndarray, weights: np.ndarray) -> None:
    """``out += weights @ matrix[rows]`` in ``out``'s dtype, adding row by row in the order given
    (what the sparse product does, so the sums are the same to the bit), without building the
    row selection and the product as sparse matrices (each costs more than the few additions)."""
    starts = matrix.indptr[rows]
    lengths = matrix.indptr[rows + 1] - starts
    if not lengths.sum():
        return
    offsets = np.cumsum(lengths) - lengths
    entries = np.arange(int(lengths.sum())) - np.repeat(offsets - starts, lengths)
    np.add.at(out, matrix.indices[entries], (np.repeat(weights, lengths) * matrix.data[entries]).astype(out.dtype))


@dataclass(frozen=True)
class LawCandidate:
    """One law a text may be governed by, fused from the label-free sources.

    ``score`` orders the candidates; the three source scores (each relative to that source's
    best law for the text, 0 when the source did not retrieve the law) are features a ranker
    can weigh on its own.
    """

    law_id: str
    score: float  # fused, relative to the text's best candidate (1.0)
    article: str  # the best matching article's number ("" when no article matched)
    title: str
    statute: str  # the statute holding that article (the law, or its decree/rule when indexed)
    articles: float = 0.0  # ArticleRetriever (character n-grams), relative
    profile: float = 0.0  # CorpusProfiles law profile, relative
    morphemes: float = 0.0  # MorphemeRetriever (kiwipiepy BM25), relative
    cited: float = 0.0  # quoted by the best-matching articles (MorphemeRetriever.scores), relative
    strength: float = 0.0  # the absolute article n-gram score (× prior): how well anything matched
    # the law's 시행령/시행규칙 whose article matched best in morphemes ("" when none did): which of
    # the law's decree and rule the text concerns (MorphemeRetriever.scores)
    decree: str = ""


# Weights of the sources next to the article n-grams (1.0): the sum of each source's score
# relative to its best law for the text. The weights the training folds of grouped 5-fold CV chose
# (texts citing no statute, recall@3 + recall@10; bench/routing_candidates.py --cv): profile 0.5 in
# three folds of five, morphemes 0.75 in three, quoted laws 0.3 in four.
PROFILE_WEIGHT = 0.5
MORPHEME_WEIGHT = 0.75
CITATION_WEIGHT = 0.3


def candidate_laws(
    retriever: ArticleRetriever,
    texts: Sequence[str],
    *,
    profiles: CorpusProfiles | None = None,
    k: int = 20,
    ngrams: Sequence[list[str]] | None = None,
    profile_ngrams: Sequence[list[str]] | None = None,
    terms: Sequence[Sequence[str]] | None = None,
    profile_scores: np.ndarray | None = None,
) -> list[list[LawCandidate]]:
    """The ``k`` likeliest laws per text, best first, from the statute corpus alone (no labels).

    Four views of the corpus, each scored per law and scaled to the text's best law, then summed
    with weights: the article character n-grams (:meth:`ArticleRetriever.law_scores`, 1), the law
    profile (name and article titles, :class:`CorpusProfiles`, when given, ``PROFILE_WEIGHT``), the
    articles in kiwipiepy morphemes and the laws those articles quote (:class:`MorphemeRetriever`,
    when the retriever has one, ``MORPHEME_WEIGHT`` and ``CITATION_WEIGHT``). ``ngrams``/``profile_ngrams``: the
    texts already cut for the retriever / profiles (:func:`query_ngrams`); ``terms``: each text's
    content morphemes (``core.korean.content_morphemes``, which the router already has), else the
    morpheme index analyses the texts itself; ``profile_scores``: the law half of
    ``profiles.scores(texts)`` when the caller computed it already (it also wants the ministries).
    """
    texts = list(texts)
    if not texts:
        return []
    depth = min(k, len(retriever.law_ids))  # laws past the first k keep their best article's score
    scores, best = retriever.law_scores(texts, top=depth, ngrams=ngrams)
    article_part = _relative(scores)
    fused = article_part.copy()
    profile_part = morpheme_part = cited_part = None
    if profile_scores is None and profiles is not None:
        profile_scores, _ministries = profiles.scores(texts, ngrams=profile_ngrams)
    if profile_scores is not None:
        profile_part = _relative(np.asarray(profile_scores, dtype=np.float32))
        fused += PROFILE_WEIGHT * profile_part
    index = getattr(retriever, "morpheme_index", None)
    decrees: list[dict[int, str]] = []
    if index is not None:
        own, cited = index.scores(texts, terms=terms, decrees=decrees)
        morpheme_part, cited_part = _relative(own), _relative(cited)
        fused += MORPHEME_WEIGHT * morpheme_part + CITATION_WEIGHT * cited_part
    out: list[list[LawCandidate]] = []
    for row in range(len(texts)):
        values = fused[row]
        n = min(k, len(values))
        order = np.argpartition(-values, n - 1)[:n]
        order = order[np.argsort(-values[order], kind="stable")]
        top = float(values[order[0]]) if n else 0.0
        found: list[LawCandidate] = []
        for j in order:
            if values[j] <= 0 or top <= 0:
                continue
            law_id = retriever.law_ids[j]
            article = int(best[row, j])
            statute, number, title = retriever.article_label(article) if article >= 0 else (law_id, "", "")
            found.append(
                LawCandidate(
                    law_id,
                    float(values[j]) / top,
                    number,
                    title,
                    statute,
                    articles=float(article_part[row, j]),
                    profile=float(profile_part[row, j]) if profile_part is not None else 0.0,
                    morphemes=float(morpheme_part[row, j]) if morpheme_part is not None else 0.0,
                    cited=float(cited_part[row, j]) if cited_part is not None else 0.0,
                    strength=float(scores[row, j]),
                    decree=decrees[row].get(int(j), "") if decrees else "",
                )
            )
        out.append(found)
    return out


def _relative(matrix: np.ndarray) -> np.ndarray:
    top = matrix.max(axis=1, keepdims=True)
    top[top <= 0] = 1.0
    return matrix / top
