"""The monthly report, per agency and for the city: a printable page with the month's figures and
the list of answers overdue now.

Reads only. Figures come from the same ``barrier_metrics`` as the dashboards, so a report never
disagrees with them; the overdue list names barriers by title and dates, never by firm, so an
agency's report cannot reveal a firm sealed from it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency
from barriers import deadlines
from barriers.models import AnswerOutcome, Barrier, BarrierAnswer
from barriers.selectors import overdue_days
from barriers.transitions import AGENCY_TURN, OPEN
from core.business_days import SEOUL
from core.errors import ValidationFailed
from insights.selectors import Audience, BarrierMetrics, barrier_metrics, barrier_records, barrier_table
from insights.tables import Table

OVERDUE_LIST_LIMIT = 200


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """``2026-11`` → Month(2026, 11); anything else is a clear 400."""
        try:
            year, month = (int(part) for part in text.split("-"))
            dt.date(year, month, 1)
        except ValueError:
            raise ValidationFailed(_("월은 2026-11처럼 연-월로 적어 주세요."), field="month") from None
        if not 2000 <= year <= 2100:
            raise ValidationFailed(_("월은 2026-11처럼 연-월로 적어 주세요."), field="month")
        return cls(year, month)

    @classmethod
    def current(cls) -> Month:
        today = timezone.localdate()
        return cls(today.year, today.month)

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class OverdueItem:
    barrier_id: int
    title: str
    status_label: str
    agency: str
    due_at: dt.datetime
    overdue_business_days: int


@dataclass
class MonthlyReport:
    month: Month
    agency: Agency | None
    generated_at: dt.datetime
    filed: BarrierMetrics
    answers_given: int
    answers_by_outcome: dict[str, int]
    by_sector: Table
    overdue: list[OverdueItem]
    overdue_total: int

    @property
    def scope(self) -> str:
        return self.agency.name if self.agency else _("서울시 전체")

    @property
    def outcome_rows(self) -> list[tuple[str, int]]:
        return [(str(label), self.answers_by_outcome.get(code, 0)) for code, label in AnswerOutcome.choices]


def _overdue(*, agency: Agency | None, now: dt.datetime) -> tuple[list[OverdueItem], int]:
    """Answers overdue now: for an agency, its own turn (first or second answer); for the city,
    every open step past its due time. Most overdue first."""
    scope = {"status__in": AGENCY_TURN, "lead_agency": agency} if agency is not None else {"status__in": OPEN}
    qs: QuerySet[Barrier] = Barrier.objects.filter(due_at__lt=now, **scope)
    total = qs.count()
    closures = deadlines.extra_closures(around=now)
    items = [
        OverdueItem(
            barrier_id=barrier.pk,
            title=barrier.title,
            status_label=str(barrier.get_status_display()),
            agency=barrier.lead_agency.name if barrier.lead_agency else "—",
            due_at=barrier.due_at,  # type: ignore[arg-type]  # filtered on due_at above
            overdue_business_days=overdue_days(barrier, as_of=now, closures=closures),
        )
        for barrier in qs.select_related("lead_agency")
        .only("pk", "title", "status", "due_at", "lead_agency__name")
        .order_by("due_at", "pk")[:OVERDUE_LIST_LIMIT]
    ]
    return items, total


def monthly_report(*, month: Month, agency: Agency | None = None, now: dt.datetime | None = None) -> MonthlyReport:
    """The month's report: barriers filed in the month (with how they have been handled since),
    answers given in the month by outcome, delivery by sector, and what is overdue now."""
    now = now or timezone.now()
    agency_id = agency.pk if agency else None

    def records(*, since: dt.date | None = None, until: dt.date | None = None) -> list:
        return barrier_records(since=since, until=until, agency_id=agency_id)

    filed_records = records(since=month.first_day, until=month.last_day)
    answers = BarrierAnswer.objects.filter(created_at__date__gte=month.first_day, created_at__date__lte=month.last_day)
    if agency is not None:
        answers = answers.filter(agency=agency)
    by_outcome = dict(answers.values_list("outcome").annotate(n=Count("pk")).order_by())
    overdue, overdue_total = _overdue(agency=agency, now=now)
    return MonthlyReport(
        month=month,
        agency=agency,
        generated_at=now.astimezone(SEOUL),
        filed=barrier_metrics(filed_records, as_of=now),
        answers_given=sum(by_outcome.values()),
        answers_by_outcome=by_outcome,
        by_sector=barrier_table(
            audience=Audience.CITY,
            as_of=now,
            dimension="sector",
            since=month.first_day,
            until=month.last_day,
            records_source=records,
        ),
        overdue=overdue,
        overdue_total=overdue_total,
    )
