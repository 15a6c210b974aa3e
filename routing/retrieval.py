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
# Index each law's 시행령/시행규칙 articles under the law (see ArticleRetriever.build).
DECREES = False


@dataclass(frozen=True)
class ArticleHit:
    law_id: str
    score: float
    article: str  # 제34조
    title: str  # 원격의료


@dataclass
class ArticleRetriever:
    vectorizer: TfidfVectorizer
    matrix_t: sparse.csr_matrix  # features x articles (so a query touches only its own n-grams)
    article_law: np.ndarray  # article -> position in law_ids
    article_numbers: list[str]
    article_titles: list[str]
    law_ids: list[str]
    prior: np.ndarray  # per law

    article_statutes: list[str] | None = None  # article -> the statute holding it (a decree's own id)
    statute_names: dict[str, str] | None = None  # names of the decrees and rules whose articles are indexed

    @classmethod
    def from_corpus(
        cls, path: Path | str, *, sector_laws: Iterable[str] = (), decrees: bool = DECREES
    ) -> ArticleRetriever:
        """Index the articles of every law (법률) in ``statutes.jsonl.gz``, and with ``decrees`` the
        articles of each law's 시행령/시행규칙 under that law."""
        return cls.build(_iter_law_rows(Path(path), decrees=decrees), sector_laws=sector_laws)

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
        sims = (queries @ self.matrix_t).tocsr()  # n x articles, sparse
        scores = np.zeros((len(texts), len(self.law_ids)), dtype=np.float32)
        best = np.full((len(texts), len(self.law_ids)), -1, dtype=np.int64)
        decay = np.asarray(_DECAY, dtype=np.float32)
        for row in range(len(texts)):
            lo, hi = sims.indptr[row], sims.indptr[row + 1]
            if lo == hi:
                continue
            articles, values = sims.indices[lo:hi], sims.data[lo:hi]
            laws = self.article_law[articles]
            if top is not None and top < len(self.law_ids):
                lower = np.zeros(len(self.law_ids), dtype=np.float32)
                np.maximum.at(lower, laws, values)
                lower *= self.prior
                kth = -np.partition(-lower, top - 1)[top - 1]
                scores[row] = lower
                possible = lower * float(decay.sum()) >= kth
                keep_articles = possible[laws]
                articles, values, laws = articles[keep_articles], values[keep_articles], laws[keep_articles]
                scores[row, possible] = 0.0
            order = np.argsort(-values, kind="stable")
            articles, values, laws = articles[order], values[order], laws[order]
            grouped = np.argsort(laws, kind="stable")
            laws, articles, values = laws[grouped], articles[grouped], values[grouped]
            first = np.r_[True, laws[1:] != laws[:-1]]
            starts = np.flatnonzero(first)
            rank = np.arange(len(laws)) - np.repeat(starts, np.diff(np.r_[starts, len(laws)]))
            keep = rank < len(decay)
            exact = np.zeros(len(self.law_ids), dtype=np.float32)
            np.add.at(exact, laws[keep], values[keep] * decay[rank[keep]])
            touched = laws[first]
            scores[row, touched] = exact[touched] * self.prior[touched]
            best[row, touched] = articles[first]
        return scores, best

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
class CorpusProfiles:
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
        laws = np.asarray((queries @ self.law_matrix_t).todense()) * self.law_prior
        ministries = np.asarray((queries @ self.ministry_matrix_t).todense())
        return laws, ministries
