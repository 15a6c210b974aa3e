"""Korean morphological analysis shared by search, routing and duplicate detection.

kiwipiepy ships its model on PyPI, so nothing is downloaded at run time. Loading the model takes
a few seconds and ~hundreds of MB, hence one lazily created analyser per process.

``content_morphemes`` keeps what carries meaning for matching rules and complaints: nouns
(compounds come back split, 배달로봇 → 배달 + 로봇), verb and adjective stems, roots, foreign words
and Hanja; particles, endings and punctuation are dropped. Index time and query time must use the
same function so that both sides agree.

:class:`MorphemesAhead` analyses texts before they are needed, on a background thread, so that a
batch (``route_batch``) overlaps the analysis of its next chunk with the routing of this one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache
from types import TracebackType
from typing import TYPE_CHECKING, Any

from core.text import normalize_text

if TYPE_CHECKING:
    from kiwipiepy import Kiwi

_LOCK = threading.Lock()
_AHEAD_LOCK = threading.Lock()  # guards the active MorphemesAhead and their pending texts
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
    clean = _clean(text)
    if not clean:
        return []
    return _content(analyzer().tokenize(clean), with_stems=with_stems)


def content_morphemes_many(texts: Sequence[str], *, with_stems: bool = True) -> list[list[str]]:
    """``content_morphemes`` of each text, analysed as one batch: Kiwi spreads a batch over its
    worker threads (one per core), which roughly halves the wall time of a batch of long texts
    (``route_batch`` on petitions of ~1,200 characters spends ~60 % of its CPU time here).
    Texts submitted to an active :class:`MorphemesAhead` are taken from it instead."""
    clean = [_clean(text) for text in texts]
    out: list[list[str]] = [[] for _ in clean]
    todo: list[int] = []
    waiting: list[tuple[int, Future[list[list[str]]], int]] = []
    for i, text in enumerate(clean):
        if not text:
            continue
        ahead = _analysed_ahead(text) if with_stems and _ACTIVE else None
        if ahead is None:
            todo.append(i)
        else:
            waiting.append((i, *ahead))
    if todo:
        for i, morphemes in zip(todo, _analyse_clean([clean[i] for i in todo], with_stems), strict=True):
            out[i] = morphemes
    for i, future, position in waiting:
        out[i] = future.result()[position]
    return out


def _clean(text: str) -> str:
    return normalize_text(text or "")[:_MAX_CHARS]


def _analyse_clean(clean: Sequence[str], with_stems: bool) -> list[list[str]]:
    """Content morphemes of non-empty, already cleaned texts (one Kiwi batch)."""
    return [_content(tokens, with_stems=with_stems) for tokens in analyzer().tokenize(list(clean))]


class MorphemesAhead:
    """Content morphemes of texts analysed ahead of their use, on one background thread.

    kiwipiepy analyses in its own worker threads without holding the GIL, so a batch that submits
    chunk n+1 before it routes chunk n overlaps the two (``route_batch``). While the context is
    active, ``content_morphemes_many`` (with stems) takes a submitted text from here, waiting for
    it if its chunk is still being analysed, instead of analysing it again; a text never
    submitted is analysed as usual. The morphemes are those of the same function, so results do
    not change; ``hits`` counts the texts served from here (each submission serves one use).
    """

    def __init__(self) -> None:
        self._executor: ThreadPoolExecutor | None = None
        self._pending: dict[str, tuple[Future[list[list[str]]], int]] = {}
        self.submitted = 0
        self.hits = 0

    def __enter__(self) -> MorphemesAhead:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="morphemes-ahead")
        with _AHEAD_LOCK:
            _ACTIVE.append(self)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        with _AHEAD_LOCK:
            _ACTIVE.remove(self)
            self._pending.clear()
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def submit(self, texts: Sequence[str]) -> None:
        """Start analysing ``texts`` (after any earlier submission) and return at once; texts
        already submitted and not yet used are skipped."""
        if self._executor is None:
            raise RuntimeError("MorphemesAhead.submit outside its with-block")
        cleaned = dict.fromkeys(text for text in (_clean(t) for t in texts) if text)
        with _AHEAD_LOCK:  # a text already waiting is not analysed twice
            clean = [text for text in cleaned if text not in self._pending]
            if not clean:
                return
            future = self._executor.submit(_analyse_clean, clean, True)
            for position, text in enumerate(clean):
                self._pending[text] = (future, position)
        self.submitted += len(clean)

    def _take(self, text: str) -> tuple[Future[list[list[str]]], int] | None:
        found = self._pending.pop(text, None)
        if found is not None:
            self.hits += 1
        return found


_ACTIVE: list[MorphemesAhead] = []  # the lookaheads in use (normally none, at most one)


def _analysed_ahead(text: str) -> tuple[Future[list[list[str]]], int] | None:
    with _AHEAD_LOCK:
        for ahead in _ACTIVE:
            found = ahead._take(text)
            if found is not None:
                return found
    return None


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
