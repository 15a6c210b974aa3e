"""The workflow's one door into the routing engine (classifier, references, near duplicates).

The engine modules change for accuracy and speed; the workflow (tasks, services, commands) only
uses what is here: load the router once per process, route texts into plain dicts plus the
near-duplicate features of each, and keep a process-wide MinHash LSH index over the stored
``BarrierSignature`` rows that catches up with the database incrementally (rows are immutable
and their primary keys grow, so "what changed since I last looked" is ``pk > last_seen``).

``settings.ROUTING_MODEL_PATH`` picks the model file (default ``var/routing/router.joblib``);
an empty value switches routing off (the test settings do this so other apps' tests never load a
70 MB model; routing's own tests install a small trained router with :func:`use_router`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from routing.classifier import Router, Routing, default_model_path, load_router
from routing.near_duplicates import BarrierFeatures, LearnedLinking, LinkSettings, NearDuplicateIndex, pair_score

logger = logging.getLogger(__name__)

_LOCK = threading.RLock()
_UNSET: Any = object()
_router: Any = _UNSET
# Laws and articles from the router's own proposals that go into a signature (beyond the ones the
# text names): the best one. Under grouped 5-fold CV on barriers-dev, top-1 gave B-cubed P/R/F1
# 0.584/0.400/0.475 and top-2 0.458/0.468/0.463: about the same F1, far fewer wrong merges.
ROUTED_STATUTES_IN_SIGNATURE = 1
MAX_TEXT_CHARS = 20_000  # the barrier body limit; longer input is cut, never refused


def model_path() -> Path | None:
    """Where the router model lives, or None when routing is switched off."""
    configured = getattr(settings, "ROUTING_MODEL_PATH", None)
    if configured is None:
        return default_model_path()
    return Path(configured) if str(configured) else None


def get_router() -> Router | None:
    """The process-wide router, loaded on first use; None when switched off or not built yet."""
    global _router
    with _LOCK:
        if _router is _UNSET:
            path = model_path()
            if path is None or not path.exists():
                if path is not None:
                    logger.warning("routing model %s is missing: run manage.py train_routing", path)
                return None
            try:
                _router = load_router(path)
            except (ValueError, OSError, EOFError) as exc:  # an older model version, a broken file
                logger.error("routing model %s cannot be used (%s): run manage.py train_routing", path, exc)
                return None
        return _router


def use_router(router: Router | None) -> None:
    """Install ``router`` for this process (tests, or after retraining); None forgets it."""
    global _router
    with _LOCK:
        _router = _UNSET if router is None else router
        forget_signature_index()  # rebuilt with the new router's linking settings


def model_version(router: Router) -> str:
    return f"v{router.version}-n{router.trained_on}"


@dataclass
class RoutedText:
    """A routed text: the proposal as plain data and the features near-duplicate linking compares."""

    proposal: dict[str, Any]
    features: BarrierFeatures
    routing: Routing


def route_texts(router: Router, items: Sequence[tuple[str, str]]) -> list[RoutedText]:
    """Route (title, text) pairs in one batch (the analysis is shared with the signatures)."""
    texts = [f"{title}\n{text}" if title else text for title, text in items]
    texts = [t[:MAX_TEXT_CHARS] for t in texts]
    analyses = router.analyse(texts)
    routings = router.route_analyses(analyses)
    return [
        RoutedText(proposal=r.as_dict(), features=_features(router, a, r), routing=r)
        for a, r in zip(analyses, routings, strict=True)
    ]


def _features(router: Router, analysis: Any, routing: Routing) -> BarrierFeatures:
    """Morphemes plus the statutes/articles the text names and the router's best proposals,
    all at law level (a decree counts as its law), as bench/routing_lsh.py links them."""
    index = router.index
    laws = {index.law_of(x) for x in analysis.refs.statute_ids()}
    articles = {f"{index.law_of(law)} {n}" for law, ns in analysis.refs.articles_by_statute().items() for n in ns}
    for suggestion in routing.statutes[:ROUTED_STATUTES_IN_SIGNATURE]:
        law = index.law_of(suggestion.law_id)
        laws.add(law)
        articles.update(f"{law} {n}" for n in suggestion.articles)
    return BarrierFeatures.from_tokens(analysis.morphemes, statutes=laws, articles=articles)


def features_from_stored(morphemes: Iterable[str], statutes: Iterable[str], articles: Iterable[str]) -> BarrierFeatures:
    return BarrierFeatures(frozenset(morphemes), frozenset(statutes), frozenset(articles))


def linkable(features: BarrierFeatures) -> bool:
    """Only a text with words of its own links: without them (empty, emoji, symbols) the only
    statutes in a signature are the router's guesses, and a shared guess is no evidence."""
    return bool(features.morphemes)


def shares_words(a: BarrierFeatures, b: BarrierFeatures) -> bool:
    """Two barriers about one rule share at least one content word; a shared statute alone (which
    may be the router's guess for both) never links them."""
    return not a.morphemes.isdisjoint(b.morphemes)


