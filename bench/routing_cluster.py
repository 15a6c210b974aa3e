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

from bench.routing_eval import gold_laws_and_articles  # noqa: E402
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


def production_linking(prepared: dict, *, gold: bool) -> None:
    """``NearDuplicateIndex.link`` as bench/routing_eval.py runs it, on the cached CV routing."""
    from bench.routing_eval import _clustering_run
    from routing.classifier import LabelledBarrier
    from routing.near_duplicates import BarrierFeatures

    rows = prepared["rows"]
    items = [LabelledBarrier(id=r["id"], title=r["title"], text=r["text"], cluster=r["cluster"]) for r in rows]
    signatures = []
    for r in rows:
        if gold:
            laws, arts = set(r["gold_laws"]), set(r["gold_articles"])
        else:
            laws, arts = set(r["named_laws"]), set(r["named_articles"])
            for law, _score, numbers, _explicit in r["routed"][:1]:
                laws.add(law)
                arts.update(f"{law} {n}" for n in numbers)
        signatures.append(BarrierFeatures.from_tokens(r["morphemes"], statutes=laws, articles=arts))
    weights = ((0.0, 0.0), (0.2, 0.2), (0.4, 0.4)) if gold else ((0.0, 0.0),)
    c0 = time.process_time()
    _clustering_run("gold statutes" if gold else "CV-routed statutes", items, signatures, prepared["splits"], weights)
    print(f"  ({time.process_time() - c0:.0f}s CPU)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/haechi-cluster"))
    parser.add_argument("--gold", action="store_true", help="also the gold statutes/articles (diagnostic)")
    args = parser.parse_args()
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    prepared = prepare(args.folds, args.cache_dir)
    production_linking(prepared, gold=False)
    if args.gold:
        production_linking(prepared, gold=True)


if __name__ == "__main__":
    main()
