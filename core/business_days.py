"""Korean business-day arithmetic for legal clocks (처리기간), as pure functions.

The counting rules follow 민원 처리에 관한 법률 제19조 and its 시행령:

- a period of **5 days or less** is counted in *working hours* from the moment of receipt, one
  day being 8 working hours; Saturdays, Sundays and public holidays do not count;
- a period of **6 days or more** is counted in *days*, the first day included, Saturdays, Sundays
  and public holidays excluded;
- "즉시" means within 3 working hours.

Periods set by other statutes in plain days (e.g. the 30 days of a 신속확인 under 정보통신융합법
제36조) follow 민법 제157조·제161조: the first day is not counted, and a period ending on a
Saturday or public holiday ends on the next working day.

Public holidays come from the ``holidays`` package (``holidays.KR``: 설날·추석 with their
substitute holidays, election days, temporary holidays it knows of). Days the government declares
at short notice can be passed in as ``extra_holidays``. Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

SEOUL = ZoneInfo("Asia/Seoul")
HOURS_PER_DAY = 8
IMMEDIATE_HOURS = 3
# The working day (시행령: 1일은 8시간): 09:00–12:00 and 13:00–18:00.
WORKING_WINDOWS: tuple[tuple[dt.time, dt.time], ...] = (
    (dt.time(9, 0), dt.time(12, 0)),
    (dt.time(13, 0), dt.time(18, 0)),
)
CLOSE_OF_BUSINESS = WORKING_WINDOWS[-1][1]
NO_EXTRA: frozenset[dt.date] = frozenset()


@lru_cache(maxsize=64)
def _kr_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("KR", years=year).keys())


def is_public_holiday(day: dt.date, *, extra_holidays: frozenset[dt.date] = NO_EXTRA) -> bool:
    """True on a Korean public holiday (관공서의 공휴일) or a declared extra closure."""
    return day in _kr_holidays(day.year) or day in extra_holidays


def is_business_day(day: dt.date, *, extra_holidays: frozenset[dt.date] = NO_EXTRA) -> bool:
    """Monday to Friday, and not a public holiday."""
    return day.weekday() < 5 and not is_public_holiday(day, extra_holidays=extra_holidays)


def next_business_day(day: dt.date, *, extra_holidays: frozenset[dt.date] = NO_EXTRA) -> dt.date:
    """The first business day strictly after ``day``."""
    day += dt.timedelta(days=1)
    while not is_business_day(day, extra_holidays=extra_holidays):
        day += dt.timedelta(days=1)
    return day


def add_business_days(
    start: dt.date, days: int, *, first_day_counts: bool = True, extra_holidays: frozenset[dt.date] = NO_EXTRA
) -> dt.date:
    """The last day of a period of ``days`` business days that begins on ``start``.

    With ``first_day_counts`` (민원처리법: 첫날 산입) ``start`` itself is day one when it is a
    business day; otherwise counting starts on the next business day.
    """
    if days < 1:
        raise ValueError("a period has at least one day")
    day = start if first_day_counts and is_business_day(start, extra_holidays=extra_holidays) else None
    counted = 1 if day is not None else 0
    day = day or start
    while counted < days:
        day = next_business_day(day, extra_holidays=extra_holidays)
        counted += 1
    return day


def business_days_between(start: dt.date, end: dt.date, *, extra_holidays: frozenset[dt.date] = NO_EXTRA) -> int:
    """Business days in the half-open range (start, end]; negative when ``end`` is before ``start``."""
    if end < start:
        return -business_days_between(end, start, extra_holidays=extra_holidays)
    # Weekdays by whole weeks (five in any seven days), then the closed weekdays in the range: a
    # list page computes this for every overdue row, and a day-by-day walk over a year-old due
    # date was a fifth of the register's filter page (bench/register.py).
    weeks, rest = divmod((end - start).days, 7)
    count = weeks * 5
    day = start + dt.timedelta(days=weeks * 7)
    for _ in range(rest):
        day += dt.timedelta(days=1)
        count += day.weekday() < 5
    closed = set(extra_holidays).union(*(_kr_holidays(year) for year in range(start.year, end.year + 1)))
    return count - sum(1 for day in closed if start < day <= end and day.weekday() < 5)


def _local(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: legal clocks need an aware time")
    return moment.astimezone(SEOUL)


def add_working_hours(
    start: dt.datetime, hours: float, *, extra_holidays: frozenset[dt.date] = NO_EXTRA
) -> dt.datetime:
    """The moment ``hours`` working hours after ``start`` (weekends, holidays and lunch skipped)."""
    if hours <= 0:
        raise ValueError("a period has a positive length")
    remaining = dt.timedelta(hours=hours)
    now = _local(start)
    while True:
        day = now.date()
        if is_business_day(day, extra_holidays=extra_holidays):
            for opens, closes in WORKING_WINDOWS:
                window_start = dt.datetime.combine(day, opens, tzinfo=SEOUL)
                window_end = dt.datetime.combine(day, closes, tzinfo=SEOUL)
                if now >= window_end:
                    continue
                begin = max(now, window_start)
                available = window_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
                now = window_end
        now = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=SEOUL)


def close_of(day: dt.date) -> dt.datetime:
    """The end of the working day ``day`` (18:00 in Seoul): when a period counted in days ends."""
    return dt.datetime.combine(day, CLOSE_OF_BUSINESS, tzinfo=SEOUL)


class Counting(enum.StrEnum):
    """How a period is counted."""

    STATUTORY = "statutory"  # 민원처리법: ≤5 days in working hours, ≥6 days in business days (first day in)
    CALENDAR = "calendar"  # 민법: calendar days, first day out, ends on a working day


@dataclass(frozen=True)
class Period:
    """A legal period: ``days`` long (0 means "즉시", 3 working hours), counted one way."""

    days: int
    counting: Counting = Counting.STATUTORY

    def __post_init__(self) -> None:
        if self.days < 0:
            raise ValueError("a period cannot be negative")


def due_at(received_at: dt.datetime, period: Period, *, extra_holidays: Iterable[dt.date] = ()) -> dt.datetime:
    """When a period that starts at ``received_at`` ends (an aware datetime in Seoul time)."""
    extra = frozenset(extra_holidays)
    start = _local(received_at)
    if period.days == 0:
        return add_working_hours(start, IMMEDIATE_HOURS, extra_holidays=extra)
    if period.counting is Counting.CALENDAR:
        last = start.date() + dt.timedelta(days=period.days)
        if not is_business_day(last, extra_holidays=extra):
            last = next_business_day(last, extra_holidays=extra)
        return close_of(last)
    if period.days <= 5:
        return add_working_hours(start, period.days * HOURS_PER_DAY, extra_holidays=extra)
    return close_of(add_business_days(start.date(), period.days, extra_holidays=extra))


def extended_due_at(current_due: dt.datetime, period: Period, *, extra_holidays: Iterable[dt.date] = ()) -> dt.datetime:
    """A due time pushed back by ``period``, counted from the day after the current due date.

    An extension (처리기간 연장, 시행령 제21조) runs on from the end of the original period.
    """
    extra = frozenset(extra_holidays)
    due = _local(current_due)
    if period.days == 0:
        return add_working_hours(due, IMMEDIATE_HOURS, extra_holidays=extra)
    if period.counting is Counting.CALENDAR:
        last = due.date() + dt.timedelta(days=period.days)
        if not is_business_day(last, extra_holidays=extra):
            last = next_business_day(last, extra_holidays=extra)
        return close_of(last)
    if period.days <= 5:
        return add_working_hours(due, period.days * HOURS_PER_DAY, extra_holidays=extra)
    return close_of(add_business_days(due.date(), period.days, first_day_counts=False, extra_holidays=extra))


def overdue_business_days(due: dt.datetime, now: dt.datetime, *, extra_holidays: Iterable[dt.date] = ()) -> int:
    """How many business days late ``now`` is (0 when not late; 1 on the first late business day)."""
    due_local, now_local = _local(due), _local(now)
    if now_local <= due_local:
        return 0
    late = business_days_between(due_local.date(), now_local.date(), extra_holidays=frozenset(extra_holidays))
    return max(late, 1)
