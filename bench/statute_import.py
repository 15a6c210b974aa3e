"""Statute import: time per stage, peak memory and database size.

    DEBUG=1 DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python manage.py migrate
    DEBUG=1 DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python bench/statute_import.py \
        [PATH] [--skip-index] [--index-limit N]

Writes into the configured database (use a throw-away one). PATH defaults to the sector subset.
Each stage prints wall time and this process's CPU time (user + system, all threads): on a shared
machine the CPU time is the steadier figure (it leaves out the PostgreSQL server's work).
``--index-limit`` analyses only the first N articles and extrapolates from the characters analysed
per second (an underestimate of the speed: the word cache is still cold on the first articles).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haechi.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import F, Sum  # noqa: E402
from django.db.models.functions import Length  # noqa: E402

from firms.reference_data import load_sectors  # noqa: E402
from regulations import importer  # noqa: E402
from regulations.aliases import derive_aliases  # noqa: E402
from regulations.models import Article  # noqa: E402
from regulations.search.analysis import token_string  # noqa: E402


def database_size() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA page_count")
            pages = cursor.fetchone()[0]
            cursor.execute("PRAGMA page_size")
            return f"{pages * cursor.fetchone()[0] / 2**20:.0f} MiB"
        cursor.execute("SELECT pg_database_size(current_database())")
        return f"{cursor.fetchone()[0] / 2**20:.0f} MiB"


def peak_rss() -> str:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return f"{usage.ru_maxrss / 1024:.0f} MiB; process CPU so far {usage.ru_utime + usage.ru_stime:.0f} s"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", nargs="?", default=str(Path(settings.HAECHI_DATA_DIR) / "statutes-sectors.jsonl.gz"))
    parser.add_argument("--skip-index", action="store_true")
    parser.add_argument("--index-limit", type=int, default=0)
    args = parser.parse_args()
    path = Path(args.path)
    load_sectors()
    load = os.getloadavg()[0]
    print(f"database: {connection.vendor}; file: {path.name}; load average {load:.2f} on {os.cpu_count()} cores")
    started = time.perf_counter()
    lines = importer.validate_corpus(path)
    print(f"validate: {lines:,} statutes in {time.perf_counter() - started:.1f} s (peak RSS {peak_rss()})")
    started = time.perf_counter()
    report = importer.import_statutes(path=path, validated=True)
    print(
        f"load: created {report.statutes_created:,} / updated {report.statutes_updated:,} / "
        f"unchanged {report.statutes_skipped:,} statutes, {report.articles_created:,} articles created, "
        f"in {time.perf_counter() - started:.1f} s (peak RSS {peak_rss()})"
    )
    started = time.perf_counter()
    aliases = derive_aliases()
    print(f"aliases: {aliases.created:,} in {time.perf_counter() - started:.1f} s")
    if args.skip_index:
        print(f"database size without index: {database_size()}")
        return
    if args.index_limit:
        rows = list(Article.objects.order_by("pk").values_list("title", "text")[: args.index_limit])
        chars = sum(len(t) + len(x) for t, x in rows)
        started = time.perf_counter()
        for title, text in rows:
            token_string(title)
            token_string(text)
        elapsed = time.perf_counter() - started
        total = Article.objects.aggregate(n=Sum(Length("text") + Length("title")))["n"] or 0
        rate = chars / elapsed
        print(f"index sample: {len(rows):,} articles, {chars:,} chars in {elapsed:.1f} s = {rate:,.0f} chars/s")
        print(f"index estimate for all {total:,} chars: {total / rate / 60:.0f} min")
        return
    started = time.perf_counter()
    index = importer.index_articles()
    print(
        f"index: {index.articles:,} articles, {index.terms:,} terms in {time.perf_counter() - started:.1f} s "
        f"(peak RSS {peak_rss()})"
    )
    pending = Article.objects.exclude(tokens_hash=F("text_hash")).count()
    print(f"database size: {database_size()}; articles waiting for analysis: {pending}")


if __name__ == "__main__":
    main()
