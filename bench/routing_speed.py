"""Routing speed: model load time and memory, per-text latency (p50/p95), batch throughput.

    .venv/bin/python bench/routing_speed.py [--model var/routing/router.joblib] [--n 300]

Needs a trained model (``manage.py train_router``). Texts are barriers-dev.jsonl complaints,
routed one at a time (what the submit task does) and then as one batch (what route_batch does).
Memory is the process' peak resident set size (ru_maxrss), before and after loading. Latency is
printed as wall time and as this process' CPU time (the machine is shared).
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
from routing.classifier import default_model_path, load_labelled, load_router  # noqa: E402


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared" / "data")
    parser.add_argument("--model", type=Path, default=default_model_path())
    parser.add_argument("--n", type=int, default=300)
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
    latencies, cpu_latencies = [], []
    for item in items:
        t0, c0 = time.perf_counter(), time.process_time()
        router.route(item.text, title=item.title)
        latencies.append(1000 * (time.perf_counter() - t0))
        cpu_latencies.append(1000 * (time.process_time() - c0))
    lat, cpu = np.array(latencies), np.array(cpu_latencies)
    print(f"single-text routing over {len(lat)} texts: mean {lat.mean():.1f} ms, p50 {np.percentile(lat, 50):.1f} ms, "
          f"p95 {np.percentile(lat, 95):.1f} ms, max {lat.max():.1f} ms")  # fmt: skip
    print(f"  CPU time of this process (shared machine, load {os.getloadavg()[0]:.1f}): mean {cpu.mean():.1f} ms, "
          f"p50 {np.percentile(cpu, 50):.1f} ms, p95 {np.percentile(cpu, 95):.1f} ms")  # fmt: skip
    t0, c0 = time.perf_counter(), time.process_time()
    router.route_many([(i.title, i.text) for i in items])
    batch, batch_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"batch of {len(items)}: {batch:.2f}s = {1000 * batch / len(items):.1f} ms per text "
          f"(→ {1000 * batch / len(items):.0f} s per 1,000); CPU {1000 * batch_cpu / len(items):.1f} ms")  # fmt: skip
    long_text = "의료법 제33조 원격의료 " * 5000
    t0 = time.perf_counter()
    router.route(long_text)
    print(f"one 100,000-character text: {1000 * (time.perf_counter() - t0):.0f} ms (cut to 20,000 for analysis)")
    print(f"peak RSS at end: {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
