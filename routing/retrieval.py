"""Implied statutes from the statute corpus itself: which law's articles does a complaint sound like?

A complaint that names no statute ("원격진료가 막혀 있어서") still uses the words of the article
that governs it (의료법 제34조 원격의료). :class:`ArticleRetriever` indexes every article of every
law (법률) — its law name, title and the start of its text — as character 2–3-grams (robust to
Korean inflection and missing spacing, no analyser needed), and scores a law by its best
matching article, times a mild prior for laws that other statutes cite often (의료법 is cited
992 times in the corpus, a pilot-zone decree hardly ever).

It uses no labels, so it can be built once and shared across cross-validation folds; it works for
rules the labelled data never mentioned.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator
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

    @classmethod
    def from_corpus(cls, path: Path | str) -> ArticleRetriever:
        """Index the articles of every law (법률) in ``statutes.jsonl.gz``."""
        return cls.build(_iter_law_rows(Path(path)))

    @classmethod
    def build(cls, rows: Iterable[dict[str, Any]]) -> ArticleRetriever:
        docs: list[str] = []
        owner: list[int] = []
        numbers: list[str] = []
        titles: list[str] = []
        law_ids: list[str] = []
        cites: Counter[str] = Counter()
        names: dict[str, str] = {}
        for row in rows:
            position = len(law_ids)
            law_ids.append(str(row["law_id"]))
            names[row["name"]] = str(row["law_id"])
            for article in row.get("articles") or ():
                text = article.get("text") or ""
                cites.update(_QUOTED.findall(text))
                if text.startswith("삭제"):
                    continue
                title = article.get("title") or ""
                docs.append(f"{row['name']} {title} {text[:_TEXT_CHARS]}")
                owner.append(position)
                numbers.append(article.get("no") or "")
                titles.append(title)
        vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 3), sublinear_tf=True, min_df=3, max_df=0.02, dtype=np.float32
        )
        matrix = vectorizer.fit_transform(docs)
        by_id = dict.fromkeys(law_ids, 0)
        for name, law_id in names.items():
            by_id[law_id] = cites.get(name, 0)
        in_degree = np.array([by_id[law_id] for law_id in law_ids], dtype=np.float32)
        prior = np.array([log_prior(int(c)) for c in in_degree], dtype=np.float32)
        return cls(
            vectorizer=vectorizer,
            matrix_t=matrix.T.tocsr(),
            article_law=np.asarray(owner, dtype=np.int32),
            article_numbers=numbers,
            article_titles=titles,
            law_ids=law_ids,
            prior=prior,
        )

    def law_scores(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(n_texts x n_laws) scores and, per cell, the index of the best article."""
        queries = self.vectorizer.transform([normalize_text(t or "")[:_QUERY_CHARS] for t in texts])
        sims = (queries @ self.matrix_t).tocsr()  # n x articles, sparse
        scores = np.zeros((len(texts), len(self.law_ids)), dtype=np.float32)
        best = np.full((len(texts), len(self.law_ids)), -1, dtype=np.int64)
        for row in range(len(texts)):
            lo, hi = sims.indptr[row], sims.indptr[row + 1]
            articles, values = sims.indices[lo:hi], sims.data[lo:hi]
            order = np.argsort(values)  # ascending: the best article of each law is written last
            laws = self.article_law[articles[order]]
            scores[row, laws] = values[order]
            best[row, laws] = articles[order]
        return scores * self.prior, best

    def top(self, text: str, k: int = 5) -> list[ArticleHit]:
        scores, best = self.law_scores([text])
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


def _iter_law_rows(path: Path) -> Iterator[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("kind") == "법률" and not row.get("role"):
                yield row


def softmax_rows(matrix: np.ndarray, temperature: float) -> np.ndarray:
    shifted = (matrix - matrix.max(axis=1, keepdims=True)) / max(temperature, 1e-6)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def log_prior(count: int) -> float:
    return 1.0 + math.log1p(count) / 8.0
