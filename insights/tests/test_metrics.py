"""Barrier delivery metrics on plain records (the protocol the barriers workflow will feed)."""

import datetime as dt

import pytest

from core.business_days import SEOUL
from insights.selectors import PlainBarrierRecord, barrier_metrics, barrier_metrics_by
from insights.tests.workflow import accept_and_promulgate, forwarded_barrier


def at(day: int, hour: int = 10, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=SEOUL)


# March 2026: Sun 1 (3·1절, observed Mon 2), Mon 2 substitute holiday, Tue 3 … Fri 6, Sat 7, Sun 8, Mon 9.
AS_OF = at(31)


def records_answered(n, *, submitted, answered, due, outcome="accepted", **extra):
    return [
        PlainBarrierRecord(submitted_at=submitted, first_answered_at=answered, due_at=due, outcome=outcome, **extra)
        for _ in range(n)
    ]


def test_business_days_skip_weekend_and_holiday():
    # Filed Friday 27 Feb, answered Tuesday 3 March: Sat, Sun, 1 Mar (Sun), 2 Mar (substitute) do not count.
    record = PlainBarrierRecord(submitted_at=at(27, month=2), first_answered_at=at(3), due_at=at(20))
    metrics = barrier_metrics([record] * 10, as_of=AS_OF)
    assert metrics.days_to_first_answer.median == 1


def test_on_time_median_p90_and_mix_hand_computed():
    records = (
        records_answered(6, submitted=at(3), answered=at(5), due=at(10))  # 2 business days, on time
        + records_answered(3, submitted=at(3), answered=at(17), due=at(10), outcome="declined")  # 10 days, late
        + records_answered(1, submitted=at(3), answered=at(24), due=at(10), outcome="partly_accepted")  # 15, late
    )
    metrics = barrier_metrics(records, as_of=AS_OF)
    assert metrics.filed == 10 and metrics.answered == 10
    assert metrics.answered_on_time.percent == 60.0
    assert metrics.answered_on_time.ci_percent == (31.3, 83.2)
    assert metrics.days_to_first_answer.median == 2
    assert metrics.days_to_first_answer.p90 == 10
    assert metrics.outcomes["accepted"].percent == 60.0
    assert metrics.outcomes["declined"].percent == 30.0
    assert metrics.outcomes["partly_accepted"].percent == 10.0
    assert metrics.outcomes["long_term_review"].percent == 0.0


def test_overdue_escalated_and_drafts():
    records = [
        PlainBarrierRecord(submitted_at=at(3), due_at=at(10)),  # overdue now
        PlainBarrierRecord(submitted_at=at(3), due_at=dt.datetime(2026, 4, 30, tzinfo=SEOUL)),  # not yet due
        PlainBarrierRecord(submitted_at=at(3), due_at=at(10), closed_at=at(12)),  # closed: not overdue
        PlainBarrierRecord(submitted_at=at(3), first_answered_at=at(4), due_at=at(10), escalated=True),
        PlainBarrierRecord(submitted_at=None),  # a draft is not filed
    ]
    metrics = barrier_metrics(records, as_of=AS_OF)
    assert metrics.filed == 4 and metrics.overdue_now == 1 and metrics.escalated == 1
    # Under ten cases every rate and duration is suppressed.
    assert metrics.answered_on_time.suppressed and metrics.days_to_first_answer.median is None


def test_metrics_by_dimension_counts_multi_sector_barriers_in_each():
    records = [PlainBarrierRecord(submitted_at=at(3), sector=("fintech", "ai"))] + [
        PlainBarrierRecord(submitted_at=at(3), sector="robot")
    ] * 2
    groups = barrier_metrics_by(records, dimension="sector", as_of=AS_OF)
    assert {k: v.filed for k, v in groups.items()} == {"ai": 1, "fintech": 1, "robot": 2}


def test_unknown_dimension_is_refused():
    with pytest.raises(ValueError):
        barrier_metrics_by([], dimension="firm_name", as_of=AS_OF)


