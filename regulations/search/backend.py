"""Candidate retrieval in the database's own full-text machinery (SQLite FTS5, PostgreSQL GIN).

Both backends answer the same question in the same way so results agree across databases: for
each query term, which rows contain it, summed as integer term weights, best first. Articles:
SQLite asks FTS5 (``MATCH``); PostgreSQL reads the term's postings kept in ``SearchTerm`` (see
``article_candidates``). Statutes: FTS5 / GIN (``@@``). The final ordering (BM25 over the
candidates, name matches first) is computed in Python by ``regulations.search.engine``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection

from regulations.search.corpus import corpus_table
from regulations.search.names import forget_names, name_table
from regulations.search.schema import ARTICLE_FTS, STATUTE_FTS

# ``SearchTerm.article_ids``: ascending article ids, little-endian int64.
POSTING_DTYPE = np.dtype("<i8")


def encode_postings(ids: Sequence[int]) -> bytes:
    """``SearchTerm.article_ids`` of the articles ``ids`` (any order)."""
    return np.unique(np.asarray(ids, dtype=POSTING_DTYPE)).tobytes()


@dataclass(frozen=True)
class Filters:
    kind: str | None = None
    agency_id: int | None = None
    sector_code: str | None = None
    law_ids: tuple[str, ...] = field(default_factory=tuple)

    def where(self, alias: str = "s") -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if self.kind:
            clauses.append(f"{alias}.kind = %s")
            params.append(self.kind)
        if self.agency_id is not None:
            clauses.append(f"{alias}.agency_id = %s")
            params.append(self.agency_id)
        if self.sector_code:
            clauses.append(
                "EXISTS (SELECT 1 FROM regulations_statute_sectors ss JOIN firms_sector fs ON fs.id = ss.sector_id"
                f" WHERE ss.statute_id = {alias}.law_id AND fs.code = %s)"
            )
            params.append(self.sector_code)
        if self.law_ids:
            clauses.append(f"{alias}.law_id IN ({', '.join(['%s'] * len(self.law_ids))})")
            params.extend(self.law_ids)
        return (" AND ".join(clauses) or "1 = 1"), params

    @property
    def empty(self) -> bool:
        return not (self.kind or self.agency_id is not None or self.sector_code or self.law_ids)

    def allowed_law_ids(self) -> frozenset[str]:
        """Ids of the statutes these filters allow: kind and ministry from the name table, the
        sector's statutes in one query, named statutes as given."""
        allowed = name_table().of_kind_and_agency(self.kind, self.agency_id)
        if self.law_ids:
            allowed = allowed.intersection(self.law_ids)
        if self.sector_code:
            from regulations.models import Statute

            in_sector = Statute.sectors.through.objects.filter(sector__code=self.sector_code).values_list(
                "statute_id", flat=True
            )
            allowed = allowed.intersection(in_sector)
        return allowed

    @property
    def law_ids_only(self) -> bool:
        """Only named statutes are allowed (a few thousand articles at most)."""
        return bool(self.law_ids) and not (self.kind or self.agency_id is not None or self.sector_code)

    def article_ids(self) -> tuple[str, list[Any]]:
        """``SELECT id`` of the articles these filters allow (statute ids go through the index)."""
        if self.law_ids_only:
            marks = ", ".join(["%s"] * len(self.law_ids))
            return f"SELECT id FROM regulations_article WHERE statute_id IN ({marks})", list(self.law_ids)
        where, params = self.where("s")
        return (
            "SELECT a.id FROM regulations_article a JOIN regulations_statute s ON s.law_id = a.statute_id"
            f" WHERE {where}",
            params,
        )


def _term_match(table: str, id_column: str, term: str) -> tuple[str, list[Any]]:
    """One ``SELECT id, weight`` branch matching rows that contain ``term``."""
    if connection.vendor == "sqlite":
        # The phrase form "..." with doubled quotes is FTS5's literal; terms are \w-only anyway.
        literal = '"' + term.replace('"', '""') + '"'
        return f"SELECT rowid AS id, %s AS w FROM {table} WHERE {table} MATCH %s", [literal]
    return (
        f"SELECT {id_column} AS id, %s AS w FROM {table} WHERE search_vector @@ to_tsquery('simple'::regconfig, %s)",
        [term],
    )


def _union(table: str, id_column: str, weighted_terms: list[tuple[str, int]]) -> tuple[str, list[Any]]:
    parts: list[str] = []
    params: list[Any] = []
    for term, weight in weighted_terms:
        sql, term_params = _term_match(table, id_column, term)
        parts.append(sql)
        params.extend([int(weight), *term_params])
    return " UNION ALL ".join(parts), params


