"""Recurring-regulation linking: quality on barriers-dev clusters and cost at 10,000 real texts.

    .venv/bin/python bench/routing_lsh.py [--data DIR] [--cache var/routing/corpus-cache.joblib] [--scale 10000]

Quality: barriers arrive one by one (file order, which is shuffled) and are linked by
``NearDuplicateIndex.link``; the groups formed are scored against ``cluster`` with B-cubed and
pairwise precision/recall/F1, and the 12 documented near-miss pairs are checked. Three
signatures: morphemes only; + statutes/articles the text names; + statutes/articles the router
proposes, where the router is trained by grouped 5-fold CV so a text's statutes never come from
a model that saw its cluster.

Scale: petitions, Seoul civic proposals and support-program announcements (real text nobody
wrote for Haechi), up to ``--scale`` items: morpheme analysis time, insert+query (link) time per
item as the index grows, groups formed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sklearn.model_selection import GroupKFold  # noqa: E402

from core.korean import content_morphemes  # noqa: E402
from routing.classifier import Router, RouterWeights, load_labelled  # noqa: E402
from routing.near_duplicates import BarrierFeatures, NearDuplicateIndex, bcubed, learn_linking, pairwise  # noqa: E402

NEAR_MISSES = [
    ("D0007", "D0222"), ("D0054", "D0210"), ("D0087", "D0336"), ("D0095", "D0108"), ("D0124", "D0266"),
    ("D0205", "D0312"), ("D0279", "D0307"), ("D0264", "D0291"), ("D0033", "D0233"), ("D0035", "D0263"),
    ("D0314", "D0342"), ("D0078", "D0298"),
]  # fmt: skip
_TAGS = re.compile(r"<[^>]+>|&nbsp;|&[a-z]+;")


def quality(args: argparse.Namespace) -> None:
    import joblib

    items = load_labelled(args.data / "barriers-dev.jsonl")
    router: Router = joblib.load(args.cache)
    analyses = router.analyse([i.full_text for i in items])
    named: list[tuple[set[str], set[str]]] = []
    for a in analyses:
        laws = {router.index.law_of(x) for x in a.refs.statute_ids()}
        arts = {f"{router.index.law_of(law)} {n}" for law, ns in a.refs.articles_by_statute().items() for n in ns}
        named.append((laws, arts))
    retrieved = [{law for law, *_ in a.retrieved[:2]} for a in analyses]  # label-free
    routed: list[tuple[set[str], set[str]]] = [(set(), set())] * len(items)
    for train, test in GroupKFold(5).split(items, groups=[i.cluster for i in items]):
        fold = Router(index=router.index, retriever=router.retriever, agencies=router.agencies,
                      law_sectors=router.law_sectors, weights=RouterWeights())  # fmt: skip
        fold.fit([items[i] for i in train], analyses=[analyses[i] for i in train])
        for i, r in zip(test, fold.route_analyses([analyses[i] for i in test]), strict=True):
            top = r.statutes[:2]
            laws = {router.index.law_of(s.law_id) for s in top}
            arts = {f"{router.index.law_of(s.law_id)} {n}" for s in top for n in s.articles}
            routed[i] = (laws, arts)
    truth = {i.id: i.cluster for i in items}
    print(f"== linking {len(items)} barriers-dev texts one by one ({len(set(truth.values()))} true clusters) ==")
    print(f"{'signature':32} {'groups':>6} {'B3 P':>6} {'B3 R':>6} {'B3 F1':>6} {'pair P':>6} {'pair R':>6} "
          f"{'pair F1':>7} {'near-miss kept apart':>20}")  # fmt: skip
    variants = {
        "morphemes only": lambda i: (set(), set()),
        "+ named statutes/articles": lambda i: named[i],
        "+ named + top-2 corpus-retrieved laws": lambda i: (named[i][0] | retrieved[i], named[i][1]),
        "+ routed statutes/articles (CV)": lambda i: (named[i][0] | routed[i][0], named[i][1] | routed[i][1]),
    }
    for label, extra in variants.items():
        index = NearDuplicateIndex()
        predicted: dict[str, str] = {}
        for n, (item, analysis) in enumerate(zip(items, analyses, strict=True)):
            laws, arts = extra(n)
            features = BarrierFeatures.from_tokens(analysis.morphemes, statutes=laws, articles=arts)
            predicted[item.id] = index.link(item.id, features)[0]
        b = bcubed(predicted, truth)
        p = pairwise(predicted, truth)
        apart = sum(predicted[a] != predicted[b] for a, b in NEAR_MISSES)
        print(f"{label:32} {len(set(predicted.values())):>6} {b[0]:>6.3f} {b[1]:>6.3f} {b[2]:>6.3f} "
              f"{p[0]:>6.3f} {p[1]:>6.3f} {p[2]:>7.3f} {apart:>17}/12")  # fmt: skip


def scale(args: argparse.Namespace) -> None:
    texts = list(_real_texts(args.data / "real", args.scale))
    print(f"\n== scale: {len(texts)} real texts (petitions, Seoul proposals, support programmes) ==")
    started = time.process_time()
    features = [BarrierFeatures.from_tokens(content_morphemes(t[:2000])) for t in texts]
    analysed = time.process_time() - started
    mean_grams = sum(len(f.morphemes) for f in features) / max(len(features), 1)
    print(f"morpheme analysis: {analysed:.1f}s CPU, {1000 * analysed / len(texts):.1f} ms per text (≤2,000 chars); "
          f"{mean_grams:.0f} grams per text; load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    index = new_index(args)
    queries: list[float] = []
    inserts: list[float] = []
    checkpoints = {1000, 2500, 5000, 7500, len(texts)}
    for n, f in enumerate(features, start=1):
        t0 = time.process_time()
        group, _score = index.best_group(f)  # LSH query + pair and group scores
        t1 = time.process_time()
        index.insert(f"T{n}", f, group=group or f"T{n}")
        queries.append(t1 - t0)
        inserts.append(time.process_time() - t1)
        if n in checkpoints:
            q, i = np.array(queries[-500:]) * 1000, np.array(inserts[-500:]) * 1000
            print(f"  after {n:>6} items: query p50 {np.percentile(q, 50):.2f} ms, p95 {np.percentile(q, 95):.2f} ms; "
                  f"insert p50 {np.percentile(i, 50):.2f} ms, p95 {np.percentile(i, 95):.2f} ms (CPU, last 500)",
                  flush=True)  # fmt: skip
    started = time.process_time()
    merges = index.consolidate()  # one pass over every group, as the hourly consolidate_recurring
    spent = time.process_time() - started
    print(f"consolidation over all {len(index.members) + len(merges):,} groups: {spent:.1f}s CPU, {len(merges)} merges")
    groups = index.groups()
    multi = [g for g in groups.values() if len(g) > 1]
    print(f"groups: {len(groups)} ({len(multi)} with 2+ members, largest {max(map(len, groups.values()))})")
    for members in sorted(multi, key=len, reverse=True)[:3]:
        sample = [texts[int(k[1:]) - 1][:60].replace("\n", " ") for k in members[:3]]
        print(f"  e.g. {len(members)} members: " + " | ".join(sample))


def synthetic_scale(args: argparse.Namespace) -> None:
    """Insert/query cost at sizes no real corpus here reaches: each signature keeps half the
    grams of a random barriers-dev text (so common words are as common as in real complaints)
    plus five of ten words private to one of N/5 topics (so groups of about five form)."""
    import random
    import resource

    from routing.classifier import load_labelled as _load

    rng = random.Random(7)
    base = [sorted(BarrierFeatures.from_tokens(content_morphemes(i.full_text)).morphemes)
            for i in _load(args.data / "barriers-dev.jsonl")[:120]]  # fmt: skip
    checkpoints = {c for c in (1_000, 10_000, 100_000) if c <= args.synthetic} | {args.synthetic}
    index = new_index(args)
    timings: list[float] = []
    touched: set[str] = set()
    print(f"\n== scale, synthetic: {args.synthetic:,} signatures ==")
    for n in range(1, args.synthetic + 1):
        words = rng.choice(base)
        topic = rng.randrange(max(1, args.synthetic // 5))
        grams = set(rng.sample(words, k=len(words) // 2)) | {f"t{topic}_{k}" for k in rng.sample(range(10), 5)}
        features = BarrierFeatures(frozenset(grams))
        t0 = time.process_time()
        touched.add(index.link(f"S{n}", features)[0])
        timings.append(time.process_time() - t0)
        if n in checkpoints:
            window = np.array(timings[-1000:]) * 1000
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            t1 = time.process_time()
            merges = index.consolidate(list(touched)[-1000:])
            print(f"  at {n:>7,}: link (LSH query + group score + insert) p50 {np.percentile(window, 50):.2f} ms, "
                  f"p95 {np.percentile(window, 95):.2f} ms (last 1,000); consolidating 1,000 touched groups "
                  f"{time.process_time() - t1:.1f}s CPU ({len(merges)} merges); RSS {rss:.0f} MB",
                  flush=True)  # fmt: skip
            touched.clear()
    started = time.process_time()
    merges = index.consolidate()  # one pass over every group, as the hourly consolidate_recurring
    spent = time.process_time() - started
    print(f"groups: {len(index.members) + len(merges):,}; consolidation over all of them {spent:.1f}s CPU, "
          f"{len(merges)} merges; load average {os.getloadavg()[0]:.1f}")  # fmt: skip


def new_index(args: argparse.Namespace) -> NearDuplicateIndex:
    """An empty index for the scale runs: the defaults, or with ``--learned`` the linking a router
    learns in production (``near_duplicates.learn_linking`` on the labelled dev set's morphemes and
    clusters: term specificity, link and merge thresholds)."""
    if not args.learned:
        return NearDuplicateIndex()
    items = load_labelled(args.data / "barriers-dev.jsonl")
    started = time.process_time()
    learned = learn_linking((content_morphemes(i.full_text), i.cluster or i.id) for i in items)
    print(f"learned linking in {time.process_time() - started:.1f}s CPU: link threshold "
          f"{learned.settings.link_threshold}, merge threshold {learned.settings.merge_threshold}")  # fmt: skip
    return learned.index()


def _real_texts(real: Path, limit: int):  # type: ignore[no-untyped-def]
    sources = [
        (real / "petitions_cheongwadae" / "petitions.jsonl", ("title", "content")),
        (real / "seoul_civic_proposals" / "free_proposals.jsonl", ("title", "content")),
        (real / "seoul_civic_proposals" / "adopted_proposals.jsonl", ("title", "content")),
        (real / "bizinfo_support_programs" / "bizinfo_2021-12.jsonl", ("pblancNm", "bsnsSumryCn")),
    ]
    count = 0
    for path, fields in sources:
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue
                text = " ".join(_TAGS.sub(" ", str(row.get(f) or "")) for f in fields).strip()
                if len(text) < 20:
                    continue
                yield text
                count += 1
                if count >= limit:
                    return
    # The three sources hold about 9,000 texts: top up with the second halves of long petitions.
    with (real / "petitions_cheongwadae" / "petitions.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            content = str(json.loads(line).get("content") or "")
            if len(content) >= 1200 and count < limit:
                yield content[len(content) // 2 :]
                count += 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared" / "data")
    parser.add_argument("--cache", type=Path, default=Path("var/routing/corpus-cache.joblib"))
    parser.add_argument("--scale", type=int, default=10_000)
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--synthetic", type=int, default=0, help="also N synthetic signatures (e.g. 100000)")
    parser.add_argument("--learned", action="store_true", help="scale runs with the learned linking (as production)")
    args = parser.parse_args()
    if not args.skip_quality:
        quality(args)
    if args.scale:
        scale(args)
    if args.synthetic:
        synthetic_scale(args)


if __name__ == "__main__":
    main()
