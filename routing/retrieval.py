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
SECTOR_BOOST = 2.0  # laws of Haechi's sectors are the likelier reading of a complaint filed here
_DECAY = (1.0, 0.5, 0.25)  # weights of a law's best, second and third article


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
    def from_corpus(cls, path: Path | str, *, sector_laws: Iterable[str] = ()) -> ArticleRetriever:
        """Index the articles of every law (법률) in ``statutes.jsonl.gz``."""
        return cls.build(_iter_law_rows(Path(path)), sector_laws=sector_laws)

    @classmethod
    def build(
        cls, rows: Iterable[dict[str, Any]], *, sector_laws: Iterable[str] = (), sector_boost: float = SECTOR_BOOST
    ) -> ArticleRetriever:
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
                docs.append(f"{row['name']} {row['name']} {row['name']} {title} {title} {text[:_TEXT_CHARS]}")
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
        in_sector = set(sector_laws)
        prior *= np.array([sector_boost if law_id in in_sector else 1.0 for law_id in law_ids], dtype=np.float32)
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
        """(n_texts x n_laws) scores and, per cell, the index of the best article.

        Vectorised per text: the matching articles are sorted by score, grouped by law (stable,
        so each law's best comes first) and the first three of each law added with decay.
        """
        queries = self.vectorizer.transform([normalize_text(t or "")[:_QUERY_CHARS] for t in texts])
        sims = (queries @ self.matrix_t).tocsr()  # n x articles, sparse
        scores = np.zeros((len(texts), len(self.law_ids)), dtype=np.float32)
        best = np.full((len(texts), len(self.law_ids)), -1, dtype=np.int64)
        decay = np.asarray(_DECAY, dtype=np.float32)
        for row in range(len(texts)):
            lo, hi = sims.indptr[row], sims.indptr[row + 1]
            if lo == hi:
                continue
            articles, values = sims.indices[lo:hi], sims.data[lo:hi]
            order = np.argsort(-values, kind="stable")
            articles, values = articles[order], values[order]
            laws = self.article_law[articles]
            grouped = np.argsort(laws, kind="stable")
            laws, articles, values = laws[grouped], articles[grouped], values[grouped]
            first = np.r_[True, laws[1:] != laws[:-1]]
            starts = np.flatnonzero(first)
            rank = np.arange(len(laws)) - np.repeat(starts, np.diff(np.r_[starts, len(laws)]))
            keep = rank < len(decay)
            np.add.at(scores[row], laws[keep], values[keep] * decay[rank[keep]])
            best[row, laws[first]] = articles[first]
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
