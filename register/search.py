"""Korean search over published barriers, the same way on SQLite and PostgreSQL.

Following ``regulations.search``: the redacted text is analysed once, at publication, into
kiwipiepy morphemes (``Publication.search_tokens``, word characters only, so nothing a user types
reaches FTS5 or tsquery syntax). SQLite indexes them with an FTS5 external-content table kept in
sync by triggers; PostgreSQL with a stored generated ``tsvector`` ('simple': the morphemes are
already analysed) under a GIN index. A query is analysed with the same function and every one of
its morphemes must occur (AND), on both databases.

Django's SQLite schema editor rebuilds a table when some of its fields change, which drops the
triggers: a later migration that alters ``Publication`` must run ``install`` again.
"""

from __future__ import annotations

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.db.models.expressions import RawSQL

from regulations.search.analysis import query_terms, token_string

FTS = "register_publication_fts"
TABLE = "register_publication"

_SQLITE = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(
        search_tokens, content='{TABLE}', content_rowid='id', tokenize='unicode61 remove_diacritics 0')""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_ai AFTER INSERT ON {TABLE} BEGIN
        INSERT INTO {FTS}(rowid, search_tokens) VALUES (new.id, new.search_tokens); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_ad AFTER DELETE ON {TABLE} BEGIN
        INSERT INTO {FTS}({FTS}, rowid, search_tokens) VALUES ('delete', old.id, old.search_tokens); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_au AFTER UPDATE OF search_tokens ON {TABLE} BEGIN
        INSERT INTO {FTS}({FTS}, rowid, search_tokens) VALUES ('delete', old.id, old.search_tokens);
        INSERT INTO {FTS}(rowid, search_tokens) VALUES (new.id, new.search_tokens); END""",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
]
_SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {FTS}_ai",
    f"DROP TRIGGER IF EXISTS {FTS}_ad",
    f"DROP TRIGGER IF EXISTS {FTS}_au",
    f"DROP TABLE IF EXISTS {FTS}",
]
_POSTGRES = [
    f"""ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS search_vector tsvector
        GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_tokens)) STORED""",
    f"CREATE INDEX IF NOT EXISTS register_publication_search ON {TABLE} USING gin (search_vector)",
]
_POSTGRES_DROP = [
    "DROP INDEX IF EXISTS register_publication_search",
    f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS search_vector",
]


def _statements(vendor: str, *, drop: bool = False) -> list[str]:
    if vendor == "sqlite":
        return _SQLITE_DROP if drop else _SQLITE
    if vendor == "postgresql":
        return _POSTGRES_DROP if drop else _POSTGRES
    raise NotImplementedError(f"the register's search does not support the {vendor!r} database")


def install(conn: BaseDatabaseWrapper) -> None:
    """Create the full-text structures (idempotent; SQLite re-reads every row)."""
    with conn.cursor() as cursor:
        for sql in _statements(conn.vendor):
            cursor.execute(sql)


def uninstall(conn: BaseDatabaseWrapper) -> None:
    with conn.cursor() as cursor:
        for sql in _statements(conn.vendor, drop=True):
            cursor.execute(sql)


def index_tokens(*texts: str) -> str:
    """The stored search tokens of a publication (call only with redacted text)."""
    return " ".join(token for token in (token_string(text) for text in texts if text) if token)


def terms_of(query: str) -> list[str]:
    """The morphemes a query must all match (empty: the query has nothing searchable)."""
    return query_terms(query)[:12]  # a pasted page of text is not a query; the first terms decide


def matching(terms: list[str]) -> Q:
    """A filter on ``Publication`` rows containing every term."""
    if connection.vendor == "sqlite":
        # FTS5: space-separated quoted phrases are ANDed; doubled quotes are the literal form.
        expression = " ".join('"' + term.replace('"', '""') + '"' for term in terms)
        return Q(id__in=RawSQL(f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s", (expression,)))
    # tsquery: quoted lexemes joined with &; terms are word characters only, quoting is belt and
    # braces. A condition on the row itself (not an IN over a self-join) lets the planner choose
    # between walking the page's order index and a GIN bitmap scan, by how common the terms are.
    expression = " & ".join("'" + term.replace("'", "''") + "'" for term in terms)
    return Q(
        ExpressionWrapper(
            RawSQL(f"{TABLE}.search_vector @@ to_tsquery('simple'::regconfig, %s)", (expression,)),
            output_field=BooleanField(),
        )
    )
