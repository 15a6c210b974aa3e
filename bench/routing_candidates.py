"""Statute candidate recall of the label-free retrieval: is the right law among the first k?

    .venv/bin/python bench/routing_candidates.py [--data DIR] [--cache var/routing/corpus-cache.joblib]
        [--cpu-texts 80]

The router can only propose a statute its candidate sources put forward, so this measures the
sources themselves, per dev text of ``barriers-dev.jsonl``: law-level recall@1/3/5/10/20 of the
labelled statutes (a 시행령/시행규칙 counts as its law; labels outside the indexed laws — 고시,
standalone 부령 — are counted as misses and their number printed), separately for texts citing no
statute (implied) and texts citing one (explicit), and at the 시행령/시행규칙 level (a labelled
decree or rule is found at k when the decree itself is among the first k decree candidates:
each candidate law's decree and rule, in the law's order; for ``candidates`` also, on the
``+choice`` line, with first the one whose article matched best, ``LawCandidate.decree``).
Nothing here learns from labels, so no folds are needed: the corpus parts are built from the
statute corpus alone (``--cache``: a joblib of an untrained router with the morpheme index, its
own file by default; a router pickled without the profiles, or without a morpheme index of the
current settings, gets them attached and saved; ``--rebuild``: from scratch).

Sources: ``articles`` (:meth:`ArticleRetriever.law_scores`, what the router reads today),
``profiles`` (:class:`CorpusProfiles` law profiles), ``morphemes`` (:class:`MorphemeRetriever`:
BM25 over kiwipiepy morphemes), ``candidates`` (:func:`routing.retrieval.candidate_laws`: the
three fused, the list the router should read). For explicit
texts the named statutes (the reference extractor) come first, then the source's list.

The fusion weights of ``candidates`` were chosen on these texts; ``--cv`` also chooses them per
fold on the training texts only and prints the held-out recall.

CPU: process time per text, one text at a time (as the submit task routes), over the first
``--cpu-texts`` texts, with the load average next to it; the texts' content morphemes are
computed beforehand (the router has them from its own kiwipiepy pass before it retrieves).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from routing.classifier import LabelledBarrier, Router, build_router, load_labelled  # noqa: E402
from routing.references import extract_references  # noqa: E402
from routing.retrieval import (  # noqa: E402
    MORPHEME_DECREES,
    MORPHEME_TEXT_CHARS,
    _iter_law_rows,
    candidate_laws,
    query_ngrams,
    same_analyzer,
)
from routing.statute_index import DECREE, RULE, StatuteIndex  # noqa: E402

KS = (1, 3, 5, 10, 20)
DEPTH = 40


def gold_laws(index: StatuteIndex, item: LabelledBarrier) -> tuple[set[str], set[str], int]:
    """(law ids, decree/rule ids, labels the corpus does not hold) of one text's statutes."""
    laws: set[str] = set()
    decrees: set[str] = set()
    unknown = 0
    for name in item.statutes:
        record = index.by_name(name)
        if record is None:
            unknown += 1
            continue
        laws.add(index.law_of(record.law_id))
        if record.role in (DECREE, RULE):
            decrees.add(record.law_id)
    return laws, decrees, unknown


def source_articles(router: Router) -> Callable[[Sequence[str]], list[list[str]]]:
    retriever = router.retriever
    assert retriever is not None

    def ranked(texts: Sequence[str]) -> list[list[str]]:
        scores, _best = retriever.law_scores(list(texts), top=DEPTH)
        return [_order(retriever.law_ids, row) for row in scores]

    return ranked


def source_profiles(router: Router) -> Callable[[Sequence[str]], list[list[str]]]:
    retriever, profiles = router.retriever, router.profiles
    assert retriever is not None and profiles is not None

    def ranked(texts: Sequence[str]) -> list[list[str]]:
        laws, _ministries = profiles.scores(list(texts))
        return [_order(retriever.law_ids, row) for row in laws]

    return ranked


def source_morphemes(router: Router) -> Callable[[Sequence[str]], list[list[str]]]:
    retriever = router.retriever
    assert retriever is not None and retriever.morpheme_index is not None
    index = retriever.morpheme_index

    def ranked(texts: Sequence[str]) -> list[list[str]]:
        scores = index.law_scores(list(texts), terms=[MORPHEMES[t] for t in texts])
        return [_order(retriever.law_ids, row) for row in scores]

    return ranked


def source_candidates(router: Router) -> Callable[[Sequence[str]], list[list[str]]]:
    retriever, profiles = router.retriever, router.profiles
    assert retriever is not None

    def ranked(texts: Sequence[str]) -> list[list[str]]:
        ngrams = query_ngrams(retriever.vectorizer, texts)
        shared = ngrams if profiles is not None and same_analyzer(retriever.vectorizer, profiles.vectorizer) else None
        found = candidate_laws(
            retriever,
            texts,
            profiles=profiles,
            k=DEPTH,
            ngrams=ngrams,
            profile_ngrams=shared,
            terms=[MORPHEMES[t] for t in texts],
        )
        for text, row in zip(texts, found, strict=True):
            DECREE_CHOICE[text] = {c.law_id: c.decree for c in row if c.decree}
        return [[c.law_id for c in row] for row in found]

    return ranked


