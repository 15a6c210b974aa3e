"""Candidate retrieval in the database's own full-text machinery (SQLite FTS5, PostgreSQL GIN).

Both backends answer the same question in the same way so results agree across databases: for
each query term, which rows contain it (FTS5 ``MATCH`` / ``@@``), summed as integer term
weights (``UNION ALL`` + ``GROUP BY``), best first. The final ordering (BM25 over the candidates,
name matches first) is computed in Python by ``regulations.search.engine``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from regulations.search.names import forget_names
from regulations.search.schema import ARTICLE_FTS, STATUTE_FTS


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

    def article_ids(self) -> tuple[str, list[Any]]:
        """``SELECT id`` of the articles these filters allow (statute ids go through the index)."""
        if self.law_ids and not (self.kind or self.agency_id is not None or self.sector_code):
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


def article_candidates(*, weighted_terms: list[tuple[str, int]], filters: Filters, limit: int) -> list[tuple[int, int]]:
    """(article id, summed weight) of articles containing any of the terms, best first."""
    if not weighted_terms:
        return []
    table = ARTICLE_FTS if connection.vendor == "sqlite" else "regulations_article"
    union_sql, params = _union(table, "id", weighted_terms)
    # Filters restrict the matched ids through a subquery evaluated once, rather than a join per
    # matched row (which costs more than the full-text lookups themselves).
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


def article_tokens(ids: list[int]) -> list[tuple[int, str, int, str, str]]:
    """(id, statute id, position, tokens, title tokens) of the given articles."""
    if not ids:
        return []
    sql = (
        "SELECT id, statute_id, position, tokens, title_tokens FROM regulations_article"
        f" WHERE id IN ({', '.join(['%s'] * len(ids))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        return [tuple(row) for row in cursor.fetchall()]  # type: ignore[misc]


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