def test_business_day_ranks_agree_with_core_counting():
    from core.business_days import business_days_between
    from insights.selectors import BusinessDayRanks

    first, last = dt.date(2025, 12, 20), dt.date(2026, 3, 10)  # 신정, 설날 with substitute, 3·1절
    ranks = BusinessDayRanks(first, last)
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    for a in days[::3]:
        for b in days[::5]:
            start, end = (dt.datetime.combine(d, dt.time(23, 30), tzinfo=SEOUL) for d in (a, b))
            assert ranks.between(start, end) == business_days_between(a, b)


def test_barrier_records_come_from_the_workflow(firm, firm_member, city_official, agency, agency_official):
    """A barrier filed, forwarded and declined is measured with its first answer and its clock."""
    from barriers import services as barrier_services
    from insights.selectors import barrier_records

    barrier = forwarded_barrier(
        firm=firm,
        filer=firm_member,
        city=city_official,
        agency=agency,
        title="로봇 보도 통행",
        body="배송 로봇이 보도를 다닐 수 없습니다.",
        sectors=["robots"],
    )
    barrier_services.answer_barrier(
        barrier_id=barrier.pk,
        actor=agency_official,
        outcome="declined",
        body="허용되지 않습니다.",
        reason_code="safety",
        legal_basis="도로교통법 제13조의2",
    )
    (record,) = barrier_records()
    assert record.outcome == "declined"
    assert record.due_at is not None and record.first_answered_at is not None
    assert record.agency == agency.name and record.sector == ("로봇",)
    assert record.escalated is False


def test_outcome_ledger_counts_promulgations_and_median_calendar_days():
    accepted_on = at(3)
    records = [
        PlainBarrierRecord(
            submitted_at=at(2, month=2),
            first_answered_at=accepted_on,
            outcome="accepted",
            accepted_at=accepted_on,
            promulgated_on=(accepted_on + dt.timedelta(days=days)).date() if days is not None else None,
        )
        for days in [30, 60, 90, 100, 120, 150, 200, 210, 300, 365, None, None]
    ]
    metrics = barrier_metrics(records, as_of=AS_OF)
    assert (metrics.accepted, metrics.promulgated) == (12, 10)
    assert metrics.days_to_promulgation.median == 135


def test_promulgation_median_is_suppressed_below_ten_cases():
    record = PlainBarrierRecord(
        submitted_at=at(3), first_answered_at=at(5), outcome="accepted", accepted_at=at(5), promulgated_on=at(25).date()
    )
    metrics = barrier_metrics([record] * 9, as_of=AS_OF)
    assert metrics.promulgated == 9 and metrics.days_to_promulgation.suppressed


def test_barrier_records_carry_acceptance_and_promulgation(firm, firm_member, city_official, agency, agency_official):
    from insights.selectors import barrier_records

    barrier = forwarded_barrier(
        firm=firm,
        filer=firm_member,
        city=city_official,
        agency=agency,
        title="원격 모니터링",
        body="원격 모니터링 기기의 인허가 기준이 없습니다.",
        sectors=["biohealth"],
    )
    today = dt.date.today()
    accept_and_promulgate(barrier=barrier, official=agency_official, on=today)
    (record,) = barrier_records()
    assert record.accepted_at is not None and record.promulgated_on == today


# -- the pre-aggregated measures agree with the records -----------------------------------------


def _workflow_barriers(firm, firm_member, city_official, agency, agency_official, n=12):
    from barriers import services as barrier_services

    made = []
    for i in range(n):
        barrier = barrier_services.file_barrier(
            actor=firm_member,
            firm=firm,
            title=f"측정 {i}",
            body="배송 로봇이 보도를 다닐 수 없습니다.",
            sector_codes=["robots", "ai"] if i % 3 else ["robots"],
            submit=True,
        )
        if i % 4 == 0:
            made.append(barrier)
            continue  # left waiting for triage
        barrier_services.triage_barrier(barrier_id=barrier.pk, actor=city_official, kind="proposal", lead_agency=agency)
        barrier_services.forward_to_agency(barrier_id=barrier.pk, actor=city_official)
        if i % 4 != 1:
            barrier_services.answer_barrier(
                barrier_id=barrier.pk,
                actor=agency_official,
                outcome="declined" if i % 2 else "long_term_review",
                body="검토했습니다.",
                reason_code="safety" if i % 2 else "",
                legal_basis="도로교통법 제13조의2" if i % 2 else "",
            )
        made.append(barrier)
    return made


