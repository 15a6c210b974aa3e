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
from functools import lru_cache
from typing import TYPE_CHECKING

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
    tokens: list[str] = []
    for token in analyzer().tokenize(clean):
        tag = token.tag
        if tag in _NOUN_TAGS:
            form = token.form.lower() if tag == "SL" else token.form
            if len(form) > 1 or tag in {"NNG", "NNP", "SH"}:
                tokens.append(form)
        elif with_stems and tag in _STEM_TAGS:
            tokens.append(token.form)
    return tokens


def nouns(text: str) -> list[str]:
    """Content morphemes without verb and adjective stems."""
    return content_morphemes(text, with_stems=False)