def link(index: NearDuplicateIndex, key: str, features: BarrierFeatures) -> str:
    """Index ``key`` in the group with the best mean pair score over its members (candidate groups
    come from LSH; a group needs shared words, see ``NearDuplicateIndex.best_group``), or in a new
    group named ``key``; returns the group."""
    group = key
    if linkable(features):
        best, _score = index.best_group(features)
        group = best or key
        index.insert(key, features, group=group)
    return group


def linking_of(router: Router | None) -> LearnedLinking | None:
    """What the router learned about linking (``Router.link_specificity``, set by ``Router.fit``
    from ``near_duplicates.learn_linking``), or None for a router without it (older models)."""
    learned = getattr(router, "link_specificity", None)
    return learned if isinstance(learned, LearnedLinking) else None


def new_index(router: Router | None) -> NearDuplicateIndex:
    """An empty near-duplicate index linking as ``router`` learned to (its term specificity and
    the link/merge thresholds chosen with it, as bench/routing_cluster.py --specificity measures
    them); the default settings without one. route_batch and the workflow's index both start here."""
    learned = linking_of(router)
    return learned.index() if learned is not None else NearDuplicateIndex()


def link_threshold() -> float:
    """The score a barrier needs to join a group: the process-wide index's, else the router's."""
    with _LOCK:
        if _index is not None:
            return _index.index.settings.link_threshold
    learned = linking_of(get_router())  # its settings alone: no index is built to read them
    return (learned.settings if learned is not None else LinkSettings()).link_threshold


# ---- the process-wide index over stored signatures ---------------------------------------------
class SignatureIndex:
    """MinHash LSH over every stored ``BarrierSignature``, keyed by barrier id.

    Built lazily from the database on first use and brought up to date before each query, so it
    survives restarts and sees what other processes linked. Groups are not kept here: which
    recurring regulation a barrier belongs to is always read from the database (merges and
    splits happen there).
    """

    def __init__(self, router: Router | None = None) -> None:
        self.index = new_index(router)
        self.last_pk = 0
        self.signature_pk: dict[int, int] = {}

    def sync(self) -> None:
        from routing.models import BarrierSignature

        rows = BarrierSignature.objects.filter(pk__gt=self.last_pk).order_by("pk")
        for row in rows.values("pk", "barrier_id", "morphemes", "statutes", "articles").iterator(chunk_size=2000):
            self._put(row["barrier_id"], features_from_stored(row["morphemes"], row["statutes"], row["articles"]))
            self.signature_pk[row["barrier_id"]] = row["pk"]
            self.last_pk = max(self.last_pk, row["pk"])

    def _put(self, barrier_id: int, features: BarrierFeatures) -> None:
        key = str(barrier_id)
        if key in self.index.features:
            self.index.remove(key)
        if linkable(features):
            self.index.insert(key, features)

    def candidates(self, features: BarrierFeatures, *, exclude: int | None = None) -> list[tuple[int, float]]:
        """Stored barriers LSH proposes for ``features``, with their pair score, best first."""
        if not linkable(features):
            return []
        return [
            (int(k), s)
            for k, s in self.index.candidates(features)
            if int(k) != exclude and shares_words(features, self.index.features[k])
        ]

    def group_score(self, features: BarrierFeatures, barrier_ids: Iterable[int]) -> float:
        """Mean pair score of ``features`` over the indexed barriers among ``barrier_ids`` (the
        most recent ``max_group_members`` of them): how well a text fits a recurring regulation."""
        return self.index.group_score(features, [str(b) for b in sorted(barrier_ids)])


_index: SignatureIndex | None = None


def consolidate_groups(
    group_of: dict[int, str], *, start: Iterable[str] | None = None, exclude: Container[str] = frozenset()
) -> list[tuple[str, str, float]]:
    """Consolidation (``NearDuplicateIndex.consolidate``) over the stored signatures grouped as
    ``group_of`` says (barrier id → group name, e.g. its recurring regulation): the merges it
    makes, in order, as (absorbed group, kept group, mean pair score)."""
    named = set(group_of.values())
    left_out = _LeftOut(exclude, named)  # and every barrier without a group stays alone
    with _LOCK:
        index = signature_index().index
        index.regroup({str(b): g for b, g in group_of.items()})
        return index.consolidate(start, exclude=left_out)


@dataclass(frozen=True)
class _LeftOut:
    excluded: Container[str]
    named: Container[str]

    def __contains__(self, group: object) -> bool:
        return group in self.excluded or group not in self.named


def signature_index() -> SignatureIndex:
    """The process-wide index, synchronised with the database."""
    global _index
    with _LOCK:
        if _index is None:
            _index = SignatureIndex(get_router())
        _index.sync()
        return _index


def forget_signature_index() -> None:
    """Drop the in-memory index (tests: each test database starts empty)."""
    global _index
    with _LOCK:
        _index = None


def score(a: BarrierFeatures, b: BarrierFeatures) -> float:
    """Pair score with the process-wide index's document frequencies when it exists."""
    index = _index.index if _index is not None else NearDuplicateIndex()
    return pair_score(a, b, index.settings, index.frequencies)
