"""Regulation search: latency and recall@10 against a character-bigram BM25 baseline.

    DEBUG=1 [DATABASE_URL=...] .venv/bin/python bench/search.py [--queries 500]

Runs against the database as imported (``manage.py import_statutes --sectors`` or the full
corpus). Queries are the titles and bodies of ``../shared/data/barriers-dev.jsonl`` (the first
N of titles+bodies, in file order). Prints:

* latency p50/p95/max of ``search_articles`` and ``search_statutes`` (one process, kiwipiepy
  loaded, the word-analysis cache emptied before each round so every query pays its own analysis),
  ``--repeats`` rounds, as wall time, as this thread's CPU time (less distorted by other load on
  the machine, but leaving out the PostgreSQL server's work and kiwipiepy's worker threads, which
  analyse a multi-word query) and as this process's CPU time (with kiwipiepy's threads), with the
  load average. A share of the queries (``--filter-share``, a quarter by default: every fourth)
  carries a filter, in turn a large kind (법률, 대통령령), the ministry with the most statutes and
  the sector with the most statutes (each only when the database has statutes linked to one); the
  filtered queries are also reported on their own. On a local PostgreSQL server the server
  backend's CPU time is read from ``/proc`` and reported as a mean per query (the kernel counts it
  in 10 ms ticks, too coarse for percentiles);
* recall@10 of the labelled statutes (``statutes`` field) among the ten statutes Haechi returns
  for each complaint body, counting only labels that exist in the imported corpus;
* the same recall for a plain BM25 over character bigrams of article texts (statute ranked by its
  best article), built here with scikit-learn on the same articles — no morphology, no aliases.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haechi.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

# DEBUG=1 only lets the settings start without production secrets; a server runs with DEBUG off,
# which also stops Django from recording every SQL statement (a few ms per search).
settings.DEBUG = False

import numpy as np  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from sklearn.feature_extraction.text import CountVectorizer  # noqa: E402

from regulations.models import Article, Statute  # noqa: E402
from regulations.search.analysis import clear_caches  # noqa: E402
from regulations.search.names import clean_name  # noqa: E402
from regulations.selectors import search_articles, search_statutes  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def load_dev() -> list[dict]:
    path = Path(settings.HAECHI_DATA_DIR) / "barriers-dev.jsonl"
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


def query_filters(share: float) -> list[dict[str, object]]:
    """The filters the filtered share of queries takes in turn: the two largest kinds, the
    ministry and the sector with the most statutes (when any statute is linked to one)."""
    if share <= 0:
        return []
    filters: list[dict[str, object]] = [{"kind": "법률"}, {"kind": "대통령령"}]
    agency = (
        Statute.objects.exclude(agency=None)
        .values("agency_id")
        .annotate(n=Count("law_id"))
        .order_by("-n", "agency_id")
        .first()
    )
    if agency:
        filters.append({"agency": agency["agency_id"]})
    sector = (
        Statute.sectors.through.objects.values("sector__code")
        .annotate(n=Count("statute_id"))
        .order_by("-n", "sector__code")
        .first()
    )
    if sector:
        filters.append({"sector": sector["sector__code"]})
    return filters


def plan_queries(queries: list[str], share: float) -> list[tuple[str, dict[str, object]]]:
    """Each query with its filter: every ``round(1 / share)``-th query takes the next filter."""
    filters = query_filters(share)
    every = max(1, round(1 / share)) if filters else 0
    planned: list[tuple[str, dict[str, object]]] = []
    for index, query in enumerate(queries):
        if every and index % every == every - 1:
            planned.append((query, filters[(index // every) % len(filters)]))
        else:
            planned.append((query, {}))
    return planned


class ServerClock:
    """CPU seconds used by this connection's PostgreSQL backend, from ``/proc`` (a server on this
    machine, readable by this user); ``None`` elsewhere."""

    def __init__(self) -> None:
        self.path: Path | None = None
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            path = Path(f"/proc/{cursor.fetchone()[0]}/stat")
        try:
            path.read_text()
        except OSError:
            return
        self.path = path

    def seconds(self) -> float | None:
        if self.path is None:
            return None
        fields = self.path.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def summary(label: str, timings: list[float], cpu: list[float], process: list[float]) -> str:
    return (
        f"{label} n={len(timings)} wall p50={percentile(timings, 50):.1f} ms "
        f"p95={percentile(timings, 95):.1f} ms max={max(timings):.1f} ms | "
        f"this thread's CPU p50={percentile(cpu, 50):.1f} ms p95={percentile(cpu, 95):.1f} ms | "
        f"process CPU p50={percentile(process, 50):.1f} ms p95={percentile(process, 95):.1f} ms"
    )


def latency(queries: list[str], *, repeats: int, filter_share: float) -> None:
    """Each finder over every query, ``repeats`` times; each round starts with cold analysis
    caches (no query is ever answered from a cache its own earlier run filled)."""
    planned = plan_queries(queries, filter_share)
    used = sorted({", ".join(f"{k}={v}" for k, v in f.items()) for _q, f in planned if f})
    print(f"filtered queries: {sum(1 for _q, f in planned if f)} of {len(planned)}, in turn: {'; '.join(used) or '-'}")
    search_articles("워밍업")  # loads kiwipiepy and the per-process tables once, as a server would have
    search_articles("워밍업", kind="법률")
    clock = ServerClock()
    for name, finder in (("search_articles", search_articles), ("search_statutes", search_statutes)):
        for round_no in range(1, repeats + 1):
            clear_caches()
            timings, cpu, process, filtered = [], [], [], []
            server_started = clock.seconds()
            for query, filters in planned:
                started, started_cpu, started_process = time.perf_counter(), time.thread_time(), time.process_time()
                finder(query[:1000], limit=10, **filters)
                timings.append((time.perf_counter() - started) * 1000)
                cpu.append((time.thread_time() - started_cpu) * 1000)
                process.append((time.process_time() - started_process) * 1000)
                if filters:
                    filtered.append(len(timings) - 1)
            server_ended = clock.seconds()
            server = (
                ""
                if server_started is None or server_ended is None
                else f" | server CPU mean={(server_ended - server_started) * 1000 / len(planned):.1f} ms"
            )
            print(f"{summary(f'{name:16s} #{round_no}', timings, cpu, process)}{server} | {load_average()}")
            if filtered:
                print(
                    "  "
                    + summary(
                        "of which filtered",
                        [timings[i] for i in filtered],
                        [cpu[i] for i in filtered],
                        [process[i] for i in filtered],
                    )
                )


class BigramBM25:
    """Okapi BM25 (k1=1.2, b=0.75) over character bigrams of each article (title + text)."""

    def __init__(self) -> None:
        rows = list(Article.objects.values_list("statute_id", "title", "text"))
        self.statute_ids = np.array([r[0] for r in rows])
        self.vectorizer = CountVectorizer(analyzer="char", ngram_range=(2, 2), dtype=np.float32)
        tf = self.vectorizer.fit_transform([f"{title} {text}" for _s, title, text in rows]).tocsc()
        lengths = np.asarray(tf.sum(axis=1)).ravel()
        df = np.diff(tf.indptr)
        n = tf.shape[0]
        self.idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
        k1, b = 1.2, 0.75
        tf = tf.tocoo()
        norm = k1 * (1 - b + b * lengths / lengths.mean())
        data = tf.data * (k1 + 1) / (tf.data + norm[tf.row])
        from scipy.sparse import csr_matrix

        self.weights = csr_matrix((data * self.idf[tf.col], (tf.row, tf.col)), shape=tf.shape)

    def top_statutes(self, query: str, k: int = 10) -> list[str]:
        q = self.vectorizer.transform([query])
        q.data[:] = 1.0
        scores = np.asarray((self.weights @ q.T).todense()).ravel()
        order = np.argsort(-scores)[: k * 20]
        out: list[str] = []
        for index in order:
            law_id = str(self.statute_ids[index])
            if law_id not in out:
                out.append(law_id)
            if len(out) == k:
                break
        return out


def baseline_results(cases: list[tuple[str, set[str]]], cache_path: str | None) -> list[list[str]]:
    """The baseline's top ten statutes per case, built here or read from ``cache_path`` (the
    baseline index takes minutes to build; the cache is keyed by the corpus size and the queries)."""
    key = hashlib.sha256(
        json.dumps([Article.objects.count(), Statute.objects.count(), [text for text, _labels in cases]]).encode()
    ).hexdigest()
    if cache_path and Path(cache_path).exists():
        cached = json.loads(Path(cache_path).read_text(encoding="utf-8"))
        if cached.get("key") == key:
            print(f"  baseline results read from {cache_path}")
            return cached["top"]
    started = time.perf_counter()
    baseline = BigramBM25()
    print(f"  baseline index built in {time.perf_counter() - started:.1f} s")
    top = [baseline.top_statutes(text) for text, _labels in cases]
    if cache_path:
        Path(cache_path).write_text(json.dumps({"key": key, "top": top}), encoding="utf-8")
    return top


def recall(dev: list[dict], *, baseline_cache: str | None = None, split: str = "all") -> None:
    names = {clean_name(n): law_id for n, law_id in Statute.objects.values_list("name", "law_id")}
    cases = []
    for item in dev:
        labels = {names[clean_name(n)] for n in item["statutes"] if clean_name(n) in names}
        if labels:
            cases.append((item["text"], labels))
    print(f"recall@10 over {len(cases)} dev barriers whose labelled statutes are imported (of {len(dev)})")
    top = baseline_results(cases, baseline_cache)
    ours, base = [], []
    for index, ((text, labels), base_top) in enumerate(zip(cases, top, strict=True)):
        if split != "all" and (index % 2 == 0) != (split == "even"):
            continue
        found = [h.statute.law_id for h in search_statutes(text[:1000], limit=10)]
        ours.append(len(labels & set(found)) / len(labels))
        base.append(len(labels & set(base_top)) / len(labels))
    which = "" if split == "all" else f" ({split} half: {len(ours)} barriers)"
    print(f"  Haechi search_statutes : {100 * statistics.mean(ours):.1f}%{which}")
    print(f"  bigram BM25 baseline   : {100 * statistics.mean(base):.1f}%{which}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3, help="latency rounds (the machine is shared)")
    parser.add_argument(
        "--filter-share", type=float, default=0.25, help="share of queries with a kind / ministry / sector filter"
    )
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-recall", action="store_true")
    parser.add_argument("--baseline-cache", help="JSON file keeping the baseline's results between runs")
    parser.add_argument(
        "--split",
        choices=("all", "even", "odd"),
        default="all",
        help="recall on every dev barrier, or on the even/odd-numbered half (tune on one, check on the other)",
    )
    args = parser.parse_args()
    print(
        f"database: {connection.vendor}; statutes {Statute.objects.count():,}, articles {Article.objects.count():,}, "
        f"indexed {Article.objects.exclude(tokens='').count():,}; {load_average()}"
    )
    dev = load_dev()
    queries = [q for item in dev for q in (item["title"], item["text"])][: args.queries]
    if not args.skip_latency:
        latency(queries, repeats=args.repeats, filter_share=args.filter_share)
    if not args.skip_recall:
        recall(dev, baseline_cache=args.baseline_cache, split=args.split)


if __name__ == "__main__":
    main()
