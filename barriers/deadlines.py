"""Which period applies to a step, and when it ends (per kind, per agency; see DeadlinePolicy).

Defaults and where they come from:

- answers by the competent agency (민원 처리에 관한 법률 시행령 제14조, 법 제19조): 건의 14일,
  질의(법령) 14일, 질의(제도·절차) 7일, 고충 7일 — counted in business days, first day included;
- 신속확인 (정보통신 진흥 및 융합 활성화 등에 관한 특별법 제36조): 30 days, counted per 민법;
- the filer's 보완 period (시행령 제24조: 10일, counted per 민법 제156조–제161조);
- a second answer after 재검토 요청 (법 제35조②: 이의신청 10일);
- triage by the city (3 business days), the filer's reaction to an answer (14 days) and the
  regulatory committee's review (30 business days) are Haechi's own service standards.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from agencies.models import Agency
from barriers.models import ClockStep, DeadlinePolicy, NonWorkingDay, RequestKind
from core.business_days import Counting, Period, due_at, extended_due_at
from core.reference_tables import ReferenceTable

_STATUTORY = Counting.STATUTORY
_CALENDAR = Counting.CALENDAR


@dataclass(frozen=True)
class Default:
    period: Period
    source: str


ANSWER_DEFAULTS: dict[str, Default] = {
    RequestKind.PROPOSAL: Default(Period(14), "민원처리법 시행령 제14조·제19조(건의민원 14일)"),
    RequestKind.QUESTION_LAW: Default(Period(14), "민원처리법 시행령 제14조제1호(법령 질의 14일)"),
    RequestKind.QUESTION_PROCEDURE: Default(Period(7), "민원처리법 시행령 제14조제2호(제도·절차 질의 7일)"),
    RequestKind.GRIEVANCE: Default(Period(7), "고충민원 7일(README §3)"),
    RequestKind.RAPID_CONFIRMATION: Default(Period(30, _CALENDAR), "정보통신융합법 제36조(신속확인 30일)"),
}
STEP_DEFAULTS: dict[str, Default] = {
    ClockStep.TRIAGE: Default(Period(3), "해치 운영 기준(서울시 분류 3근무일)"),
    ClockStep.INFORMATION: Default(Period(10, _CALENDAR), "민원처리법 시행령 제24조(보완 10일, 민법 준용)"),
    ClockStep.REACTION: Default(Period(14), "해치 운영 기준(회신 확인 14일)"),
    ClockStep.SECOND_ANSWER: Default(Period(10), "민원처리법 제35조제2항(이의신청 10일)"),
    ClockStep.ESCALATION: Default(Period(30), "해치 운영 기준(규제개혁위원회 심의 30근무일)"),
}


def default_period(*, step: str, kind: str) -> Default:
    """The built-in period of ``step`` for a request of ``kind``."""
    if step == ClockStep.AGENCY_ANSWER:
        return ANSWER_DEFAULTS[kind]
    return STEP_DEFAULTS[step]


class _Policy(NamedTuple):
    step: str
    kind: str
    agency_id: int | None
    days: int
    counting: str


# Both tables are tiny and edited by hand in the admin, yet every clock that starts and every list
# page with an overdue row read them (see core.reference_tables for how the cache is kept fresh).
_POLICIES = ReferenceTable(
    "barriers:deadline-policies:v1",
    lambda: tuple(_Policy(*values) for values in DeadlinePolicy.objects.values_list(*_Policy._fields)),
    watch=[DeadlinePolicy],
)
_CLOSURES = ReferenceTable(
    "barriers:closures:v1",
    lambda: frozenset(NonWorkingDay.objects.values_list("day", flat=True)),
    watch=[NonWorkingDay],
)


def period_for(*, step: str, kind: str, agency: Agency | None) -> Period:
    """The most specific configured period: agency+kind, agency, kind, any — else the default."""
    agency_id = agency.pk if agency is not None else None
    rows = [
        p
        for p in _POLICIES.get()
        if p.step == step and p.kind in ("", kind) and (p.agency_id is None or p.agency_id == agency_id)
    ]
    if rows:
        best = max(rows, key=lambda p: (p.agency_id is not None, p.kind != ""))
        return Period(best.days, Counting(best.counting))
    return default_period(step=step, kind=kind).period


def extra_closures(*, around: dt.datetime) -> frozenset[dt.date]:
    """Declared closures near ``around`` (a year either side is plenty for any period)."""
    start = around.date() - dt.timedelta(days=366)
    end = around.date() + dt.timedelta(days=732)
    return frozenset(day for day in _CLOSURES.get() if start <= day <= end)


def compute_due(*, started_at: dt.datetime, period: Period) -> dt.datetime:
    """When a step that starts at ``started_at`` is due."""
    return due_at(started_at, period, extra_holidays=extra_closures(around=started_at))


def compute_extension(*, current_due: dt.datetime, period: Period) -> dt.datetime:
    """The new due time after one extension by (at most) the original period."""
    return extended_due_at(current_due, period, extra_holidays=extra_closures(around=current_due))