@pytest.mark.parametrize("dimension", [None, "sector", "agency", "size", "association"])
def test_measured_metrics_equal_the_metrics_of_the_records(
    dimension, firm, firm_member, city_official, agency, agency_official
):
    from firms.models import Association, AssociationMembership
    from insights.selectors import barrier_records, measured_metrics
    from insights.services import refresh_barrier_measures

    for name in ("한국로봇산업협회", "한국인공지능협회"):  # the firm counts in both
        AssociationMembership.objects.create(firm=firm, association=Association.objects.create(name=name))
    _workflow_barriers(firm, firm_member, city_official, agency, agency_official)
    refresh_barrier_measures()
    now = dt.datetime.now(SEOUL) + dt.timedelta(days=60)  # everything unanswered is overdue by then
    records = barrier_records()
    measured = measured_metrics(as_of=now, dimension=dimension, min_cases=3)
    if dimension:
        expected = barrier_metrics_by(records, dimension=dimension, as_of=now, min_cases=3)
    else:
        expected = {"—": barrier_metrics(records, as_of=now, min_cases=3)}
    assert measured.keys() == expected.keys()
    for key, metrics in expected.items():
        got = measured[key]
        assert (got.filed, got.answered, got.overdue_now, got.escalated) == (
            metrics.filed,
            metrics.answered,
            metrics.overdue_now,
            metrics.escalated,
        )
        assert got.answered_on_time == metrics.answered_on_time
        assert got.days_to_first_answer.median == metrics.days_to_first_answer.median
        assert got.days_to_first_answer.p90 == metrics.days_to_first_answer.p90
        assert {k: c.percent for k, c in got.outcomes.items()} == {k: c.percent for k, c in metrics.outcomes.items()}


def test_incremental_refresh_picks_up_answers_given_since(firm, firm_member, city_official, agency, agency_official):
    from barriers import services as barrier_services
    from insights.models import BarrierMeasure
    from insights.services import refresh_barrier_measures

    made = _workflow_barriers(firm, firm_member, city_official, agency, agency_official, n=2)
    assert refresh_barrier_measures() == 2
    waiting = made[1]  # forwarded, not answered
    barrier_services.answer_barrier(
        barrier_id=waiting.pk, actor=agency_official, outcome="long_term_review", body="중장기 검토"
    )
    assert refresh_barrier_measures() == 1
    row = BarrierMeasure.objects.get(barrier=waiting, primary=True)
    assert row.outcome == "long_term_review" and row.first_answer_days is not None
    assert BarrierMeasure.objects.filter(primary=True).count() == 2


def test_histogram_median_and_p90_match_the_plain_statistics():
    from insights.stats import DurationCell, HistogramDuration

    values = (0, 1, 1, 2, 3, 3, 3, 7, 9, 12, 15)
    histogram = HistogramDuration(tuple((v, values.count(v)) for v in set(values)))
    plain = DurationCell(values)
    assert (histogram.median, histogram.p90, histogram.n) == (plain.median, plain.p90, plain.n)
    even = values + (20,)
    assert HistogramDuration(tuple((v, even.count(v)) for v in set(even))).median == DurationCell(even).median


def test_measures_are_rebuilt_in_full_once_a_day(firm, firm_member, city_official, agency, agency_official):
    from insights.services import refresh_barrier_measures

    _workflow_barriers(firm, firm_member, city_official, agency, agency_official, n=3)
    start = dt.datetime.now(SEOUL)
    assert refresh_barrier_measures(now=start) == 3
    assert refresh_barrier_measures(now=start + dt.timedelta(hours=1)) == 0
    assert refresh_barrier_measures(now=start + dt.timedelta(days=1, hours=1)) == 3
