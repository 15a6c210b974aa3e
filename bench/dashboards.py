"""Benchmark of the insights dashboards (issue 8). Runs in pytest's throw-away test database:

    DATABASE_URL=postgres://… .venv/bin/python -m pytest -q -s bench/dashboards.py
    BENCH_FIRMS=100000 BENCH_BARRIERS=1000000 BENCH_RUNS=30 (defaults: 20000, 1000000, 20)

Prints p50/p95 server time and the query count of the public and city dashboard pages (cold:
computed and stored as a snapshot; warm: served from the snapshot; filtered: computed live) with
BENCH_FIRMS registered firms and a perception survey answered by a tenth of them, and the time
``barrier_metrics`` / ``barrier_metrics_by`` take on BENCH_BARRIERS plain records (the barrier
models are not ready; the plain records follow the same ``BarrierRecord`` protocol).
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

from core.business_days import SEOUL
from firms.models import Firm, Sector, SizeClass
from firms.reference_data import load_sectors
from firms.tests.factories import brn_for
from insights.models import DashboardSnapshot
from insights.selectors import PlainBarrierRecord, barrier_metrics, barrier_metrics_by
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


def test_bench_barrier_metrics_on_plain_records():
    rng = random.Random(1)
    start = dt.datetime(2024, 1, 1, 9, tzinfo=SEOUL)
    sectors = ["fintech", "mobility", "robots", "ai", "biohealth"]
    outcomes = ["accepted", "partly_accepted", "long_term_review", "declined"]
    records = []
    for _ in range(BARRIERS):
        submitted = start + dt.timedelta(days=rng.randrange(900), hours=rng.randrange(9))
        answered = submitted + dt.timedelta(days=rng.randrange(1, 40)) if rng.random() < 0.8 else None
        closed = answered + dt.timedelta(days=rng.randrange(0, 60)) if answered and rng.random() < 0.6 else None
        records.append(
            PlainBarrierRecord(
                submitted_at=submitted,
                first_answered_at=answered,
                closed_at=closed,
                outcome=rng.choice(outcomes) if answered else "",
                due_at=submitted + dt.timedelta(days=20),
                escalated=rng.random() < 0.03,
                sector=rng.choice(sectors),
            )
        )
    as_of = start + dt.timedelta(days=1000)
    t0 = time.perf_counter()
    overall = barrier_metrics(records, as_of=as_of)
    t1 = time.perf_counter()
    by_sector = barrier_metrics_by(records, dimension="sector", as_of=as_of)
    t2 = time.perf_counter()
    print(
        f"\n[barrier_metrics] {BARRIERS} records: overall {t1 - t0:.2f}s, by sector {t2 - t1:.2f}s; "
        f"on time {overall.answered_on_time.percent}%, median {overall.days_to_first_answer.median} "
        f"p90 {overall.days_to_first_answer.p90} business days, {len(by_sector)} sectors"
    )
