"""Benchmark of the insights dashboards (issue 8). Runs in pytest's throw-away test database:

    DATABASE_URL=postgres://… .venv/bin/python -m pytest -q -s bench/dashboards.py
    BENCH_FIRMS=100000 BENCH_BARRIERS=1000000 BENCH_RUNS=30 (defaults: 20000, 1000000, 20)

Prints p50/p95 server time and the query count of the public and city dashboard pages (cold:
computed and stored as a snapshot; warm: served from the snapshot; filtered: computed live) with
BENCH_FIRMS registered firms and a perception survey answered by a tenth of them, and, on PostgreSQL,
``measured_metrics`` (what a filtered dashboard computes live) over BENCH_BARRIERS barriers with
their ``BarrierMeasure`` rows, made in SQL.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from firms.models import Firm, Sector, SizeClass
from firms.reference_data import load_sectors
from firms.tests.factories import brn_for
from insights.models import DashboardSnapshot
from surveys.models import Answer, Invitation, Question, Response, SurveyKind

FIRMS = int(os.environ.get("BENCH_FIRMS", "20000"))
BARRIERS = int(os.environ.get("BENCH_BARRIERS", "1000000"))
RUNS = int(os.environ.get("BENCH_RUNS", "20"))


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def _make_firms(n: int) -> list[int]:
    load_sectors()
    sectors = list(Sector.objects.values_list("pk", flat=True))
    rng = random.Random(8)
    sizes = list(SizeClass.values)
    Firm.objects.bulk_create(
        [
            Firm(
                name=f"벤치기업{i}",
                business_registration_number=brn_for(10_000 + i),
                size_class=rng.choice(sizes),
                founded_on=dt.date(2010, 1, 1) + dt.timedelta(days=rng.randrange(5000)),
            )
            for i in range(n)
        ],
        batch_size=5000,
    )
    ids = list(Firm.objects.values_list("pk", flat=True))
    through = Firm.sectors.through
    through.objects.bulk_create([through(firm_id=pk, sector_id=rng.choice(sectors)) for pk in ids], batch_size=10_000)
    return ids


def _make_perception(firm_ids: list[int]) -> None:
    from surveys.services import _create_survey

    now = timezone.now()
    survey = _create_survey(
        kind=SurveyKind.PERCEPTION,
        title="벤치 조사",
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=9),
    )
    Invitation.objects.bulk_create([Invitation(survey=survey, firm_id=pk) for pk in firm_ids], batch_size=10_000)
    invitations = list(Invitation.objects.filter(survey=survey).values_list("pk", "firm_id"))[: len(firm_ids) // 10]
    Response.objects.bulk_create(
        [Response(survey=survey, firm_id=f, invitation_id=i, submitted_at=now) for i, f in invitations],
        batch_size=10_000,
    )
    rating = Question.objects.get(survey=survey, code="rating")
    reflected = Question.objects.get(survey=survey, code="reflected")
    rng = random.Random(3)
    answers = []
    for response_id in Response.objects.filter(survey=survey).values_list("pk", flat=True):
        answers.append(
            Answer(
                response_id=response_id, question=rating, choice_value=rng.choice(["negative", "neutral", "positive"])
            )
        )
        answers.append(Answer(response_id=response_id, question=reflected, bool_value=rng.random() < 0.45))
    Answer.objects.bulk_create(answers, batch_size=10_000)


@pytest.mark.django_db
def test_bench_dashboard_pages(client, django_user_model):
    from accounts.models import Membership, Role

    started = time.perf_counter()
    firm_ids = _make_firms(FIRMS)
    _make_perception(firm_ids)
    print(
        f"\n[setup] {FIRMS} firms, perception survey with {FIRMS // 10} responses "
        f"in {time.perf_counter() - started:.1f}s"
    )
    official = django_user_model.objects.create_user("bench@seoul.go.kr", "x" * 12, name="벤치")
    Membership.objects.create(user=official, role=Role.CITY_OFFICIAL)
    for label, url, login in (("public", "/insights/", False), ("city", "/insights/city/", True)):
        if login:
            client.force_login(official)
        for mode, runs in (("cold (computed, then stored)", max(3, RUNS // 4)), ("warm (snapshot)", RUNS)):
            samples, count = _measure(client, url, runs, cold=mode.startswith("cold"))
            print(
                f"[{label} dashboard, {mode}] {connection.vendor}: p50 {statistics.median(samples):.0f} ms, "
                f"p95 {_p95(samples):.0f} ms, {count} queries"
            )
        samples, count = _measure(client, url + "?dimension=sector", max(3, RUNS // 4), cold=False)
        print(f"[{label} dashboard, filtered (live)] p50 {statistics.median(samples):.0f} ms, {count} queries")


def _measure(client, url: str, runs: int, *, cold: bool) -> tuple[list[float], int]:
    client.get(url)  # warm up (imports, template loading)
    samples, count = [], 0
    for _ in range(runs):
        if cold:
            DashboardSnapshot.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
        count = len(queries)
    return samples, count


@pytest.mark.django_db
def test_bench_barrier_measures_at_scale(client, firm, firm_member, city_official, agency):
    """BENCH_BARRIERS barriers (copies of one real barrier, made in SQL) with their measure rows:
    p95 of ``measured_metrics`` overall and per dimension (what a filtered dashboard computes
    live), and how fast ``refresh_barrier_measures`` measures real barriers."""
    if connection.vendor != "postgresql":
        pytest.skip("the scale benchmark runs on PostgreSQL (DATABASE_URL)")
    from barriers import services as barrier_services
    from barriers.models import Barrier
    from insights.models import BarrierMeasure
    from insights.selectors import DIMENSIONS, measured_metrics
    from insights.services import _measure_rows, refresh_barrier_measures

    load_sectors()
    template = barrier_services.file_barrier(
        actor=firm_member, firm=firm, title="벤치 애로", body="벤치마크용 규제 애로입니다. " * 5, sector_codes=["ai"]
    )
    barrier_services.submit_barrier(barrier_id=template.pk, actor=firm_member)
    columns = [f.column for f in Barrier._meta.concrete_fields if not f.primary_key]
    column_list = ", ".join(f'"{c}"' for c in columns)
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO barriers_barrier ({column_list}) SELECT {column_list} FROM barriers_barrier, "
            f"generate_series(1, %s) WHERE id = %s",
            [BARRIERS - 1, template.pk],
        )
        cursor.execute(
            """
            INSERT INTO insights_barriermeasure (barrier_id, kind, association, "primary", submitted_on, sector,
                agency, cluster, size,
                stage, first_answer_days, close_days, on_time, outcome, answer_due_at, escalated, accepted,
                promulgation_days, refreshed_at)
            SELECT id, 'sector', '—', true, date '2024-01-01' + (random() * 900)::int,
                (array['핀테크','모빌리티','로봇','AI','바이오헬스'])[1 + floor(random() * 5)::int],
                '기관' || (1 + floor(random() * 40)::int),
                (array['여의도','양재','상암','홍릉','G밸리','—'])[1 + floor(random() * 6)::int],
                (array['소기업','중기업','중견기업'])[1 + floor(random() * 3)::int],
                (array['예비','초기','도약','성장'])[1 + floor(random() * 4)::int],
                a, CASE WHEN a IS NOT NULL AND random() < 0.6 THEN a + floor(random() * 40)::int END,
                CASE WHEN a IS NOT NULL THEN random() < 0.7 END,
                CASE WHEN a IS NOT NULL THEN
                    (array['accepted','partly_accepted','long_term_review','declined'])[1 + floor(random() * 4)::int]
                    ELSE '' END,
                CASE WHEN a IS NULL THEN now() - interval '1 day' * floor(random() * 60) END,
                random() < 0.03, random() < 0.3,
                CASE WHEN random() < 0.05 THEN floor(random() * 400)::int END,
                clock_timestamp()
            FROM (SELECT id, CASE WHEN random() < 0.8 THEN floor(random() * 40)::int END AS a
                  FROM barriers_barrier) AS b
            """
        )
        cursor.execute("ANALYZE insights_barriermeasure")
    print(f"\n[setup] {BarrierMeasure.objects.count()} measure rows in {time.perf_counter() - t0:.1f}s")
    as_of = timezone.now()
    for dimension in (None, *DIMENSIONS):
        samples, count = [], 0
        for _ in range(max(3, RUNS // 4)):
            with CaptureQueriesContext(connection) as queries:
                t1 = time.perf_counter()
                groups = measured_metrics(as_of=as_of, dimension=dimension)
                samples.append((time.perf_counter() - t1) * 1000)
            count = len(queries)
        print(
            f"[measured_metrics {dimension or 'overall'}] {BARRIERS} barriers: p50 {statistics.median(samples):.0f} ms,"
            f" p95 {_p95(samples):.0f} ms, {count} queries, {len(groups)} groups"
        )
    ids = list(Barrier.objects.order_by("pk").values_list("pk", flat=True)[:5000])
    from insights.selectors import barrier_records

    t2 = time.perf_counter()
    rows = _measure_rows(barrier_records(ids=ids), now=as_of)
    elapsed = time.perf_counter() - t2
    print(
        f"[refresh_barrier_measures] {len(ids)} barriers measured in {elapsed:.2f}s "
        f"({len(ids) / elapsed:.0f}/s; a full rebuild of {BARRIERS} ≈ {BARRIERS / (len(ids) / elapsed) / 60:.0f} min)"
    )
    assert rows

    # The pages themselves at this scale: what the background refresh costs, then what a visitor
    # waits for (stored snapshot; a dimension filter warmed by the refresh task).
    from insights.selectors import Audience
    from insights.services import refresh_snapshot, warm_filtered_tables

    t3 = time.perf_counter()
    refresh_barrier_measures()
    for audience in Audience:
        refresh_snapshot(audience=audience, language="ko")
    warm_filtered_tables(language="ko")
    print(
        f"[background refresh] measures (incremental), 2 snapshots, 12 filter tables: {time.perf_counter() - t3:.1f}s"
    )
    client.force_login(city_official)
    for label, url in (
        ("public dashboard", "/insights/"),
        ("city dashboard", "/insights/city/"),
        ("public, by sector (htmx)", "/insights/?dimension=sector"),
        ("city, by agency (htmx)", "/insights/city/?dimension=agency"),
    ):
        samples, count = [], 0
        for _ in range(RUNS):
            with CaptureQueriesContext(connection) as queries:
                t4 = time.perf_counter()
                headers = {"HX-Request": "true"} if "dimension" in url else {}
                response = client.get(url, headers=headers)
                samples.append((time.perf_counter() - t4) * 1000)
            assert response.status_code == 200
            count = len(queries)
        print(
            f"[{label}] {BARRIERS} barriers: p50 {statistics.median(samples):.0f} ms, p95 {_p95(samples):.0f} ms,"
            f" {count} queries"
        )
