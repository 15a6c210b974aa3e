"""Recurring-rule clustering: fast iteration on barriers-dev (grouped CV, CV-routed statutes cached).

    .venv/bin/python bench/routing_cluster.py [--folds 3] [--cache-dir /tmp/haechi-cluster] [--gold]

The expensive part (morpheme analysis, corpus retrieval, one router fit per fold) is computed
once and cached; the clustering variants then run in seconds. Folds are GroupKFold by cluster
as in bench/routing_eval.py. Protocol per fold: the training texts are already linked (their
recurring regulations known), the test texts arrive one by one in file order and link to an
existing group or start one; B-cubed over the test texts, pairwise over test-test pairs,
near-miss pairs judged in the fold where their first member is a test text. Everything learned
from labels (pair classifier, thresholds) is fitted on the fold's training texts only.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sklearn.model_selection import GroupKFold  # noqa: E402

from bench.routing_eval import bcubed_of, gold_laws_and_articles, score_test_texts  # noqa: E402
from routing.classifier import Router, RouterWeights, load_labelled  # noqa: E402

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def top_articles(router: Router, texts: list[str], k: int = 30) -> list[dict[str, float]]:
    """Each text's k most similar corpus articles ("<law_id> 제N조" → cosine), label-free."""
    from core.text import normalize_text

    r = router.retriever
    assert r is not None
    queries = r.vectorizer.transform([normalize_text(t or "")[:2000] for t in texts])
    sims = (queries @ r.matrix_t).tocsr()
    out = []
    for row in range(len(texts)):
        lo, hi = sims.indptr[row], sims.indptr[row + 1]
        idx, val = sims.indices[lo:hi], sims.data[lo:hi]
        order = np.argsort(-val)[:k]
        out.append({f"{r.law_ids[r.article_law[idx[j]]]} {r.article_numbers[idx[j]]}": float(val[j]) for j in order})
    return out


def prepare(folds: int, cache_dir: Path) -> dict:
    import joblib

    path = cache_dir / f"prepared-{folds}.joblib"
    if path.exists():
        return joblib.load(path)
    items = load_labelled(DATA / "barriers-dev.jsonl")
    router: Router = joblib.load("var/routing/corpus-cache.joblib")
    index = router.index
    t0 = time.process_time()
    analyses = router.analyse([i.full_text for i in items])
    arts = top_articles(router, [i.full_text for i in items])
    splits = list(GroupKFold(n_splits=folds).split(items, groups=[i.cluster for i in items]))
    routed: list[list[tuple[str, float, list[str], bool]]] = [[] for _ in items]
    for train, test in splits:
        fold = Router(index=index, retriever=router.retriever, agencies=router.agencies,
                      law_sectors=router.law_sectors, weights=RouterWeights())  # fmt: skip
        fold.fit([items[i] for i in train], analyses=[analyses[i] for i in train])
        for i, r in zip(test, fold.route_analyses([analyses[i] for i in test]), strict=True):
            routed[i] = [(index.law_of(s.law_id), s.score, list(s.articles), s.explicit) for s in r.statutes]
    rows = []
    for k, (item, a) in enumerate(zip(items, analyses, strict=True)):
        gold_laws, gold_arts = gold_laws_and_articles(index, item)
        rows.append({
            "id": item.id, "cluster": item.cluster, "title": item.title, "text": item.full_text,
            "morphemes": list(a.morphemes),
            "named_laws": sorted({index.law_of(x) for x in a.refs.statute_ids()}),
            "named_articles": sorted({f"{index.law_of(law)} {n}" for law, ns in a.refs.articles_by_statute().items()
                                      for n in ns}),
            "retrieved": [(law, s, no, title) for law, s, no, title in a.retrieved],
            "top_articles": arts[k],
            "routed": routed[k],
            "gold_laws": sorted(gold_laws), "gold_articles": sorted(gold_arts),
        })  # fmt: skip
    prepared = {"rows": rows, "splits": [(list(map(int, a)), list(map(int, b))) for a, b in splits]}
    print(f"prepared in {time.process_time() - t0:.0f}s CPU", flush=True)
    joblib.dump(prepared, path)
    return prepared


LINK_THRESHOLDS = (0.03, 0.04, 0.05, 0.06, 0.08, 0.1, 0.12, 0.15)
# With consolidation afterwards linking on arrival can be stricter (merges recover the rest).
LINK_THRESHOLDS_CONSOLIDATED = (0.06, 0.08, 0.1, 0.15, 0.2, 0.3)
# Steps of 0.005 around the optimum: the training folds' B-cubed F1 moves by ~0.02 between 0.03
# and 0.04, and the folds agree on 0.035 (grouped 5-fold CV, see LinkSettings.merge_threshold).
MERGE_THRESHOLDS = (0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04, 0.045, 0.05)


def signatures_of(prepared: dict, *, gold: bool) -> list:
    """Each text's linking features as ``routing.engine`` builds them: morphemes, the statutes and
    articles it names, and the router's top-1 statute (CV-routed), or the gold ones (diagnostic)."""
    from routing.engine import ROUTED_STATUTES_IN_SIGNATURE
    from routing.near_duplicates import BarrierFeatures

    out = []
    for r in prepared["rows"]:
        if gold:
            laws, arts = set(r["gold_laws"]), set(r["gold_articles"])
        else:
            laws, arts = set(r["named_laws"]), set(r["named_articles"])
            for law, _score, numbers, _explicit in r["routed"][:ROUTED_STATUTES_IN_SIGNATURE]:
                laws.add(law)
                arts.update(f"{law} {n}" for n in numbers)
        out.append(BarrierFeatures.from_tokens(r["morphemes"], statutes=laws, articles=arts))
    return out