def article_candidates(
    *, weighted_terms: list[tuple[str, int]], filters: Filters, limit: int, postings: Postings | None = None
) -> list[tuple[int, int]]:
    """(article id, summed weight) of articles containing any of the terms, best first (ties by id).

    Both databases read the terms' postings (``SearchTerm.article_ids``, written with the term
    statistics by the importer) in one primary-key lookup per term, and sum them with numpy. On
    PostgreSQL the GIN index only names heap rows: each of the up to 20,000 matches was a visit to
    a wide article row (a 400 MB heap, three times the default ``shared_buffers``) and a recheck of
    its ``tsvector``, 110-250 ms a query against 5-15 ms from the postings. On SQLite the postings
    take a third of the FTS5 lookups' time. Same candidates either way (checked on the benchmark
    queries). ``postings`` already read (``term_postings``) are used rather than read again.

    Statistics built before the postings existed fall back to the full-text index. SQLite: one
    statement returns, per term, the ids of the articles containing it as one space-separated
    string (``group_concat``), summed with numpy (``UNION ALL`` + ``GROUP BY`` + ``ORDER BY``
    sorted the up to 20,000 matched rows and cost five times the FTS5 lookups themselves).
    PostgreSQL sums the GIN matches in SQL.
    """
    if not weighted_terms:
        return []
    if postings is not None and all(term in postings.ids for term, _weight in weighted_terms):
        return _best_of_postings(postings, weighted_terms, filters, limit)
    found = _from_postings(weighted_terms, filters, limit)
    if found is not None:
        return found
    if connection.vendor != "sqlite":
        return _summed_in_sql(weighted_terms, filters, limit)
    # The phrase form "..." with doubled quotes is FTS5's literal; terms are \w-only anyway.
    match = f"AS id FROM {ARTICLE_FTS} WHERE {ARTICLE_FTS} MATCH %s"
    parts = [f"SELECT {k} AS k, rowid {match}" for k in range(len(weighted_terms))]
    params: list[Any] = ['"' + term.replace('"', '""') + '"' for term, _weight in weighted_terms]
    if filters.empty:
        # One aggregate per term: no sort of the matched rows at all.
        sql = " UNION ALL ".join(f"SELECT {k}, group_concat(m.id, ' ') FROM ({part}) m" for k, part in enumerate(parts))
    else:
        # Filters restrict the matched ids through one subquery evaluated once, rather than a join
        # per matched row or a subquery per term (which SQLite turns into a lookup per article).
        where, where_params = filters.article_ids()
        sql = (
            f"SELECT m.k, group_concat(m.id, ' ') FROM ({' UNION ALL '.join(parts)}) m"
            f" WHERE m.id IN ({where}) GROUP BY m.k"
        )
        params.extend(where_params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    matched = {int(index): np.array(joined.split(), dtype=np.int64) for index, joined in rows if joined}
    lists = [(matched[k], weight) for k, (_t, weight) in enumerate(weighted_terms) if k in matched]
    return _best(lists, None, limit)


def _best(
    postings: list[tuple[np.ndarray, int]], allow: Callable[[np.ndarray], np.ndarray] | None, limit: int
) -> list[tuple[int, int]]:
    """Sum the weights of each article over the terms' ``(ids, weight)``; the ``limit`` best
    (ties by id), among the ids ``allow`` (ascending ids → boolean mask) keeps when given."""
    postings = [(ids, weight) for ids, weight in postings if len(ids)]
    if not postings:
        return []
    ids = np.concatenate([ids for ids, _w in postings])
    weights = np.concatenate([np.full(len(ids), int(w), dtype=np.int64) for ids, w in postings])
    unique, inverse = np.unique(ids, return_inverse=True)
    scores = np.bincount(inverse, weights=weights).astype(np.int64)
    if allow is not None:
        keep = allow(unique)
        unique, scores = unique[keep], scores[keep]
    best = np.lexsort((unique, -scores))[: int(limit)]
    return [(int(unique[i]), int(scores[i])) for i in best]


@dataclass(frozen=True)
class Postings:
    """The stored postings of some terms: term → ascending article ids."""

    ids: dict[str, np.ndarray]


def term_postings(terms: Sequence[str]) -> Postings | None:
    """``SearchTerm.article_ids`` of ``terms`` in one primary-key lookup; None when a term has
    none stored (statistics from before the postings: the full-text index answers instead)."""
    wanted = list(dict.fromkeys(terms))
    if not wanted:
        return Postings({})
    if connection.vendor == "postgresql":
        rows = _binary_rows("SELECT token, article_ids FROM regulations_searchterm WHERE token = ANY(%s)", [wanted])
    else:
        marks = ", ".join(["%s"] * len(wanted))
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT token, article_ids FROM regulations_searchterm WHERE token IN ({marks})", wanted)
            rows = cursor.fetchall()
    if len(rows) < len(wanted) or any(blob is None for _token, blob in rows):
        return None
    return Postings({str(token): np.frombuffer(bytes(blob), dtype=POSTING_DTYPE) for token, blob in rows})


def _binary_rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """PostgreSQL rows in binary format: ``bytea`` arrives as bytes instead of hex text (half the
    transfer, no decoding: a third of a candidate fetch's time) and a list parameter is sent as
    one array (no placeholder per id to interpolate). Django's own cursors bind client-side, in
    text; this cursor binds on the server, on Django's connection (same transaction)."""
    import psycopg

    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, binary=True)
        return cursor.fetchall()


