"""Korean search tokens for programs: the same morphemes at index time and at query time."""

from __future__ import annotations

from core.korean import content_morphemes


def search_document(*parts: str) -> str:
    """Space-padded unique morphemes, so a token matches with ``contains(" token ")``."""
    seen: dict[str, None] = {}
    for token in content_morphemes("\n".join(p for p in parts if p)):
        seen.setdefault(token.lower(), None)
    return f" {' '.join(seen)} " if seen else ""


def query_tokens(query: str, *, limit: int = 8) -> list[str]:
    """Morphemes of a search query (at most ``limit``, to bound the SQL)."""
    seen: dict[str, None] = {}
    for token in content_morphemes(query or ""):
        seen.setdefault(token.lower(), None)
    return list(seen)[:limit]
