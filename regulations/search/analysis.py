"""Index-time and query-time analysis: the same kiwipiepy morphemes on both sides.

``core.korean.content_morphemes`` splits compounds (배달로봇 → 배달 + 로봇) and keeps nouns,
verb/adjective stems, foreign words and Hanja. Index tokens are restricted to word characters so
that nothing a user types can reach the FTS5 or tsquery syntax.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache

from core.korean import content_morphemes

_WORD_RE = re.compile(r"[^\W_]+")
MAX_TOKEN_LENGTH = 60


def tokens_of(text: str) -> list[str]:
    """Index tokens of ``text``: lower-cased content morphemes, word characters only."""
    out: list[str] = []
    for morpheme in content_morphemes(text):
        for part in _WORD_RE.findall(morpheme.lower()):
            if part and len(part) <= MAX_TOKEN_LENGTH and not part.isdigit():
                out.append(part)
    return out


def token_string(text: str) -> str:
    return " ".join(tokens_of(text))


def query_terms(text: str) -> list[str]:
    """Distinct tokens of a query, in order of appearance."""
    return list(_query_terms(text))


@lru_cache(maxsize=512)
def _query_terms(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(tokens_of(text)))


def _tokenise_pair(pair: tuple[str, str]) -> tuple[str, str]:
    title, text = pair
    title_tokens = token_string(title) if title else ""
    return title_tokens, token_string(text)


def tokenise_articles(pairs: Iterable[tuple[str, str]], *, jobs: int = 1) -> Iterator[tuple[str, str]]:
    """(title tokens, text tokens) for each (title, text); ``jobs`` > 1 spreads over processes.

    kiwipiepy is CPU-bound (about 36,000 characters a second per core here), so the full corpus
    is worth spreading over the machine's cores. Each worker loads its own analyser once.
    """
    if jobs <= 1:
        for pair in pairs:
            yield _tokenise_pair(pair)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(_tokenise_pair, pairs, chunksize=32)
