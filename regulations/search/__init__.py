"""Korean full-text search over statutes and articles (SQLite FTS5 / PostgreSQL tsvector)."""
