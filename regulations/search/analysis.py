"""Index-time and query-time analysis: the same kiwipiepy morphemes on both sides.

Text is analysed **word by word** (어절, the space-separated units Korean is written in), and each
distinct word is analysed once per process and cached. Statute text repeats a small vocabulary
(the full corpus: 17 million words, 821,000 distinct, 7 % of its characters), so the whole corpus
is analysed in minutes instead of hours, and a query's words are usually already known. Words
missing from the cache are analysed together in one ``Kiwi.tokenize(list)`` call, which kiwipiepy
spreads over its worker threads.

Per word, the content morphemes are the ones ``core.korean.content_morphemes`` keeps: nouns
(compounds split, 배달로봇 → 배달 + 로봇), verb/adjective stems, roots, foreign words and Hanja.
Analysing a word out of its sentence loses little for retrieval (the differences are mostly in
light verbs such as 하·있·따르, which are too common to retrieve anything) and, because queries are
analysed the same way, index and query always agree. Index tokens are restricted to word
characters so that nothing a user types can reach the FTS5 or tsquery syntax.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from core.korean import analyzer
from core.text import normalize_text

_WORD_RE = re.compile(r"[^\W_]+")
MAX_TOKEN_LENGTH = 60
# Bounded cache: the full corpus has 821,000 distinct words; past the limit the cache starts over
# (the frequent words come back within the next batch).
CACHE_LIMIT = 400_000
_NOUN_TAGS = frozenset({"NNG", "NNP", "NR", "SL", "SH", "XR"})
_STEM_TAGS = frozenset({"VV", "VA", "VV-R", "VA-R", "VV-I", "VA-I"})
_SHORT_OK = frozenset({"NNG", "NNP", "SH"})  # one-character nouns (법, 항) and Hanja are kept

_cache: dict[str, tuple[str, ...]] = {}
_cache_lock = threading.Lock()


def _content_tokens(morphemes: Iterable[Any]) -> tuple[str, ...]:
    out: list[str] = []
    for morpheme in morphemes:
        tag = morpheme.tag
        if tag in _NOUN_TAGS:
            form = morpheme.form
            if len(form) < 2 and tag not in _SHORT_OK:
                continue
        elif tag in _STEM_TAGS:
            form = morpheme.form
        else:
            continue
        for part in _WORD_RE.findall(form.lower()):
            if len(part) <= MAX_TOKEN_LENGTH and not part.isdigit():
                out.append(part)
    return tuple(out)


def _analyse_missing(words: Iterable[str]) -> None:
    """Analyse the words not yet cached, all in one kiwipiepy call."""
    distinct = list(dict.fromkeys(words))
    missing = [w for w in distinct if w not in _cache]
    if not missing:
        return
    kiwi = analyzer()
    results = [kiwi.tokenize(missing[0])] if len(missing) == 1 else kiwi.tokenize(missing)
    analysed = {word: _content_tokens(morphemes) for word, morphemes in zip(missing, results, strict=True)}
    with _cache_lock:
        if len(_cache) + len(analysed) > CACHE_LIMIT:
            kept = {w: _cache[w] for w in distinct if w in _cache}  # this batch still needs them
            _cache.clear()
            _cache.update(kept)
        _cache.update(analysed)


def _words(text: str) -> list[str]:
    return normalize_text(text or "").split()


def _tokens_of_words(words: Sequence[str]) -> list[str]:
    out: list[str] = []
    for word in words:
        tokens = _cache.get(word)
        if tokens is None:  # evicted by another thread's batch in between
            _analyse_missing([word])
            tokens = _cache.get(word, ())
        out.extend(tokens)
    return out


def tokens_of(text: str) -> list[str]:
    """Index tokens of ``text``: lower-cased content morphemes, word characters only."""
    words = _words(text)
    _analyse_missing(words)
    return _tokens_of_words(words)


def token_string(text: str) -> str:
    return " ".join(tokens_of(text))


def token_strings(texts: Sequence[str]) -> list[str]:
    """``token_string`` for many texts, analysing their new words in one batch (for indexing)."""
    split = [_words(text) for text in texts]
    _analyse_missing(word for words in split for word in words)
    return [" ".join(_tokens_of_words(words)) for words in split]


def query_terms(text: str) -> list[str]:
    """Distinct tokens of a query, in order of appearance."""
    return list(_query_terms(text))


@lru_cache(maxsize=512)
def _query_terms(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(tokens_of(text)))


# -- token ids -------------------------------------------------------------------------------------
# Ranking counts query terms in each candidate article. Splitting the stored token text of a few
# hundred long candidates (80,000 tokens for a pasted complaint) cost more than all the database
# work; each article therefore also keeps its tokens as an array of 32-bit ids (a hash of the
# token), and ranking counts them with numpy. A hash needs no shared vocabulary table, so ids never
# change when the corpus does; two tokens sharing an id (about one pair among the corpus's
# 200,000 distinct tokens) can only make a query term count a few extra occurrences.

TOKEN_ID_DTYPE = np.dtype("<u4")


@lru_cache(maxsize=300_000)
def token_id(token: str) -> int:
    """A stable 32-bit id of ``token`` (blake2b, the same in every process and database)."""
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=4).digest(), "little")


def token_ids(tokens: str) -> bytes:
    """The ids of a space-separated token string, in order, as little-endian uint32 bytes."""
    words = tokens.split()
    return np.fromiter(map(token_id, words), dtype=TOKEN_ID_DTYPE, count=len(words)).tobytes()


def clear_caches() -> None:
    """Forget analysed words and queries (benchmarks measure cold queries with it)."""
    with _cache_lock:
        _cache.clear()
    _query_terms.cache_clear()
