"""Database-side full-text structures over the pre-analysed kiwipiepy tokens.

SQLite: FTS5 tables (``unicode61`` tokenizer over space-separated morphemes). Articles use an
external-content table kept in sync by triggers; statutes use a small standalone table rebuilt
by ``rebuild_statute_index`` after every import or alias change.
PostgreSQL: stored generated ``tsvector`` columns (``simple`` configuration, no stemming: the
morphemes are already analysed) with GIN indexes.

Django's SQLite schema editor rebuilds a table when some fields change, which drops its
triggers; ``install`` is idempotent and the index command runs it before every import.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper

ARTICLE_FTS = "regulations_article_fts"
STATUTE_FTS = "regulations_statute_fts"
_AU_TRIGGER = "regulations_article_fts_au"
_PG_ARTICLE_INDEX = "regulations_article_search"

_SQLITE = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {ARTICLE_FTS} USING fts5(
        tokens, content='regulations_article', content_rowid='id', tokenize='unicode61 remove_diacritics 0')""",
    f"""CREATE TRIGGER IF NOT EXISTS regulations_article_fts_ai AFTER INSERT ON regulations_article BEGIN
        INSERT INTO {ARTICLE_FTS}(rowid, tokens) VALUES (new.id, new.tokens); END""",
    f"""CREATE TRIGGER IF NOT EXISTS regulations_article_fts_ad AFTER DELETE ON regulations_article BEGIN
        INSERT INTO {ARTICLE_FTS}({ARTICLE_FTS}, rowid, tokens) VALUES ('delete', old.id, old.tokens); END""",
    f"""CREATE TRIGGER IF NOT EXISTS regulations_article_fts_au AFTER UPDATE OF tokens ON regulations_article BEGIN
        INSERT INTO {ARTICLE_FTS}({ARTICLE_FTS}, rowid, tokens) VALUES ('delete', old.id, old.tokens);
        INSERT INTO {ARTICLE_FTS}(rowid, tokens) VALUES (new.id, new.tokens); END""",
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {STATUTE_FTS} USING fts5(
        law_id UNINDEXED, name_tokens, tokenize='unicode61 remove_diacritics 0')""",
]

_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS regulations_article_fts_ai",
    "DROP TRIGGER IF EXISTS regulations_article_fts_ad",
    "DROP TRIGGER IF EXISTS regulations_article_fts_au",
    f"DROP TABLE IF EXISTS {ARTICLE_FTS}",
    f"DROP TABLE IF EXISTS {STATUTE_FTS}",
]

_POSTGRES = [
    """ALTER TABLE regulations_article ADD COLUMN IF NOT EXISTS search_vector tsvector
        GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, tokens)) STORED""",
    "CREATE INDEX IF NOT EXISTS regulations_article_search ON regulations_article USING gin (search_vector)",
    """ALTER TABLE regulations_statute ADD COLUMN IF NOT EXISTS search_vector tsvector
        GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, name_tokens)) STORED""",
    "CREATE INDEX IF NOT EXISTS regulations_statute_search ON regulations_statute USING gin (search_vector)",
]

_POSTGRES_DROP = [
    "DROP INDEX IF EXISTS regulations_article_search",
    "ALTER TABLE regulations_article DROP COLUMN IF EXISTS search_vector",
    "DROP INDEX IF EXISTS regulations_statute_search",
    "ALTER TABLE regulations_statute DROP COLUMN IF EXISTS search_vector",
]


def _statements(vendor: str, *, drop: bool = False) -> list[str]:
    if vendor == "sqlite":
        return _SQLITE_DROP if drop else _SQLITE
    if vendor == "postgresql":
        return _POSTGRES_DROP if drop else _POSTGRES
    raise NotImplementedError(f"regulations search does not support the {vendor!r} database")


@contextmanager
def _schema_change(connection: BaseDatabaseWrapper) -> Iterator[CursorWrapper]:
    """A cursor for DDL inside the import's transaction. PostgreSQL refuses ALTER TABLE and DROP
    INDEX on a table with pending deferred-constraint checks (Django's foreign keys are
    DEFERRABLE INITIALLY DEFERRED): run those checks now, and defer again afterwards."""
    with connection.cursor() as cursor:
        postgres = connection.vendor == "postgresql" and connection.in_atomic_block
        if postgres:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        try:
            yield cursor
        finally:
            if postgres:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def install(connection: BaseDatabaseWrapper) -> None:
    """Create the full-text structures (idempotent)."""
    with _schema_change(connection) as cursor:
        for sql in _statements(connection.vendor):
            cursor.execute(sql)


def uninstall(connection: BaseDatabaseWrapper) -> None:
    with _schema_change(connection) as cursor:
        for sql in _statements(connection.vendor, drop=True):
            cursor.execute(sql)


def rebuild_article_index(connection: BaseDatabaseWrapper) -> None:
    """Re-read every article's tokens into the index (SQLite; PostgreSQL columns are generated)."""
    if connection.vendor == "sqlite":
        install(connection)
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {ARTICLE_FTS}({ARTICLE_FTS}) VALUES ('rebuild')")


def index_is_suspended(connection: BaseDatabaseWrapper) -> bool:
    """True when the article index may be stale: its triggers (SQLite) or GIN index (PostgreSQL)
    are missing, after a bulk load that stopped early or a table rebuild by a migration."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = %s", [_AU_TRIGGER])
        else:
            cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname = %s", [_PG_ARTICLE_INDEX])
        return cursor.fetchone()[0] == 0


def suspend_article_index(connection: BaseDatabaseWrapper) -> None:
    """Stop maintaining the article index row by row during a bulk load (``resume`` rebuilds it)."""
    with _schema_change(connection) as cursor:
        if connection.vendor == "sqlite":
            for trigger in ("regulations_article_fts_ai", "regulations_article_fts_ad", _AU_TRIGGER):
                cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        else:
            cursor.execute(f"DROP INDEX IF EXISTS {_PG_ARTICLE_INDEX}")


def resume_article_index(connection: BaseDatabaseWrapper) -> None:
    """Recreate what ``suspend_article_index`` dropped and rebuild the index from the rows."""
    install(connection)
    rebuild_article_index(connection)
