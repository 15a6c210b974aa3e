"""Korean business-day arithmetic: worked examples around 설날, 추석 and substitute holidays,
plus hypothesis properties."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.business_days import (
    SEOUL,
    Counting,
    Period,
    add_business_days,
    add_working_hours,
    business_days_between,
    due_at,
    extended_due_at,
    is_business_day,
    overdue_business_days,
)


def seoul(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SEOUL)


@pytest.mark.parametrize(
    ("_case", "day", "expected"),
    [
        ("weekday", dt.date(2025, 9, 30), True),
        ("saturday", dt.date(2025, 10, 4), False),
        ("chuseok", dt.date(2025, 10, 6), False),
        ("chuseok substitute holiday", dt.date(2025, 10, 8), False),
        ("hangul day", dt.date(2025, 10, 9), False),
        ("seollal temporary holiday", dt.date(2025, 1, 27), False),
        ("independence day substitute", dt.date(2025, 3, 3), False),
        ("presidential election day", dt.date(2025, 6, 3), False),
        ("day after chuseok 2026", dt.date(2026, 9, 28), True),
    ],
)
def test_is_business_day(_case: str, day: dt.date, expected: bool) -> None:
    assert is_business_day(day) is expected


def test_extra_holidays_count_as_closed() -> None:
    day = dt.date(2025, 9, 30)
    assert not is_business_day(day, extra_holidays=frozenset({day}))


@pytest.mark.parametrize(
    ("_case", "received", "period", "expected"),
    [
        # 14-day 건의 over 추석 2025 (10/3 개천절, 10/5–8 추석+대체, 10/9 한글날): first day counts.
        ("proposal across chuseok", seoul(2025, 10, 1, 10), Period(14), seoul(2025, 10, 27, 18)),
        # 7-day 고충 across 설날 2025 with the temporary holiday of 1/27.
        ("grievance across seollal", seoul(2025, 1, 24, 17, 30), Period(7), seoul(2025, 2, 7, 18)),
        # 6 days across the 삼일절 substitute holiday (3/3/2025).
        ("substitute holiday skipped", seoul(2025, 2, 28, 9), Period(6), seoul(2025, 3, 10, 18)),
        # Received on a Saturday holiday: counting starts on the next business day.
        ("received on a holiday", seoul(2025, 3, 1, 11), Period(6), seoul(2025, 3, 11, 18)),
        # 5 days or less: 40 working hours; 6/3 election day and 6/6 현충일 skipped.
        ("five days in hours", seoul(2025, 6, 2, 9), Period(5), seoul(2025, 6, 10, 18)),
        ("five days from mid-afternoon", seoul(2025, 6, 2, 15), Period(5), seoul(2025, 6, 11, 15)),
        # 즉시 = 3 working hours, over the weekend and 설날.
        ("immediate over seollal", seoul(2025, 1, 24, 16), Period(0), seoul(2025, 1, 31, 10)),
        ("immediate over lunch", seoul(2025, 9, 30, 11), Period(0), seoul(2025, 9, 30, 15)),
        # 신속확인 30 days (민법): first day out; 10/8 and 10/9 are holidays, so it ends on 10/10.
        (
            "calendar days end on a working day",
            seoul(2025, 9, 8, 10),
            Period(30, Counting.CALENDAR),
            seoul(2025, 10, 10, 18),
        ),
    ],
)
def test_due_at(_case: str, received: dt.datetime, period: Period, expected: dt.datetime) -> None:
    assert due_at(received, period) == expected


def test_due_at_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="naive"):
        due_at(dt.datetime(2025, 1, 2, 9), Period(7))


def test_extension_runs_from_the_day_after_the_due_date() -> None:
    # 14 days due 10/27/2025; extended by 14 more business days: 10/28 … 11/14.
    assert extended_due_at(seoul(2025, 10, 27, 18), Period(14)) == seoul(2025, 11, 14, 18)


def test_overdue_business_days() -> None:
    due = seoul(2025, 10, 2, 18)
    assert overdue_business_days(due, seoul(2025, 10, 2, 17)) == 0
    assert overdue_business_days(due, seoul(2025, 10, 2, 19)) == 1
    # The whole 추석 break passes without the clock running on.
    assert overdue_business_days(due, seoul(2025, 10, 9, 12)) == 1
    assert overdue_business_days(due, seoul(2025, 10, 10, 12)) == 1
    assert overdue_business_days(due, seoul(2025, 10, 13, 12)) == 2


dates = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31))
moments = st.builds(
    lambda day, minute: dt.datetime.combine(day, dt.time(0, 0), tzinfo=SEOUL) + dt.timedelta(minutes=minute),
    dates,
    st.integers(min_value=0, max_value=24 * 60 - 1),
)


@given(start=dates, days=st.integers(min_value=1, max_value=60))
def test_period_ends_on_a_business_day_after_exactly_n_business_days(start: dt.date, days: int) -> None:
    end = add_business_days(start, days)
    assert is_business_day(end)
    counted = business_days_between(start, end) + (1 if is_business_day(start) else 0)
    assert counted == days


@given(start=moments, a=st.integers(min_value=1, max_value=40), b=st.integers(min_value=1, max_value=40))
def test_working_hours_add_up(start: dt.datetime, a: int, b: int) -> None:
    assert add_working_hours(add_working_hours(start, a), b) == add_working_hours(start, a + b)


@given(received=moments, shorter=st.integers(min_value=0, max_value=40), extra=st.integers(min_value=0, max_value=20))
def test_longer_periods_never_end_earlier(received: dt.datetime, shorter: int, extra: int) -> None:
    first = due_at(received, Period(shorter))
    assert first > received
    assert due_at(received, Period(shorter + extra)) >= first


@given(received=moments, days=st.integers(min_value=0, max_value=40))
def test_a_period_never_ends_on_a_closed_day(received: dt.datetime, days: int) -> None:
    for counting in Counting:
        assert is_business_day(due_at(received, Period(days, counting)).date())


@given(start=dates, end=dates)
def test_business_days_between_is_antisymmetric(start: dt.date, end: dt.date) -> None:
    assert business_days_between(start, end) == -business_days_between(end, start)
