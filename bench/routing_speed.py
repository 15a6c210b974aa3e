"""Routing speed: model load time and memory, per-text latency (p50/p95), batch throughput.

    .venv/bin/python bench/routing_speed.py [--model var/routing/router.joblib] [--n 300]
    .venv/bin/python bench/routing_speed.py --batch IN.jsonl [--n 1000] [--chunk 256 64]

Needs a trained model (``manage.py train_routing``). Texts are barriers-dev.jsonl complaints,
routed one at a time (what the submit task does) and then as one batch (what route_batch does).
Memory is the process' peak resident set size (ru_maxrss), before and after loading. Latency is
printed as wall time and as this process' CPU time (all its threads, Kiwi's workers included),
with the load average beside it: the machine is shared, so wall time mostly measures the others.

``--breakdown``: where a routed text's CPU time goes: the main steps of ``Router.route`` are
wrapped with CPU timers (inclusive: an indented line is part of the line above it), one text at
a time over the ``--n`` texts; steps the router no longer has are left out.

``--batch``: route_batch's own loop (``route_items``, grouping included, no database) over the
first ``--n`` lines of a JSONL file, per chunk size, with the morphemes of the next chunk
analysed ahead on a background thread (what route_batch does) and without; the outputs of all
runs must be equal, and the script says so. "In the main thread" is the CPU time of the thread
that routes: Kiwi's work runs in its own worker threads, so with the lookahead and a free core
that figure, not the process' CPU, bounds the wall time.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.korean import analyzer  # noqa: E402
from routing.classifier import Router, default_model_path, load_labelled, load_router  # noqa: E402


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def batch(router: Router, path: Path, n: int, chunks: list[int]) -> None:
    """route_batch's loop over ``path`` per chunk size, with and without the lookahead."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haechi.settings")
    django.setup()
    from routing.management.commands.route_batch import read_items, route_items
    from routing.near_duplicates import NearDuplicateIndex

    items = read_items(path)[:n]
    chars = sum(len(i["title"]) + len(i["text"]) for i in items) / max(len(items), 1)
    print(f"{len(items)} texts from {path.name}, mean {chars:.0f} characters")
    first = None
    for chunk in chunks:
        for lookahead in (True, False):
            t0, c0, m0 = time.perf_counter(), time.process_time(), time.thread_time()
            rows = route_items(router, items, NearDuplicateIndex(), chunk_size=chunk, lookahead=lookahead)
            wall, cpu, main = time.perf_counter() - t0, time.process_time() - c0, time.thread_time() - m0
            first = rows if first is None else first
            print(f"  chunk {chunk:4d}, {'next chunk analysed ahead' if lookahead else 'no lookahead            '}: "
                  f"{wall:6.1f}s wall, {cpu:6.1f}s CPU of which {main:5.1f}s in the main thread "
                  f"({1000 * cpu / len(items):.1f} ms CPU per text; {load()}); "
                  f"{'same output' if rows == first else 'OUTPUT DIFFERS'}")  # fmt: skip


# (owner, attribute, label) of the steps --breakdown times; owners are import paths.
BREAKDOWN_STEPS = (
    ("routing.classifier.Router", "_analyse", "reading the text (Router._analyse)"),
    ("core.korean", "content_morphemes_many", "  kiwipiepy morphemes"),
    ("routing.classifier", "extract_references", "  statute references"),
    ("routing.classifier", "query_ngrams", "  character n-grams"),
    ("routing.retrieval.CorpusProfiles", "scores", "  law and ministry profiles"),
    ("routing.classifier", "candidate_laws", "  candidate laws (retrieval.candidate_laws)"),
    ("routing.retrieval.ArticleRetriever", "law_scores", "    article n-grams"),
    ("routing.retrieval.MorphemeRetriever", "scores", "    article morphemes and quoted laws"),
    ("routing.classifier.Router", "route_analyses", "deciding (Router.route_analyses)"),
    ("routing.classifier.Router", "_matrix", "  features"),
    ("routing.classifier.LinearProbabilities", "predict_proba", "  sector and agency models"),
    ("routing.classifier.Router", "_statute_probabilities", "  statute models"),
    ("routing.sector_model.SectorModel", "predict_proba", "  stacked sector model"),
    ("routing.classifier.Router", "_combine", "  combining (Router._combine)"),
    ("routing.classifier.Router", "_evidence", "    evidence"),
    ("routing.classifier.Router", "_decide", "    decision"),
)


