"""Korean morphological analysis shared by search, routing and duplicate detection.

kiwipiepy ships its model on PyPI, so nothing is downloaded at run time. Loading the model takes
a few seconds and ~hundreds of MB, hence one lazily created analyser per process.

``content_morphemes`` keeps what carries meaning for matching rules and complaints: nouns
(compounds come back split, 배달로봇 → 배달 + 로봇), verb and adjective stems, roots, foreign words
and Hanja; particles, endings and punctuation are dropped. Index time and query time must use the
same function so that both sides agree.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from core.text import normalize_text

if TYPE_CHECKING:
    from kiwipiepy import Kiwi

_LOCK = threading.Lock()
_NOUN_TAGS = frozenset({"NNG", "NNP", "NR", "SL", "SH", "XR"})
_STEM_TAGS = frozenset({"VV", "VA", "VV-R", "VA-R", "VV-I", "VA-I"})
_MAX_CHARS = 20_000  # bodies are capped at 20,000 characters; anything longer is cut, not rejected


@lru_cache(maxsize=1)
def analyzer() -> Kiwi:
    """The process-wide Kiwi analyser (created on first use)."""
    with _LOCK:
        from kiwipiepy import Kiwi

        return Kiwi()


def content_morphemes(text: str, *, with_stems: bool = True) -> list[str]:
    """Meaningful morphemes of ``text`` in order: nouns (split compounds), stems, foreign words.

    Foreign words are lower-cased; stems are returned without the 다 ending (막히, 없).
    """
    clean = normalize_text(text or "")[:_MAX_CHARS]
    if not clean:
        return []
    return _content(analyzer().tokenize(clean), with_stems=with_stems)


def content_morphemes_many(texts: Sequence[str], *, with_stems: bool = True) -> list[list[str]]:
    """``content_morphemes`` of each text, analysed as one batch: Kiwi spreads a batch over its
    worker threads (one per core), which roughly halves the wall time of a batch of long texts
    (``route_batch`` on petitions of ~1,200 characters spends three quarters of its time here)."""
    clean = [normalize_text(text or "")[:_MAX_CHARS] for text in texts]
    todo = [i for i, text in enumerate(clean) if text]
    out: list[list[str]] = [[] for _ in clean]
    if todo:
        for i, tokens in zip(todo, analyzer().tokenize([clean[i] for i in todo]), strict=True):
            out[i] = _content(tokens, with_stems=with_stems)
    return out


def _content(tokens: Iterable[Any], *, with_stems: bool) -> list[str]:
    kept: list[str] = []
    for token in tokens:
        tag = token.tag
        if tag in _NOUN_TAGS:
            form = token.form.lower() if tag == "SL" else token.form
            if len(form) > 1 or tag in {"NNG", "NNP", "SH"}:
                kept.append(form)
        elif with_stems and tag in _STEM_TAGS:
            kept.append(token.form)
    return kept


def nouns(text: str) -> list[str]:
    """Content morphemes without verb and adjective stems."""
    return content_morphemes(text, with_stems=False)
