"""What every search needs of the whole corpus, held once per process: the term statistics and
each article's statute.

Every article search asked the database for its terms' document frequencies (one round trip) and,
with a kind, ministry or sector filter, which of the up to 20,000 matched articles the filter
allows (a join of the article and statute tables probing every matched id: 60-110 ms on
PostgreSQL for a large kind such as 법률). Both answers are small enough to keep in memory: the
term → document-frequency map (47,000 terms on the full corpus) and an ``article id → statute``
array (204,000 articles, two int32 arrays). Filters then become a numpy mask over the matched ids,
with the statutes' kind and ministry taken from the name table.

Memory on the full corpus: 9 MB (1.6 MB of arrays, the rest the term map's Python strings;
``CorpusTable.nbytes``, checked with tracemalloc), loaded with 0.8 CPU-seconds (17 MB peak) by
the first search of a process. The table is reloaded when the corpus changes: the importer calls ``forget_corpus``
after writing articles and after rebuilding the term statistics; the version lives in Django's
cache, so processes sharing it follow at once, others within ``TABLE_TTL``. A stale table can
only miss articles added since it was loaded (they fail a filter until the reload) and weigh
terms with slightly old frequencies.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import numpy as np
from django.db import connection

from regulations.models import Article, SearchTerm
from regulations.search.process_table import ProcessTable

TABLE_TTL = 300  # seconds a process may use its table without seeing another process's change
_VERSION_KEY = "regulations:corpus-table-version"
DOCS_KEY = "#docs"
TOKENS_KEY = "#tokens"
MASK_CACHE = 64  # statute masks kept per table (one per kind / ministry / sector filter in use)


@dataclass(frozen=True)
class CorpusTable:
    """Term statistics and the statute of every article, by article id."""

    docs: int
    avg_len: float
    df: dict[str, int]
    article_ids: np.ndarray  # ascending article ids (int64)
    statute_slots: np.ndarray  # index into ``law_ids`` of each article's statute (int32)
    law_ids: tuple[str, ...]
    slot_of: dict[str, int]  # statute id → its index in ``law_ids``
    _masks: dict[frozenset[str], np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def load(cls) -> CorpusTable:
        # One row per statute with its article ids as text: 5,600 rows to build instead of 204,000
        # tuples (a fifth of the time, a quarter of the peak memory).
        joined = "group_concat(id, ' ')" if connection.vendor == "sqlite" else "string_agg(id::text, ' ')"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT token, df FROM {SearchTerm._meta.db_table}")
            df = {str(token): int(count) for token, count in cursor.fetchall()}
            cursor.execute(
                f"SELECT statute_id, {joined} FROM {Article._meta.db_table} GROUP BY statute_id ORDER BY statute_id"
            )
            rows = cursor.fetchall()
        docs = max(df.pop(DOCS_KEY, 0), 1)
        total = df.pop(TOKENS_KEY, 0)
        law_ids = tuple(str(law_id) for law_id, _ids in rows)
        per_statute = [np.array(ids.split(), dtype=np.int64) for _law_id, ids in rows]
        ids = np.concatenate(per_statute) if per_statute else np.zeros(0, dtype=np.int64)
        slots = np.repeat(np.arange(len(law_ids), dtype=np.int32), [len(a) for a in per_statute])
        order = np.argsort(ids, kind="stable")
        return cls(
            docs=docs,
            avg_len=max(total / docs, 1.0),
            df=df,
            article_ids=ids[order],
            statute_slots=slots[order],
            law_ids=law_ids,
            slot_of={law_id: slot for slot, law_id in enumerate(law_ids)},
        )

    @property
    def nbytes(self) -> int:
        """Approximate memory held (arrays plus the term map's strings and entries)."""
        strings = sum(sys.getsizeof(term) for term in self.df) + sys.getsizeof(self.df)
        return int(self.article_ids.nbytes + self.statute_slots.nbytes + strings + 28 * len(self.df))

    def in_statutes(self, ids: np.ndarray, law_ids: frozenset[str]) -> np.ndarray:
        """Boolean mask: which of ``ids`` (ascending) are articles of one of ``law_ids``; ids this
        table does not know (added since it was loaded) are left out."""
        if not len(ids) or not law_ids or not len(self.article_ids):
            return np.zeros(len(ids), dtype=bool)
        wanted = self._statute_mask(law_ids)
        at = np.minimum(np.searchsorted(self.article_ids, ids), len(self.article_ids) - 1)
        slots = np.where(self.article_ids[at] == ids, self.statute_slots[at], len(self.law_ids))
        return wanted[slots]

    def _statute_mask(self, law_ids: frozenset[str]) -> np.ndarray:
        """Boolean mask over statute slots (one extra slot for unknown articles, never set); the
        name table hands out one set per kind and ministry, so the masks are kept (a few dozen)."""
        mask = self._masks.get(law_ids)
        if mask is None:
            mask = np.zeros(len(self.law_ids) + 1, dtype=bool)
            slots = [self.slot_of[law_id] for law_id in law_ids if law_id in self.slot_of]
            mask[np.asarray(slots, dtype=np.int64)] = True
            if len(self._masks) >= MASK_CACHE:
                self._masks.clear()
            self._masks[law_ids] = mask
        return mask


_corpus: ProcessTable[CorpusTable] = ProcessTable(version_key=_VERSION_KEY, load=CorpusTable.load, ttl=TABLE_TTL)


def corpus_table() -> CorpusTable:
    """This process's corpus table, reloaded when the corpus has changed."""
    return _corpus.get()


def forget_corpus() -> None:
    """Make every process reload its corpus table (after articles or term statistics changed):
    now, and again once the transaction commits, since another process may reload the old
    corpus in between."""
    _corpus.forget()