def _from_postings(weighted_terms: list[tuple[str, int]], filters: Filters, limit: int) -> list[tuple[int, int]] | None:
    """``article_candidates`` from ``SearchTerm.article_ids``; None when a term has none stored."""
    postings = term_postings([term for term, _weight in weighted_terms])
    if postings is None:
        return None
    return _best_of_postings(postings, weighted_terms, filters, limit)


def _best_of_postings(
    postings: Postings, weighted_terms: list[tuple[str, int]], filters: Filters, limit: int
) -> list[tuple[int, int]]:
    lists = [(postings.ids[term], weight) for term, weight in weighted_terms if term in postings.ids]
    if filters.empty:
        return _best(lists, None, limit)
    # The filters are checked on the matched ids in memory (each article's statute from the corpus
    # table, kind and ministry from the name table): a kind such as 법률 allows 85,000 articles,
    # and probing the matched ids in SQL took 60-110 ms of server time a query on PostgreSQL.
    law_ids = filters.allowed_law_ids()
    table = corpus_table()
    return _best(lists, lambda ids: table.in_statutes(ids, law_ids), limit)


def _summed_in_sql(weighted_terms: list[tuple[str, int]], filters: Filters, limit: int) -> list[tuple[int, int]]:
    union_sql, params = _union("regulations_article", "id", weighted_terms)
    where, where_params = ("", []) if filters.empty else filters.article_ids()
    sql = (
        f"SELECT m.id, SUM(m.w) AS score FROM ({union_sql}) m"
        + (f" WHERE m.id IN ({where})" if where else "")
        + " GROUP BY m.id ORDER BY score DESC, m.id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *where_params, int(limit)])
        return [(int(row[0]), int(row[1])) for row in cursor.fetchall()]


def term_frequencies(tokens: list[str]) -> dict[str, int]:
    """Document frequency of each known token (``SearchTerm``), in one query without the ORM."""
    marks = ", ".join(["%s"] * len(tokens))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token, df FROM regulations_searchterm WHERE token IN ({marks})", tokens)
        return {str(token): int(df) for token, df in cursor.fetchall()}


def article_tokens(ids: list[int]) -> list[tuple[int, str, int, bytes | None, str, str]]:
    """(id, statute id, position, token ids, title tokens, tokens) of the given articles; the
    token text only for an article without token ids (analysed before they existed)."""
    if not ids:
        return []
    columns = (
        "SELECT id, statute_id, position, token_ids, title_tokens,"
        " CASE WHEN token_ids IS NULL THEN tokens ELSE '' END FROM regulations_article"
    )
    if connection.vendor == "postgresql":
        rows = _binary_rows(f"{columns} WHERE id = ANY(%s::bigint[])", [list(ids)])
    else:
        with connection.cursor() as cursor:
            cursor.execute(f"{columns} WHERE id IN ({', '.join(['%s'] * len(ids))})", ids)
            rows = cursor.fetchall()
    return [
        (int(pk), str(law_id), int(position), None if blob is None else bytes(blob), title, tokens)
        for pk, law_id, position, blob, title, tokens in rows
    ]


def statute_candidates(*, terms: list[str], filters: Filters, limit: int) -> list[tuple[str, int]]:
    """(law_id, number of query terms in the name or an alias) for statutes matching any term."""
    if not terms:
        return []
    weighted = [(term, 1) for term in terms]
    if connection.vendor == "sqlite":
        union_sql, params = _union(STATUTE_FTS, "law_id", weighted)
        union_sql = union_sql.replace("SELECT rowid AS id", "SELECT law_id AS id")
    else:
        union_sql, params = _union("regulations_statute", "law_id", weighted)
    where, where_params = filters.where("s")
    sql = (
        f"SELECT m.id, SUM(m.w) AS score FROM ({union_sql}) m"
        + ("" if filters.empty else f" WHERE m.id IN (SELECT s.law_id FROM regulations_statute s WHERE {where})")
        + " GROUP BY m.id ORDER BY score DESC, m.id LIMIT %s"
    )
    if filters.empty:
        where_params = []
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *where_params, int(limit)])
        return [(str(row[0]), int(row[1])) for row in cursor.fetchall()]


def rebuild_statute_index() -> None:
    """Refill the SQLite statute name index from ``Statute.name_tokens`` (PostgreSQL: generated),
    and make every process reload its in-memory name table."""
    forget_names()
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {STATUTE_FTS}")
        cursor.execute(
            f"INSERT INTO {STATUTE_FTS}(law_id, name_tokens) SELECT law_id, name_tokens FROM regulations_statute"
        )
