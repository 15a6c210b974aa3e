"""Matching benchmark: 100,000 firms × 5,000 programs on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:55435/haechi_bench \\
        .venv/bin/python bench/matching.py [--firms 100000] [--programs 5000] [--keep]

Fills an empty database (migrated here) with synthetic programs and firms, then measures:
  * batch: every firm's top 10 with reasons (what ``match_batch`` and notifications do);
  * panel: one firm's "programs for you" through ``selectors.programs_for_firm`` (DB queries
    included: version check, firm with sectors, open barriers), p50/p95 over 300 random firms.
Targets: batch < 5 minutes, panel p95 < 100 ms. Deletes what it created unless --keep.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haechi.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from firms.brn import check_digit  # noqa: E402
from firms.models import Cluster, Firm, Sector  # noqa: E402
from firms.reference_data import load_clusters, load_sectors  # noqa: E402
from programs import selectors  # noqa: E402
from programs.engine import CompiledPrograms  # noqa: E402
from programs.matching import FirmProfile  # noqa: E402
from programs.models import SupportProgram  # noqa: E402
from programs.parsing import REGIONS  # noqa: E402

SECTORS = ["fintech", "mobility", "robots", "ai", "biohealth", "other"]
KINDS = ["funding", "testbed", "space", "overseas", "talent", "ip", "certification", "investment", "consulting"]
WORDS = ["실증", "해외", "로봇", "인증", "데이터", "투자", "특허", "배달", "병원", "결제", "자율주행", "임상"]
PREFIX = "BENCH-"


def fill(n_programs: int, n_firms: int, rng: random.Random) -> None:
    today = timezone.localdate()
    sectors = {s.code: s.pk for s in Sector.objects.all()}
    clusters = list(Cluster.objects.values_list("pk", flat=True))
    programs = []
    for i in range(n_programs):
        closes = today + dt.timedelta(days=rng.randint(-30, 120))
        programs.append(
            SupportProgram(
                source="city",
                external_id=f"{PREFIX}{i}",
                title=f"벤치 지원사업 {i:05d}",
                kind=rng.choice(KINDS),
                size_classes=rng.choice([[], [], ["small", "medium"], ["small"], ["middle", "large"]]),
                stages=rng.choice([[], [], [], ["early"], ["early", "leap"], ["growth"]]),
                regions=rng.choice([[], [], ["서울"], ["서울", "경기"], [rng.choice(REGIONS)]]),
                max_age_years=rng.choice([None, None, 3, 7]),
                min_age_years=rng.choice([None, None, None, 3]),
                sectors_required=rng.random() < 0.5,
                period_kind="dated" if rng.random() < 0.8 else "rolling",
                opens_on=today - dt.timedelta(days=60),
                closes_on=closes if rng.random() < 0.8 else None,
                search_document=" " + " ".join(rng.sample(WORDS, 3)) + " ",
            )
        )
    for p in programs:
        if p.closes_on is None:
            p.period_kind, p.opens_on = "rolling", None
    SupportProgram.objects.bulk_create(programs, batch_size=2000)
    created = list(SupportProgram.objects.filter(external_id__startswith=PREFIX).values_list("pk", flat=True))
    through = SupportProgram.sectors.through
    links = []
    for pk in created:
        for code in rng.sample(SECTORS[:5], rng.choice([0, 0, 1, 2])):
            links.append(through(supportprogram_id=pk, sector_id=sectors[code]))
    through.objects.bulk_create(links, batch_size=5000)
    cluster_through = SupportProgram.clusters.through
    cluster_through.objects.bulk_create(
        [
            cluster_through(supportprogram_id=pk, cluster_id=rng.choice(clusters))
            for pk in created
            if rng.random() < 0.1
        ],
        batch_size=5000,
    )
    firms = []
    for i in range(n_firms):
        prefix = f"{900 + i // 1_000_000:03d}{i // 10_000 % 100:02d}{i % 10_000:04d}"
        founded = None if rng.random() < 0.05 else today - dt.timedelta(days=rng.randint(0, 20 * 365))
        firms.append(
            Firm(
                name=f"벤치기업{i}",
                business_registration_number=prefix + str(check_digit(prefix)),
                size_class=rng.choice(["small", "small", "small", "medium", "middle", "large"]),
                founded_on=founded,
                cluster_id=rng.choice(clusters) if rng.random() < 0.4 else None,
                district=rng.choice(["mapo", "gangnam", "seocho", "guro", "outside"]),
            )
        )
    Firm.objects.bulk_create(firms, batch_size=5000)
    firm_ids = list(Firm.objects.filter(name__startswith="벤치기업").values_list("pk", flat=True))
    firm_through = Firm.sectors.through
    firm_through.objects.bulk_create(
        [firm_through(firm_id=pk, sector_id=sectors[rng.choice(SECTORS)]) for pk in firm_ids], batch_size=10_000
    )


def profiles() -> list[FirmProfile]:
    """All bench firms as profiles, read with two queries (no per-firm ORM objects)."""
    slugs = dict(Cluster.objects.values_list("pk", "slug"))
    codes = dict(Sector.objects.values_list("pk", "code"))
    sectors: dict[int, set[str]] = {}
    for firm_id, sector_id in Firm.sectors.through.objects.values_list("firm_id", "sector_id").iterator(10_000):
        sectors.setdefault(firm_id, set()).add(codes[sector_id])
    out = []
    rows = Firm.objects.filter(name__startswith="벤치기업").values_list(
        "pk", "size_class", "founded_on", "cluster_id", "district"
    )
    for pk, size, founded, cluster_id, district in rows.iterator(10_000):
        out.append(
            FirmProfile(
                key=str(pk),
                sectors=frozenset(sectors.get(pk, ())),
                size=size,
                founded_on=founded,
                region=None if district == "outside" else "서울",
                cluster=slugs.get(cluster_id),
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--firms", type=int, default=100_000)
    parser.add_argument("--programs", type=int, default=5_000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    load_sectors()
    load_clusters()
    rng = random.Random(20261128)
    have_programs = SupportProgram.objects.filter(external_id__startswith=PREFIX).count()
    have_firms = Firm.objects.filter(name__startswith="벤치기업").count()
    if (have_programs, have_firms) != (args.programs, args.firms):
        Firm.objects.filter(name__startswith="벤치기업").delete()
        SupportProgram.objects.filter(external_id__startswith=PREFIX).delete()
        started = time.perf_counter()
        fill(args.programs, args.firms, rng)
        print(f"fill: {args.programs} programs, {args.firms} firms in {time.perf_counter() - started:.1f}s")
    today = timezone.localdate()
    try:
        started = time.perf_counter()
        compiled = CompiledPrograms(selectors.rules_for(selectors.open_programs(as_of=today)))
        print(f"compile open programs: {compiled.n} in {time.perf_counter() - started:.2f}s")
        started = time.perf_counter()
        everyone = profiles()
        print(f"load firm profiles: {len(everyone)} in {time.perf_counter() - started:.2f}s")
        started = time.perf_counter()
        open_mask = compiled.open_mask(today)
        total = 0
        for profile in everyone:
            total += len(compiled.top(profile, as_of=today, top=10, open_mask=open_mask))
        batch = time.perf_counter() - started
        print(f"batch top-10 with reasons: {len(everyone)} firms in {batch:.1f}s ({total} matches)")
        sample = rng.sample(list(Firm.objects.filter(name__startswith="벤치기업").values_list("pk", flat=True)), 300)
        selectors.programs_for_firm(firm=Firm(pk=sample[0]))  # warm the compiled cache
        timings = []
        for pk in sample:
            started = time.perf_counter()
            selectors.programs_for_firm(firm=Firm(pk=pk))
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(f"panel: p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms")
        verdict_batch = "OK" if batch < 300 else "MISSED"
        verdict_panel = "OK" if p95 < 100 else "MISSED"
        print(f"targets: batch < 300 s {verdict_batch}; panel p95 < 100 ms {verdict_panel}")
    finally:
        if not args.keep:
            Firm.objects.filter(name__startswith="벤치기업").delete()
            SupportProgram.objects.filter(external_id__startswith=PREFIX).delete()


if __name__ == "__main__":
    main()
