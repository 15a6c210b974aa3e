"""Sector quality on rules the model never saw: the Router's sector model vs routing.sector_model.

    .venv/bin/python bench/routing_sector.py [--data DIR] [--folds 5] [--corpus var/routing/candidates-cache.joblib]
        [--analyses var/routing/sector-analyses.pkl] [--errors 40] [--real 200]

Folds are ``GroupKFold(n_splits=folds)`` by ``cluster`` over ``barriers-dev.jsonl`` in file order,
exactly as ``bench/routing_eval.py`` builds them, so every paraphrase of a rule sits on one side
only. The label-free reading of the texts (kiwipiepy morphemes, named statutes, the corpus'
candidate laws and profiles) is shared by the folds and cached in ``--analyses`` (rebuilt when the
data file or the corpus cache changes); everything learned is refitted per fold, and every
parameter of :class:`routing.sector_model.SectorModel` (stacker regularisation, class weighting
and temperature) is chosen inside the training folds.

Prints, for both models: accuracy, macro-F1, per-sector F1, confusion matrix, Brier score, ECE;
an error analysis of the Router's sector model (confusions, the words of the confused texts, how
often the best candidate law's corpus sector is right when the classifier is wrong); and the CPU
time per text of the sector prediction alone (one text at a time, analysis excluded: the router
computes that anyway). Then the same error analysis of the SectorModel's own misses.

``--real N``: both models fitted on the whole dev set read N real petitions
(``real/petitions_cheongwadae``, every k-th line: no labels) and the bench prints the sectors they
propose, by the board's own category: most petitions are outside the five fields, so a model that
files them under a digital sector has learned the dev set's sector mix, not what "other" means.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score  # noqa: E402
from sklearn.model_selection import GroupKFold  # noqa: E402

from bench.routing_eval import brier, corpus_router, ece  # noqa: E402
from routing.classifier import (  # noqa: E402
    SECTORS,
    LabelledBarrier,
    LinearProbabilities,
    Router,
    RouterWeights,
    _calibrated_sector_model,
    load_labelled,
    normalize_sector,
)
from routing.retrieval import tfidf_transform  # noqa: E402
from routing.sector_model import SectorCorpus, SectorInput, SectorModel, input_from_analysis  # noqa: E402

_REPO = Path(__file__).resolve().parent.parent


def cached_analyses(router: Router, items: list[LabelledBarrier], path: Path, key: str) -> list[Any]:
    if path.exists():
        with path.open("rb") as handle:
            stored_key, analyses = pickle.load(handle)
        if stored_key == key and len(analyses) == len(items):
            return analyses
    analyses = router.analyse([item.full_text for item in items])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as handle:
        pickle.dump((key, analyses), handle, protocol=5)
    tmp.replace(path)
    return analyses


class RouterSectorModel:
    """The Router's sector model as ``Router._fit_learned`` builds it: TF-IDF over the router's
    tokens, a LinearSVC sigmoid-calibrated on grouped inner folds (``_calibrated_sector_model``)."""

    def __init__(self, items: list[LabelledBarrier], tokens: list[str], c: float) -> None:
        self.vectorizer = TfidfVectorizer(
            token_pattern=r"\S+", ngram_range=(1, 1), sublinear_tf=True, min_df=1, lowercase=False
        )
        features = self.vectorizer.fit_transform(tokens)
        self.model = LinearProbabilities.of(_calibrated_sector_model(features, items, c=c))

    def predict_proba(self, tokens: list[str]) -> np.ndarray:
        p = self.model.predict_proba(tfidf_transform(self.vectorizer, tokens))
        out = np.zeros((len(tokens), len(SECTORS)))
        for k, code in enumerate(self.model.classes_):
            out[:, SECTORS.index(normalize_sector(str(code)))] += p[:, k]
        return out


def report(name: str, p: np.ndarray, truth: list[str]) -> None:
    predicted = [SECTORS[j] for j in p.argmax(axis=1)]
    per_class = f1_score(truth, predicted, labels=list(SECTORS), average=None)
    print(f"\n-- {name} --")
    print(
        f"accuracy {accuracy_score(truth, predicted):.3f}  macro-F1 {f1_score(truth, predicted, average='macro'):.3f}  "
        f"Brier {brier(p, truth):.3f}  ECE {ece(p, truth):.3f}"
    )
    print("F1 per sector: " + "  ".join(f"{s} {v:.2f}" for s, v in zip(SECTORS, per_class, strict=True)))
    print("confusion (rows: truth, columns: predicted)")
    print(f"{'':>10}" + "".join(f"{s[:8]:>9}" for s in SECTORS))
    for s, row in zip(SECTORS, confusion_matrix(truth, predicted, labels=list(SECTORS)), strict=True):
        print(f"{s:>10}" + "".join(f"{v:>9}" for v in row))


def error_analysis(
    items: list[LabelledBarrier],
    inputs: list[SectorInput],
    p: np.ndarray,
    corpus: SectorCorpus,
    shown: int,
    name: str = "the Router's sector model",
) -> None:
    truth = np.array([normalize_sector(i.sector) for i in items])
    predicted = np.array([SECTORS[j] for j in p.argmax(axis=1)])
    wrong = predicted != truth
    print(f"\n== error analysis: {name}, {int(wrong.sum())} wrong of {len(items)} ==")
    confident = int((wrong & (p.max(axis=1) >= 0.8)).sum())
    right_p = p[np.flatnonzero(wrong), [SECTORS.index(t) for t in truth[wrong]]]
    print(f"  wrong with p >= 0.8: {confident}; mean p of the wrong sector {p[wrong].max(axis=1).mean():.2f}, "
          f"of the right one {right_p.mean():.2f}")  # fmt: skip
    pairs = Counter(zip(truth[wrong], predicted[wrong], strict=True))
    overall = Counter(m for x in inputs for m in set(x.morphemes))
    for (t, q), n in pairs.most_common(6):
        rows = [k for k in np.flatnonzero(wrong) if truth[k] == t and predicted[k] == q]
        words = Counter(m for k in rows for m in set(inputs[k].morphemes))
        # the words these texts share more than the dev set at large does
        lifted = sorted(words, key=lambda w: -(words[w] / len(rows)) / (overall[w] / len(items)) if words[w] > 1 else 0)
        print(f"  {t:>9} → {q:<9} {n:>3}  words: {' '.join(lifted[:10])}")
    top = np.array([corpus.sector_of(x.candidates[0][0]) if x.candidates else "none" for x in inputs])
    mapped = np.array([t in SECTORS for t in top])
    print(f"  best candidate law's corpus sector = truth: all texts {np.mean(top == truth):.3f}; "
          f"where the classifier is wrong {np.mean(top[wrong] == truth[wrong]):.3f} "
          f"(outside the sector subset there: {np.mean(~mapped[wrong]):.3f})")  # fmt: skip
    truth_other = truth == "other"
    outside_other, outside_rest = np.mean(top[truth_other] == "outside"), np.mean(top[~truth_other] == "outside")
    print(f"  texts whose best candidate law lies outside the sector subset: 'other' {outside_other:.3f}, "
          f"the five sectors {outside_rest:.3f}")  # fmt: skip
    print(f"  first {shown} errors (id cluster truth → predicted p | best candidate law's sector | title):")
    for k in np.flatnonzero(wrong)[:shown]:
        print(f"    {items[k].id} {items[k].cluster} {truth[k]:>9} → {predicted[k]:<9} {p[k].max():.2f} | "
              f"{top[k]:<9} | {items[k].title[:40]}")  # fmt: skip


def real_petitions(path: Path, n: int) -> list[tuple[str, str]]:
    """(category, title + text) of ``n`` petitions spread over the file (every k-th line)."""
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    step = max(1, len(rows) // n)
    return [
        (str(r.get("category") or ""), f"{r.get('title') or ''}\n{r.get('content') or ''}") for r in rows[::step][:n]
    ]


def real_report(
    router: Router,
    corpus: SectorCorpus,
    items: list[LabelledBarrier],
    inputs: list[SectorInput],
    data: Path,
    n: int,
) -> None:
    petitions = real_petitions(data / "real" / "petitions_cheongwadae" / "petitions.jsonl", n)
    c0 = time.process_time()
    analyses = router.analyse([text for _category, text in petitions])
    print(f"\n== {len(petitions)} real petitions (no labels), models fitted on all {len(items)} dev texts ==")
    print(f"analyses: {time.process_time() - c0:.1f} s CPU")
    real_inputs = [input_from_analysis(router, a) for a in analyses]
    base = RouterSectorModel(items, [x.tokens for x in inputs], c=RouterWeights().sector_c)
    model = SectorModel(corpus).fit(inputs, [i.sector for i in items], [i.cluster for i in items])
    for name, p in (
        ("Router sector model", base.predict_proba([x.tokens for x in real_inputs])),
        ("SectorModel", model.predict_proba(real_inputs)),
    ):
        predicted = [SECTORS[j] for j in p.argmax(axis=1)]
        counts = Counter(predicted)
        print(f"-- {name}: " + "  ".join(f"{s} {counts[s]}" for s in SECTORS)
              + f"  (mean top probability {p.max(axis=1).mean():.2f})")  # fmt: skip
        by_category: dict[str, Counter[str]] = {}
        for (category, _text), sector in zip(petitions, predicted, strict=True):
            by_category.setdefault(category, Counter())[sector] += 1
        for category, c in sorted(by_category.items(), key=lambda kv: -sum(kv[1].values()))[:8]:
            print(f"   {category:<14} " + " ".join(f"{s}:{k}" for s, k in c.most_common(3)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=_REPO.parent / "shared" / "data")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--corpus", type=Path, default=_REPO / "var" / "routing" / "candidates-cache.joblib")
    parser.add_argument("--analyses", type=Path, default=_REPO / "var" / "routing" / "sector-analyses.pkl")
    parser.add_argument("--errors", type=int, default=30, help="errors listed in the analysis")
    parser.add_argument("--real", type=int, default=0, help="real petitions to read after the CV (0: none)")
    args = parser.parse_args()

    items = load_labelled(args.data / "barriers-dev.jsonl")
    groups = [i.cluster for i in items]
    truth = [normalize_sector(i.sector) for i in items]
    c0 = time.process_time()
    router = corpus_router(args.data, args.corpus)
    print(f"corpus parts: {time.process_time() - c0:.1f} s CPU")
    stat = (args.data / "barriers-dev.jsonl").stat()
    corpus_stat = args.corpus.stat() if args.corpus.exists() else None
    key = hashlib.sha256(
        repr((stat.st_size, stat.st_mtime_ns, corpus_stat and (corpus_stat.st_size, corpus_stat.st_mtime_ns))).encode()
    ).hexdigest()
    c0 = time.process_time()
    analyses = cached_analyses(router, items, args.analyses, key)
    print(f"analyses of {len(items)} texts: {time.process_time() - c0:.1f} s CPU (cache {args.analyses})")
    c0 = time.process_time()
    corpus = SectorCorpus.from_router(router, args.data / "statutes-sectors.jsonl.gz")
    print(f"sector corpus evidence built (label-free): {time.process_time() - c0:.2f} s CPU, "
          f"{len(corpus.law_sector)} laws in the sector subset, {len(corpus.vocabulary)} words")  # fmt: skip
    inputs = [input_from_analysis(router, a) for a in analyses]
    tokens = [x.tokens for x in inputs]

    n = len(items)
    base_p = np.zeros((n, len(SECTORS)))
    new_p = np.zeros((n, len(SECTORS)))
    base_cpu: list[float] = []
    new_cpu: list[float] = []
    chosen = []
    splits = list(GroupKFold(n_splits=args.folds).split(items, groups=groups))
    for fold_no, (train, test) in enumerate(splits, start=1):
        c0 = time.process_time()
        base = RouterSectorModel([items[i] for i in train], [tokens[i] for i in train], c=RouterWeights().sector_c)
        c1 = time.process_time()
        model = SectorModel(corpus).fit(
            [inputs[i] for i in train], [items[i].sector for i in train], [groups[i] for i in train]
        )
        c2 = time.process_time()
        chosen.append((model.stacker_c, model.stacker_weighting))
        print(f"fold {fold_no}/{args.folds}: router sector model fitted in {c1 - c0:.1f} s CPU, "
              f"sector model in {c2 - c1:.1f} s CPU (stacker C {model.stacker_c}, "
              f"class weights {model.stacker_weighting})", flush=True)  # fmt: skip
        for i in test:  # one text at a time, as the submit task routes
            c0 = time.process_time()
            base_p[i] = base.predict_proba([tokens[i]])[0]
            c1 = time.process_time()
            new_p[i] = model.predict_proba([inputs[i]])[0]
            c2 = time.process_time()
            base_cpu.append(1000 * (c1 - c0))
            new_cpu.append(1000 * (c2 - c1))

    print(f"\n== sector, grouped {args.folds}-fold CV by cluster: {n} texts, {len(set(groups))} clusters ==")
    report("Router sector model (calibrated LinearSVC on tokens)", base_p, truth)
    report("SectorModel (text classifier + corpus evidence, stacked on inner grouped folds)", new_p, truth)
    error_analysis(items, inputs, base_p, corpus, args.errors)
    error_analysis(items, inputs, new_p, corpus, args.errors, name="SectorModel")
    load = os.getloadavg()[0]
    b, s = np.array(base_cpu), np.array(new_cpu)
    print(f"\nCPU per text, sector prediction only (load {load:.1f} on {os.cpu_count()} cores): "
          f"router model mean {b.mean():.2f} ms p95 {np.percentile(b, 95):.2f} ms; "
          f"SectorModel mean {s.mean():.2f} ms p95 {np.percentile(s, 95):.2f} ms "
          f"(own text classifier included; in place of the router's: {s.mean() - b.mean():+.2f} ms)")  # fmt: skip
    if args.real > 0:
        real_report(router, corpus, items, inputs, args.data, args.real)


if __name__ == "__main__":
    main()