# text -> law id -> the candidate's decree choice (LawCandidate.decree), for the decree-level recall
DECREE_CHOICE: dict[str, dict[str, str]] = {}


# text -> its content morphemes: the router has them before retrieval (its own kiwipiepy pass),
# so the sources are timed without that analysis.
MORPHEMES: dict[str, list[str]] = {}


def _order(law_ids: list[str], row: np.ndarray) -> list[str]:
    k = min(DEPTH, len(law_ids))
    top = np.argpartition(-row, k - 1)[:k]
    top = top[np.argsort(-row[top], kind="stable")]
    return [law_ids[j] for j in top if row[j] > 0]


def with_named(index: StatuteIndex, text: str, ranked: list[str]) -> list[str]:
    """The laws the text names (and those whose decree or 고시 it names) first, then the source's list."""
    seen: dict[str, None] = {}
    found = extract_references(text, index)
    for law_id in found.statute_ids() + found.governing_laws(index):
        seen.setdefault(index.law_of(law_id), None)
    for law_id in ranked:
        seen.setdefault(law_id, None)
    return list(seen)


def decree_ranking(index: StatuteIndex, laws: list[str], chosen: dict[str, str] | None = None) -> list[str]:
    """Each law's 시행령 then 시행규칙, or first the one ``chosen`` names for the law."""
    out: list[str] = []
    for law_id in laws:
        children = [c for c in (index.child(law_id, DECREE), index.child(law_id, RULE)) if c is not None]
        first = (chosen or {}).get(law_id)
        if first in children:
            children.remove(first)
            children.insert(0, first)
        out.extend(children)
    return out


def recall_row(rankings: list[list[str]], golds: list[set[str]]) -> list[float]:
    pairs = [(r, g) for r, g in zip(rankings, golds, strict=True) if g]
    return [float(np.mean([len(g & set(r[:k])) / len(g) for r, g in pairs])) if pairs else 0.0 for k in KS]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared" / "data")
    parser.add_argument("--cache", type=Path, default=Path("var/routing/candidates-cache.joblib"))
    parser.add_argument("--rebuild", action="store_true", help="rebuild the corpus parts and rewrite --cache")
    parser.add_argument("--cpu-texts", type=int, default=80)
    parser.add_argument("--sources", default="articles,profiles,morphemes,candidates")
    parser.add_argument("--cv", type=int, default=5, help="folds for the fusion-weight check (0: skip)")
    args = parser.parse_args()

    import joblib

    started = time.process_time()
    router = joblib.load(args.cache) if args.cache.exists() and not args.rebuild else build_router(args.data)
    changed = not args.cache.exists() or args.rebuild
    if getattr(router, "profiles", None) is None:
        router.attach_profiles()
        changed = True
    morpheme_index = getattr(router.retriever, "morpheme_index", None)
    stale = morpheme_index is not None and (
        getattr(morpheme_index, "text_chars", 300) != MORPHEME_TEXT_CHARS
        or bool(getattr(morpheme_index, "decree_articles", 0)) != MORPHEME_DECREES
        or (MORPHEME_DECREES and getattr(morpheme_index, "decree_ids", None) is None)
    )
    if router.retriever is not None and (morpheme_index is None or stale):
        built = time.process_time()
        corpus_rows = _iter_law_rows(args.data / "statutes.jsonl.gz", decrees=MORPHEME_DECREES)
        router.retriever.attach_morphemes(corpus_rows)
        print(f"morpheme index: {time.process_time() - built:.1f} s CPU")
        changed = True
    if changed:
        args.cache.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(router, args.cache)
    print(f"corpus parts: {time.process_time() - started:.1f} s CPU")
    index = router.index
    items = load_labelled(args.data / "barriers-dev.jsonl")
    texts = [i.full_text for i in items]
    from core.korean import content_morphemes

    MORPHEMES.update((t, content_morphemes(t)) for t in texts)
    golds = [gold_laws(index, i) for i in items]
    explicit = [i.explicit_citation for i in items]
    indexed = set(router.retriever.law_ids) if router.retriever is not None else set()
    for label, flag in (("implied", False), ("explicit", True)):
        chosen = [g for g, e in zip(golds, explicit, strict=True) if e == flag]
        labels = sum(len(g[0]) + g[2] for g in chosen)
        outside = sum(len(g[0] - indexed) + g[2] for g in chosen)
        print(f"{label}: {len(chosen)} texts, {labels} gold laws, {outside} outside the indexed laws (always missed)")

    factories = {
        "articles": source_articles,
        "profiles": source_profiles,
        "morphemes": source_morphemes,
        "candidates": source_candidates,
    }
    load = os.getloadavg()[0]
    header = "  ".join(f"@{k:<4}" for k in KS)
    print(f"\nlaw-level candidate recall (load {load:.1f}/{os.cpu_count()} cores)")
    print(f"{'source':12} {'texts':9} {header}   CPU ms/text")
    for name in args.sources.split(","):
        rank = factories[name](router)
        rankings = rank(texts)
        cpu_texts = texts[: args.cpu_texts]
        c0 = time.process_time()
        for text in cpu_texts:
            rank([text])
        cpu = 1000 * (time.process_time() - c0) / max(len(cpu_texts), 1)
        for label, flag in (("implied", False), ("explicit", True)):
            rows = [k for k, e in enumerate(explicit) if e == flag]
            ranked = [rankings[k] if not flag else with_named(index, texts[k], rankings[k]) for k in rows]
            law_gold = [golds[k][0] | _unknown(golds[k][2]) for k in rows]
            values = recall_row(ranked, law_gold)
            print(f"{name:12} {label:9} " + "  ".join(f"{v:.3f}" for v in values) + f"   {cpu:.1f}")
            decree_gold = [golds[k][1] for k in rows]
            values = recall_row([decree_ranking(index, r) for r in ranked], decree_gold)
            n = sum(1 for g in decree_gold if g)
            print(f"{'':12} {'  decree':9} " + "  ".join(f"{v:.3f}" for v in values) + f"   ({n} texts)")
            if name == "candidates":
                choice = [DECREE_CHOICE.get(texts[k]) for k in rows]
                by_choice = [decree_ranking(index, r, c) for r, c in zip(ranked, choice, strict=True)]
                values = recall_row(by_choice, decree_gold)
                line = "  ".join(f"{v:.3f}" for v in values)
                print(f"{'':12} {'  +choice':9} {line}   (LawCandidate.decree first)")
    print(f"load average now {os.getloadavg()[0]:.1f}")
    if args.cv:
        cross_validated_weights(router, items, texts, golds, args.cv)