def breakdown(router: Router, items: list) -> None:
    """CPU time per step of ``Router.route`` (see ``BREAKDOWN_STEPS``), one text at a time."""
    import functools
    import importlib

    spent: dict[str, float] = {}
    restore = []
    for owner_path, attribute, label in BREAKDOWN_STEPS:
        module_name, _, last = owner_path.rpartition(".")
        try:  # a class when the last part is capitalised, else a module
            owner = (
                getattr(importlib.import_module(module_name), last)
                if last[:1].isupper()
                else importlib.import_module(owner_path)
            )
        except (ImportError, AttributeError):
            continue
        original = getattr(owner, attribute, None)
        if original is None:
            continue

        def timed(*args, __original=original, __label=label, **kwargs):  # type: ignore[no-untyped-def]
            start = time.process_time()
            try:
                return __original(*args, **kwargs)
            finally:
                spent[__label] = spent.get(__label, 0.0) + time.process_time() - start

        functools.update_wrapper(timed, original)
        setattr(owner, attribute, timed)
        restore.append((owner, attribute, original))
        spent[label] = 0.0
    try:
        total = []
        for item in items:
            start = time.process_time()
            router.route(item.text, title=item.title)
            total.append(1000 * (time.process_time() - start))
    finally:
        for owner, attribute, original in restore:
            setattr(owner, attribute, original)
    cpu = np.array(total)
    print(f"CPU per text over {len(items)} texts, timers on ({load()}): mean {cpu.mean():.1f} ms, "
          f"p50 {np.percentile(cpu, 50):.1f} ms, p95 {np.percentile(cpu, 95):.1f} ms; of which, per text:")  # fmt: skip
    for label, seconds in spent.items():
        print(f"  {label:48s} {1000 * seconds / max(len(items), 1):6.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared" / "data")
    parser.add_argument("--model", type=Path, default=default_model_path())
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--batch", type=Path, default=None, help="JSONL to route as route_batch does")
    parser.add_argument("--chunk", type=int, nargs="+", default=[256], help="chunk sizes for --batch")
    parser.add_argument("--breakdown", action="store_true", help="CPU time per step of Router.route")
    args = parser.parse_args()
    items = load_labelled(args.data / "barriers-dev.jsonl")[: args.n]
    print(f"peak RSS at start: {rss_mb():.0f} MB")
    t0 = time.perf_counter()
    analyzer()
    print(f"kiwipiepy load: {time.perf_counter() - t0:.2f}s, peak RSS {rss_mb():.0f} MB")
    t0, c0 = time.perf_counter(), time.process_time()
    router = load_router(args.model)
    wall, cpu_load = time.perf_counter() - t0, time.process_time() - c0
    print(f"router load: {wall:.2f}s, CPU {cpu_load:.2f}s ({args.model.stat().st_size / 1e6:.0f} MB on disk), "
          f"peak RSS {rss_mb():.0f} MB")  # fmt: skip
    router.route("워밍업")
    if args.batch is not None:
        batch(router, args.batch, args.n, args.chunk)
        return
    if args.breakdown:
        breakdown(router, items)
        return
    latencies, cpu_latencies = [], []
    for item in items:
        t0, c0 = time.perf_counter(), time.process_time()
        router.route(item.text, title=item.title)
        latencies.append(1000 * (time.perf_counter() - t0))
        cpu_latencies.append(1000 * (time.process_time() - c0))
    lat, cpu = np.array(latencies), np.array(cpu_latencies)
    print(f"single-text routing over {len(lat)} texts: mean {lat.mean():.1f} ms, p50 {np.percentile(lat, 50):.1f} ms, "
          f"p95 {np.percentile(lat, 95):.1f} ms, max {lat.max():.1f} ms ({load()})")  # fmt: skip
    print(f"  CPU time of this process (shared machine, {load()}): mean {cpu.mean():.1f} ms, "
          f"p50 {np.percentile(cpu, 50):.1f} ms, p95 {np.percentile(cpu, 95):.1f} ms")  # fmt: skip
    t0, c0 = time.perf_counter(), time.process_time()
    router.route_many([(i.title, i.text) for i in items])
    batch_wall, batch_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"batch of {len(items)}: {batch_wall:.2f}s = {1000 * batch_wall / len(items):.1f} ms per text "
          f"(→ {1000 * batch_wall / len(items):.0f} s per 1,000); CPU {1000 * batch_cpu / len(items):.1f} ms "
          f"({load()})")  # fmt: skip
    long_text = "의료법 제33조 원격의료 " * 5000
    t0, c0 = time.perf_counter(), time.process_time()
    router.route(long_text)
    print(f"one 100,000-character text: {1000 * (time.perf_counter() - t0):.0f} ms wall, "
          f"{1000 * (time.process_time() - c0):.0f} ms CPU (cut to 20,000 for analysis; {load()})")  # fmt: skip
    print(f"peak RSS at end: {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
