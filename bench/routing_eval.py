"""Routing quality by grouped cross-validation on barriers-dev.jsonl (never tested on training text).

    .venv/bin/python bench/routing_eval.py [--data DIR] [--folds 5] [--cache var/routing/corpus.joblib]

Folds are GroupKFold by ``cluster``: every paraphrase of a rule sits on one side only, so the
figures are for rules the model never saw. The statute index and the article retriever are built
from the corpus alone (no labels) and shared by all folds; everything learned is refitted per
fold. Prints, for the router and two baselines (majority class; TF-IDF + logistic regression on
kiwipiepy morphemes): sector accuracy and macro-F1, Brier score and expected calibration error;
agency top-1/top-3; statute-reference precision/recall on named statutes; proposed statutes
P/R/F1 (texts citing a statute vs not); implied-statute recall@3; articles P/R.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score  # noqa: E402
from sklearn.model_selection import GroupKFold  # noqa: E402

from core.korean import content_morphemes  # noqa: E402
from routing.classifier import (  # noqa: E402
    SECTORS,
    LabelledBarrier,
    Router,
    RouterWeights,
    build_router,
    load_labelled,
)
from routing.references import extract_references  # noqa: E402


def brier(probabilities: np.ndarray, truth: list[str]) -> float:
    onehot = np.array([[1.0 if s == t else 0.0 for s in SECTORS] for t in truth])
    return float(np.mean(np.sum((probabilities - onehot) ** 2, axis=1)))


def ece(probabilities: np.ndarray, truth: list[str], bins: int = 10) -> float:
    confidence = probabilities.max(axis=1)
    predicted = [SECTORS[i] for i in probabilities.argmax(axis=1)]
    correct = np.array([p == t for p, t in zip(predicted, truth, strict=True)], dtype=float)
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        mask = (confidence > lo) & (confidence <= hi)
        if mask.any():
            total += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(total)


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def topk(ranked: list[list[str]], gold: list[str], k: int) -> float:
    return float(np.mean([g in r[:k] for r, g in zip(ranked, gold, strict=True)]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared" / "data")
    parser.add_argument("--labels", type=Path, default=None)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=None, help="joblib cache of the label-free corpus parts")
    args = parser.parse_args()
    items = load_labelled(args.labels or args.data / "barriers-dev.jsonl")
    groups = [i.cluster for i in items]

    started = time.perf_counter()
    router = _corpus_router(args.data, args.cache)
    print(f"corpus parts (index {len(router.index)} statutes, retriever): {time.perf_counter() - started:.1f}s")

    n = len(items)
    sector_p = np.zeros((n, len(SECTORS)))
    agencies: list[list[str]] = [[] for _ in range(n)]
    statutes: list[list[str]] = [[] for _ in range(n)]
    candidates: list[list[str]] = [[] for _ in range(n)]
    articles: list[list[str]] = [[] for _ in range(n)]
    base_sector: list[str] = [""] * n
    base_agency: list[list[str]] = [[] for _ in range(n)]
    major_sector: list[str] = [""] * n
    major_agency: list[str] = [""] * n
    route_seconds = 0.0
    morphemes = [" ".join(content_morphemes(i.full_text)) for i in items]
    for train, test in GroupKFold(n_splits=args.folds).split(items, groups=groups):
        train_items = [items[i] for i in train]
        fold = Router(
            index=router.index,
            retriever=router.retriever,
            agencies=router.agencies,
            law_sectors=router.law_sectors,
            weights=RouterWeights(),
        ).fit(train_items)
        t0 = time.perf_counter()
        routed = fold.route_many([(items[i].title, items[i].text) for i in test])
        route_seconds += time.perf_counter() - t0
        for i, r in zip(test, routed, strict=True):
            sector_p[i] = [r.sector_scores[s] for s in SECTORS]
            agencies[i] = [a.name for a in r.agencies]
            statutes[i] = [s.name for s in r.statutes]
            articles[i] = r.articles
            candidates[i] = _candidates(fold, r)
        _baselines(train_items, [items[i] for i in test], [morphemes[i] for i in train], [morphemes[i] for i in test],
                   test, base_sector, base_agency, major_sector, major_agency)  # fmt: skip

    truth = [i.sector for i in items]
    primary = [i.ministries[0] if i.ministries else "" for i in items]
    predicted = [SECTORS[j] for j in sector_p.argmax(axis=1)]
    print(f"\n== grouped {args.folds}-fold CV by cluster: {n} texts, {len(set(groups))} clusters ==")
    print(f"{'':34} {'router':>8} {'tfidf+LR':>9} {'majority':>9}")
    rows = [
        ("sector accuracy", accuracy_score(truth, predicted), accuracy_score(truth, base_sector),
         accuracy_score(truth, major_sector)),
        ("sector macro-F1", f1_score(truth, predicted, average="macro"), f1_score(truth, base_sector, average="macro"),
         f1_score(truth, major_sector, average="macro")),
        ("agency top-1 (primary ministry)", topk(agencies, primary, 1), topk(base_agency, primary, 1),
         float(np.mean([m == p for m, p in zip(major_agency, primary, strict=True)]))),
        ("agency top-3 (primary ministry)", topk(agencies, primary, 3), topk(base_agency, primary, 3), float("nan")),
    ]  # fmt: skip
    for name, *values in rows:
        print(f"{name:34} " + " ".join(f"{v:>8.3f} " for v in values))
    any_gold = np.mean([bool(set(a[:1]) & set(i.ministries)) for a, i in zip(agencies, items, strict=True)])
    print(f"{'agency top-1 in any gold ministry':34} {any_gold:>8.3f}")
    print(f"{'sector Brier score (6 classes)':34} {brier(sector_p, truth):>8.3f}")
    print(f"{'sector ECE (10 bins, top label)':34} {ece(sector_p, truth):>8.3f}")

    # Named statutes: the reference extractor alone (no learning involved).
    tp = fp = fn = 0
    for item in items:
        found = {router.index.records[x].name for x in extract_references(item.full_text, router.index).statute_ids()}
        gold = set(item.statutes)
        tp, fp = tp + len(found & gold), fp + len(found - gold)
        if _explicit(item):
            fn += len(gold - found)
    p, r, f = prf(tp, fp, fn)
    citing = sum(_explicit(i) for i in items)
    print(f"\nnamed-statute extraction: precision {p:.3f} (all texts), recall {r:.3f} over every gold statute of "
          f"the {citing} citing texts (gold also lists implied decrees), F1 {f:.3f}")  # fmt: skip
    for label, selector in (("texts citing a statute", True), ("texts citing none", False), ("all texts", None)):
        tp = fp = fn = 0
        for item, proposed in zip(items, statutes, strict=True):
            if selector is not None and _explicit(item) != selector:
                continue
            gold, got = set(item.statutes), set(proposed)
            tp, fp, fn = tp + len(got & gold), fp + len(got - gold), fn + len(gold - got)
        p, r, f = prf(tp, fp, fn)
        print(f"proposed statutes, {label:24} P {p:.3f}  R {r:.3f}  F1 {f:.3f}")
    recall3 = []
    for item, cands in zip(items, candidates, strict=True):
        if _explicit(item):
            continue
        gold_laws = {_law_name(router, s) for s in item.statutes} - {None}
        if gold_laws:
            recall3.append(len(gold_laws & set(cands[:3])) / len(gold_laws))
    print(f"implied-statute recall@3 (law level, texts citing none: {len(recall3)}): {np.mean(recall3):.3f}")
    tp = fp = fn = 0
    for item, got_articles in zip(items, articles, strict=True):
        gold, got = set(item.articles), set(got_articles)
        tp, fp, fn = tp + len(got & gold), fp + len(got - gold), fn + len(gold - got)
    p, r, f = prf(tp, fp, fn)
    print(f"articles                           P {p:.3f}  R {r:.3f}  F1 {f:.3f}")
    print(f"\nrouting time in CV: {1000 * route_seconds / n:.1f} ms per text (batched per fold, incl. kiwipiepy)")


def _explicit(item: LabelledBarrier) -> bool:
    return item.explicit_citation


def _law_name(router: Router, name: str) -> str | None:
    record = router.index.by_name(name)
    return router.index.records[router.index.law_of(record.law_id)].name if record else None


def _candidates(router: Router, routing) -> list[str]:  # type: ignore[no-untyped-def]
    seen: dict[str, None] = {}
    for law_id in routing.candidates:
        seen.setdefault(router.index.records[router.index.law_of(law_id)].name, None)
    return list(seen)


def _baselines(train, test, train_docs, test_docs, test_ids, base_sector, base_agency, major_sector, major_agency):  # type: ignore[no-untyped-def]
    vectorizer = TfidfVectorizer(token_pattern=r"\S+", sublinear_tf=True)
    x_train, x_test = vectorizer.fit_transform(train_docs), vectorizer.transform(test_docs)
    sector = LogisticRegression(C=10, max_iter=3000).fit(x_train, [i.sector for i in train])
    agency = LogisticRegression(C=10, max_iter=3000).fit(x_train, [i.ministries[0] for i in train])
    probabilities = agency.predict_proba(x_test)
    majority_sector = Counter(i.sector for i in train).most_common(1)[0][0]
    majority_agency = Counter(i.ministries[0] for i in train).most_common(1)[0][0]
    for row, (i, s) in enumerate(zip(test_ids, sector.predict(x_test), strict=True)):
        base_sector[i] = s
        base_agency[i] = [str(agency.classes_[j]) for j in np.argsort(-probabilities[row])[:3]]
        major_sector[i] = majority_sector
        major_agency[i] = majority_agency


def _corpus_router(data: Path, cache: Path | None) -> Router:
    import joblib

    if cache is not None and cache.exists():
        return joblib.load(cache)
    router = build_router(data)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(router, cache)
    return router


if __name__ == "__main__":
    main()