GRID_PROFILE = (0.25, 0.5, 1.0)
GRID_MORPHEME = (0.25, 0.5, 0.75, 1.0)
GRID_CITATION = (0.0, 0.1, 0.2, 0.3)


def cross_validated_weights(
    router: Router,
    items: list[LabelledBarrier],
    texts: list[str],
    golds: list[tuple[set[str], set[str], int]],
    folds: int,
) -> None:
    """The fusion weights are the one thing here chosen with labels: choose them per fold on the
    training texts (grouped by cluster, best recall@3 + recall@10 over a small grid) and score the
    held-out texts with them, to show the figure above is not an artefact of the choice."""
    from sklearn.model_selection import GroupKFold

    retriever, profiles = router.retriever, router.profiles
    assert retriever is not None and profiles is not None and retriever.morpheme_index is not None
    rows = [k for k, i in enumerate(items) if not i.explicit_citation]
    chosen = [texts[k] for k in rows]
    ngrams = query_ngrams(retriever.vectorizer, chosen)
    articles, _best = retriever.law_scores(chosen, top=len(retriever.law_ids), ngrams=ngrams)
    laws, _ministries = profiles.scores(chosen, ngrams=ngrams)
    own, cited = retriever.morpheme_index.scores(chosen, terms=[MORPHEMES[t] for t in chosen])
    parts = [_relative(m) for m in (articles, laws, own, cited)]
    gold = [golds[k][0] | _unknown(golds[k][2]) for k in rows]

    def recall(weights: tuple[float, float, float], subset: list[int]) -> list[float]:
        fused = parts[0][subset] + sum(w * p[subset] for w, p in zip(weights, parts[1:], strict=True))
        return recall_row([_order(retriever.law_ids, row) for row in fused], [gold[k] for k in subset])

    grid = [(p, m, c) for p in GRID_PROFILE for m in GRID_MORPHEME for c in GRID_CITATION]
    held_out: list[list[str]] = [[] for _ in rows]
    splits = GroupKFold(n_splits=folds).split(rows, groups=[items[k].cluster for k in rows])
    print(f"\nfusion weights chosen per fold on the training texts (grouped {folds}-fold CV by cluster, implied):")
    for train, test in splits:
        train_list, test_list = list(train), list(test)
        best = max(grid, key=lambda w: (lambda r: r[1] + r[3])(recall(w, train_list)))
        print(f"  fold: profile {best[0]}, morphemes {best[1]}, cited {best[2]}")
        fused = parts[0][test_list] + sum(w * p[test_list] for w, p in zip(best, parts[1:], strict=True))
        for k, row in zip(test_list, fused, strict=True):
            held_out[k] = _order(retriever.law_ids, row)
    values = recall_row(held_out, gold)
    print(f"{'candidates':12} {'held-out':9} " + "  ".join(f"{v:.3f}" for v in values))


def _relative(matrix: np.ndarray) -> np.ndarray:
    top = matrix.max(axis=1, keepdims=True)
    top[top <= 0] = 1.0
    return matrix / top


def _unknown(count: int) -> set[str]:
    """Placeholders for labels the corpus lacks, so they count as misses."""
    return {f"?{k}" for k in range(count)}


if __name__ == "__main__":
    main()
