"""Search-before-filing speed with 100,000 barriers.

    DATABASE_URL=postgres://USER@127.0.0.1:PORT/DB .venv/bin/python bench/similarity.py
    .venv/bin/python bench/similarity.py            # a throw-away SQLite file in /tmp

Fills the database with BENCH_BIG (100,000) barriers made from the 360 labelled barriers of
``barriers-dev.jsonl`` (numbered variants; ~70 % publishable and triaged or later, the rest
private, drafts or fresh submissions), then times ``similar_barriers`` — what one debounced
keystroke on the filing page costs — for BENCH_QUERIES queries (a dev title plus the first
sentence of its text) and prints p50/p95/max in ms, the candidate rows scored, and how often the
source barrier's own cluster appears in the top 5.
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='bench-similarity-')}/db.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haechi.settings")
os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(40))
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Membership, Role, User  # noqa: E402
from barriers import similarity  # noqa: E402
from barriers.models import Barrier, BarrierStatus, Privacy  # noqa: E402
from firms.models import Firm  # noqa: E402
from firms.reference_data import load_sectors  # noqa: E402
from firms.tests.factories import brn_for  # noqa: E402

BIG = int(os.environ.get("BENCH_BIG", "100000"))
QUERIES = int(os.environ.get("BENCH_QUERIES", "200"))
FIRMS = 500


def load_dev() -> list[dict]:
    path = settings.HAECHI_DATA_DIR / "barriers-dev.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def fill(dev: list[dict]) -> tuple[User, Firm, dict[int, str]]:
    load_sectors()
    user, _ = User.objects.get_or_create(email="bench-similarity@example.kr", defaults={"name": "벤치"})
    firms = []
    for n in range(FIRMS):
        firm, _ = Firm.objects.get_or_create(
            business_registration_number=brn_for(50_000 + n), defaults={"name": f"벤치기업{n}"}
        )
        firms.append(firm)
    Membership.objects.get_or_create(user=user, role=Role.FIRM_MEMBER, firm=firms[0])
    have = Barrier.objects.count()
    now = timezone.now()
    statuses = [BarrierStatus.TRIAGED] * 6 + [BarrierStatus.CLOSED] * 2 + [BarrierStatus.DRAFT, BarrierStatus.SUBMITTED]
    privacies = [Privacy.PUBLIC_ANONYMOUS] * 7 + [Privacy.PUBLIC_NAMED, Privacy.PRIVATE, Privacy.PRIVATE]
    batch = []
    for i in range(have, BIG):
        item = dev[i % len(dev)]
        batch.append(
            Barrier(
                title=f"{item['title']} ({i // len(dev) + 1})",
                body=item["text"],
                firm=firms[i % FIRMS],
                filed_by=user,
                status=statuses[i % len(statuses)],
                privacy=privacies[(i // 3) % len(privacies)],
                submitted_at=now,
            )
        )
        if len(batch) == 5000:
            Barrier.objects.bulk_create(batch)
            batch = []
    if batch:
        Barrier.objects.bulk_create(batch)
    # Each barrier's source title (numbered variants share it): to score the results by cluster.
    source_title = {pk: title.rsplit(" (", 1)[0] for pk, title in Barrier.objects.values_list("pk", "title").iterator()}
    return user, firms[0], source_title


def main() -> None:
    call_command("migrate", verbosity=0)
    dev = load_dev()
    started = time.perf_counter()
    user, firm, title_of = fill(dev)
    print(
        f"database: {connection.vendor}; barriers: {Barrier.objects.count():,} "
        f"(filled in {time.perf_counter() - started:.1f} s)"
    )
    clusters = {d["title"]: d.get("cluster") for d in dev}
    similarity.similar_barriers(user=user, firm=firm, title="워밍업 배송 로봇", body="")  # imports, caches
    timings, hits, found = [], 0, 0
    for n in range(QUERIES):
        item = dev[(n * 7) % len(dev)]
        first_sentence = item["text"].split(".")[0]
        t0 = time.perf_counter()
        results = similarity.similar_barriers(user=user, firm=firm, title=item["title"], body=first_sentence)
        timings.append((time.perf_counter() - t0) * 1000)
        found += len(results)
        wanted = clusters.get(item["title"])
        if any(clusters.get(title_of.get(r.barrier_id, "")) == wanted for r in results):
            hits += 1
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"similar_barriers over {QUERIES} queries: p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, "
        f"max {timings[-1]:.1f} ms; {found / QUERIES:.1f} results per query; "
        f"same-cluster barrier in top 5: {hits / QUERIES:.0%}"
    )
    print(
        f"candidates per query: at most {similarity.TERM_CANDIDATES} term matches + "
        f"{similarity.RECENT_CANDIDATES} newest public + {similarity.OWN_CANDIDATES} own"
    )


if __name__ == "__main__":
    main()