def _linked(
    keys: list[str], features: list, settings, consolidate: bool, specificity=None
) -> tuple[dict[str, str], list[tuple[str, str, float]]]:  # type: ignore[no-untyped-def]
    """One-by-one linking, then every merge consolidation would make down to the lowest merge
    threshold (a higher threshold stops at a prefix of the same list)."""
    from routing.near_duplicates import DocumentFrequencies, NearDuplicateIndex

    index = NearDuplicateIndex(settings=settings, frequencies=DocumentFrequencies(specificity))
    linked = index.link_all(zip(keys, features, strict=True), consolidate=False)
    return linked, index.consolidate(threshold=min(MERGE_THRESHOLDS)) if consolidate else []


def _merged(linked: dict[str, str], merges: list[tuple[str, str, float]], threshold: float | None) -> dict[str, str]:
    into: dict[str, str] = {}
    for drop, keep, value in merges:
        if threshold is None or value < threshold:
            break
        into[drop] = keep

    def final(g: str) -> str:
        while g in into:
            g = into[g]
        return g

    return {k: final(g) for k, g in linked.items()}


def _learned_linking(signatures: list, keys: list[str], truth: dict[str, str], train: list[int], grids: tuple):  # type: ignore[no-untyped-def,type-arg]
    """What production learns (``near_duplicates.learn_linking``, as ``Router.fit`` calls it) from
    the fold's training texts alone: the term specificity and the thresholds chosen with it."""
    from routing.near_duplicates import learn_linking

    link_grid, merge_grid, consolidate = grids
    return learn_linking(
        [(signatures[i], truth[keys[i]]) for i in train],
        link_grid=link_grid,
        merge_grid=[m for m in merge_grid if m is not None] if consolidate else [1e9],
    )


def linking_run(prepared: dict, *, gold: bool, consolidate: bool, specificity: bool = False) -> None:
    """Grouped CV: per fold, the link (and merge) thresholds are chosen by B-cubed F1 on the
    training texts linked alone; then every text is linked in file order with them and the test
    texts are scored (their groups may hold training texts, as in bench/routing_eval.py). With
    ``specificity`` the term specificity is learned from the fold's training texts (thresholds:
    ``_chosen_with_specificity``)."""
    from routing.near_duplicates import LinkSettings, bcubed, pairwise

    rows = prepared["rows"]
    keys = [r["id"] for r in rows]
    truth = {r["id"]: r["cluster"] for r in rows}
    signatures = signatures_of(prepared, gold=gold)
    merge_grid: tuple[float | None, ...] = MERGE_THRESHOLDS if consolidate else (None,)
    per_item: dict[str, tuple[float, float]] = {}
    pair_pred: dict[str, str] = {}
    chosen = []
    c0 = time.process_time()
    for fold, (train, test) in enumerate(prepared["splits"]):
        train_keys = [keys[i] for i in train]
        train_truth = {k: truth[k] for k in train_keys}
        link_grid = LINK_THRESHOLDS_CONSOLIDATED if consolidate else LINK_THRESHOLDS
        learned = None
        if specificity:
            linking = _learned_linking(signatures, keys, truth, train, (link_grid, merge_grid, consolidate))
            learned = linking.specificity
            t, m = linking.settings.link_threshold, (linking.settings.merge_threshold if consolidate else None)
        else:
            best: tuple[float, float, float | None] = (-1.0, 0.0, None)
            for t in link_grid:
                linked, merges = _linked(
                    train_keys, [signatures[i] for i in train], LinkSettings(link_threshold=t), consolidate
                )
                for m in merge_grid:
                    f1 = bcubed(_merged(linked, merges, m), train_truth)[2]
                    if f1 > best[0]:
                        best = (f1, t, m)
            _f1, t, m = best
        chosen.append((t, m) if consolidate else t)
        linked, merges = _linked(keys, signatures, LinkSettings(link_threshold=t), consolidate, learned)
        predicted = _merged(linked, merges, m)
        score_test_texts(predicted, [keys[i] for i in test], truth, str(fold), per_item, pair_pred)
    p, r, f = bcubed_of(per_item)
    pp, pr, pf = pairwise(pair_pred, {k: f"{pair_pred[k].split(':')[0]}:{truth[k]}" for k in keys})
    label = (
        ("gold statutes (diagnostic)" if gold else "CV-routed statutes")
        + (", link + consolidate" if consolidate else ", link on arrival only")
        + (", term specificity learned on the training folds" if specificity else "")
    )
    print(f"\nrecurring-rule clustering, {label} (thresholds chosen on training folds: {chosen}):")
    print(f"  B-cubed P {p:.3f}  R {r:.3f}  F1 {f:.3f} (target ≥ 0.80); pairwise P {pp:.3f}  R {pr:.3f}  F1 {pf:.3f}"
          f"  ({time.process_time() - c0:.0f}s CPU)", flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/haechi-cluster"))
    parser.add_argument("--gold", action="store_true", help="also the gold statutes/articles (diagnostic)")
    parser.add_argument("--only-consolidated", action="store_true", help="skip linking on arrival alone")
    parser.add_argument(
        "--specificity", action="store_true", help="also with term specificity learned on the training folds"
    )
    args = parser.parse_args()
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    prepared = prepare(args.folds, args.cache_dir)
    for gold in (False, True) if args.gold else (False,):
        for consolidate in (True,) if args.only_consolidated else (False, True):
            linking_run(prepared, gold=gold, consolidate=consolidate)
            if args.specificity:
                linking_run(prepared, gold=gold, consolidate=consolidate, specificity=True)


if __name__ == "__main__":
    main()
