"""Reads behind the dashboards and open data. Everything here returns fair, aggregated figures.

Two audiences:

- ``PUBLIC``: counts of firms below ``MIN_PUBLIC_COUNT`` (5) are suppressed (with a second cell
  when one could be recovered from a total), rates need ``MIN_CASES_FOR_RATE`` (10) cases.
- ``CITY``: exact counts; rates still need 10 cases (a rate on 3 cases misleads anyone).

**Barrier metrics plug in here.** ``barrier_metrics`` and ``barrier_metrics_by`` compute every
delivery figure of issue 8 (filed, answered on time, median/p90 business days to first answer and to
closure, acceptance mix, overdue now, escalations) from plain records that follow the
``BarrierRecord`` protocol, so they are tested on plain data and do not import ``barriers``. The one
function the barriers workflow replaces is ``barrier_records`` (see its docstring).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from django.core.cache import cache
from django.db.models import CharField, Count, F, OuterRef, Q, Subquery, Value
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from barriers.models import (
    AnswerOutcome,
    Barrier,
    BarrierAnswer,
    BarrierClock,
    ClockStep,
    OutcomeMilestone,
    OutcomeStage,
)
from core.business_days import SEOUL, is_business_day
from core.errors import ValidationFailed
from firms.models import Firm, Sector, SizeClass
from firms.selectors import Breakdown
from firms.stages import GrowthStage, growth_stage
from insights.models import BarrierMeasure, DashboardSnapshot, EcosystemIndicator, Target
from insights.stats import (
    MIN_CASES_FOR_RATE,
    MIN_PUBLIC_COUNT,
    DurationCell,
    HistogramDuration,
    RateCell,
    shares_from_counts,
    suppress_counts,
)
from insights.tables import ChartSpec, Column, Suppressed, Table
from programs.models import ApplicationStatus
from surveys import baseline
from surveys import selectors as survey_selectors
from surveys.models import Survey, SurveyKind
from surveys.questionnaires import RATING_CHOICES, SATISFIED_FROM

SELECTED_STATES = (ApplicationStatus.SELECTED, ApplicationStatus.COMPLETED)
ACCEPTING_OUTCOMES = (AnswerOutcome.ACCEPTED, AnswerOutcome.PARTLY_ACCEPTED)

# Proposed licence of Haechi's own aggregated statistics (to be confirmed by the city). Quoted
# figures (the study's baseline, ecosystem indicators) keep their sources' terms, named per row.
OPEN_DATA_LICENCE = (
    "공공누리 제1유형(출처표시): 해치 집계 통계. 기준선·생태계 지표는 각 행의 출처와 그 이용 조건을 따릅니다."
)


class Audience(enum.StrEnum):
    PUBLIC = "public"
    CITY = "city"


# -- barrier metrics against a minimal protocol ----------------------------------------------

OUTCOMES: tuple[tuple[str, Any], ...] = (
    ("accepted", gettext_lazy("수용")),
    ("partly_accepted", gettext_lazy("일부수용")),
    ("long_term_review", gettext_lazy("중장기 검토")),
    ("declined", gettext_lazy("수용곤란")),
)
DIMENSIONS: dict[str, Any] = {
    "sector": gettext_lazy("분야"),
    "agency": gettext_lazy("소관기관"),
    "cluster": gettext_lazy("클러스터"),
    "size": gettext_lazy("기업 규모"),
    "stage": gettext_lazy("성장 단계"),
    "association": gettext_lazy("협회"),
}


class BarrierRecord(Protocol):
    """What a barrier must offer for the delivery metrics (a model instance or a plain object).

    - ``submitted_at``: when it was filed (접수); None for drafts (not counted).
    - ``first_answered_at``: the first answer (첫 회신), or None.
    - ``closed_at``: closure (종결), or None.
    - ``outcome``: "accepted" | "partly_accepted" | "long_term_review" | "declined" | "" (no answer).
    - ``due_at``: when the first answer was due (the agency-answer clock), or None if none ran.
    - ``escalated``: True once it went up the escalation ladder.
    Dimensions are read with ``getattr(record, name)`` for ``barrier_metrics_by``: a string, or a
    list/tuple of strings (a barrier with two sectors counts in both); missing → "—".
    Datetimes are aware; business days are counted in Seoul time.
    """

    @property
    def submitted_at(self) -> dt.datetime | None: ...
    @property
    def first_answered_at(self) -> dt.datetime | None: ...
    @property
    def closed_at(self) -> dt.datetime | None: ...
    @property
    def outcome(self) -> str: ...
    @property
    def due_at(self) -> dt.datetime | None: ...
    @property
    def escalated(self) -> bool: ...


@dataclass(frozen=True)
class PlainBarrierRecord:
    """A ``BarrierRecord`` as a plain value (tests, benchmarks, pre-aggregated rows)."""

    submitted_at: dt.datetime | None
    first_answered_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    outcome: str = ""
    due_at: dt.datetime | None = None
    escalated: bool = False
    sector: str | tuple[str, ...] = "—"
    agency: str = "—"
    cluster: str = "—"
    size: str = "—"
    stage: str = "—"
    association: str | tuple[str, ...] = "—"
    # The outcome ledger: the first (partly) accepting answer and the promulgation (공포) date.
    accepted_at: dt.datetime | None = None
    promulgated_on: dt.date | None = None
    barrier_id: int | None = None


@dataclass(frozen=True)
class BarrierMetrics:
    filed: int
    answered: int
    answered_on_time: RateCell
    days_to_first_answer: DurationCell | HistogramDuration
    days_to_close: DurationCell | HistogramDuration
    outcomes: dict[str, RateCell]
    overdue_now: int
    escalated: int
    accepted: int = 0
    promulgated: int = 0
    days_to_promulgation: DurationCell | HistogramDuration = field(
        default_factory=lambda: DurationCell((), MIN_CASES_FOR_RATE)
    )


class BusinessDayRanks:
    """``business_days_between`` by subtraction: rank(d) = business days in (first, d].

    Counting walks day by day; a million barriers would walk millions of times. Ranking every day
    of the span once (a few thousand days) and subtracting gives the same numbers in O(1) each.
    """

    def __init__(self, first: dt.date, last: dt.date, *, extra_holidays: frozenset[dt.date] = frozenset()) -> None:
        self.first = first
        self.rank: dict[dt.date, int] = {first: 0}
        count, day = 0, first
        while day < last:
            day += dt.timedelta(days=1)
            count += is_business_day(day, extra_holidays=extra_holidays)
            self.rank[day] = count

    def between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Business days in the half-open range (start, end] of Seoul dates."""
        return self.rank[end.astimezone(SEOUL).date()] - self.rank[start.astimezone(SEOUL).date()]

    @classmethod
    def spanning(cls, records: Sequence[BarrierRecord], *, extra_holidays: frozenset[dt.date]) -> BusinessDayRanks:
        days = [
            moment.astimezone(SEOUL).date()
            for r in records
            for moment in (r.submitted_at, r.first_answered_at, r.closed_at)
            if moment is not None
        ]
        today = dt.datetime.now(SEOUL).date()
        return cls(min(days, default=today), max(days, default=today), extra_holidays=extra_holidays)


def barrier_metrics(
    records: Iterable[BarrierRecord],
    *,
    as_of: dt.datetime,
    extra_holidays: Iterable[dt.date] = (),
    min_cases: int = MIN_CASES_FOR_RATE,
) -> BarrierMetrics:
    """Delivery figures of a set of barriers, fair by design.

    - on time: first answer at or before ``due_at``, over answered barriers that had a due time;
    - business days to first answer / to closure: Seoul dates, (submitted, answered], weekends and
      public holidays excluded (``core.business_days``), so an answer on the filing day is 0;
    - acceptance mix: shares of each outcome among answered barriers with an outcome;
    - overdue now: not answered, not closed, due before ``as_of``;
    - outcome ledger: barriers (partly) accepted, how many of those reached promulgation (공포),
      and the median calendar days from acceptance to promulgation (law-making runs on calendar
      time: pre-announcement periods and cabinet meetings do not pause for weekends).
    Rates and durations on fewer than ``min_cases`` cases are suppressed.
    """
    records = list(records)
    ranks = BusinessDayRanks.spanning(records, extra_holidays=frozenset(extra_holidays))
    filed = answered = on_time = with_due = overdue = escalated = 0
    to_answer: list[float] = []
    to_close: list[float] = []
    to_promulgation: list[float] = []
    accepted = promulgated = 0
    outcome_counts: dict[str, int] = {}
    for record in records:
        submitted = record.submitted_at
        if submitted is None:
            continue
        filed += 1
        escalated += bool(record.escalated)
        answered_at, closed_at, due = record.first_answered_at, record.closed_at, record.due_at
        if answered_at is not None:
            answered += 1
            to_answer.append(ranks.between(submitted, answered_at))
            if due is not None:
                with_due += 1
                on_time += answered_at <= due
            if record.outcome:
                outcome_counts[record.outcome] = outcome_counts.get(record.outcome, 0) + 1
        elif closed_at is None and due is not None and due < as_of:
            overdue += 1
        if closed_at is not None:
            to_close.append(ranks.between(submitted, closed_at))
        accepted_at = getattr(record, "accepted_at", None)
        if accepted_at is not None:
            accepted += 1
            promulgated_on = getattr(record, "promulgated_on", None)
            if promulgated_on is not None:
                promulgated += 1
                to_promulgation.append((promulgated_on - accepted_at.astimezone(SEOUL).date()).days)
    outcome_rows = shares_from_counts(outcome_counts, categories=[o for o, _label in OUTCOMES], min_cases=min_cases)
    return BarrierMetrics(
        filed=filed,
        answered=answered,
        answered_on_time=RateCell(on_time, with_due, min_cases),
        days_to_first_answer=DurationCell(tuple(to_answer), min_cases),
        days_to_close=DurationCell(tuple(to_close), min_cases),
        outcomes={row.category: row.cell for row in outcome_rows},
        overdue_now=overdue,
        escalated=escalated,
        accepted=accepted,
        promulgated=promulgated,
        days_to_promulgation=DurationCell(tuple(to_promulgation), min_cases),
    )


def _values_of(record: Any, dimension: str) -> Sequence[str]:
    value = getattr(record, dimension, None)
    if value is None or value == "":
        return ("—",)
    if isinstance(value, list | tuple | set | frozenset):
        return [str(v) for v in value] or ["—"]
    return (str(value),)


def barrier_metrics_by(
    records: Iterable[BarrierRecord],
    *,
    dimension: str,
    as_of: dt.datetime,
    extra_holidays: Iterable[dt.date] = (),
    min_cases: int = MIN_CASES_FOR_RATE,
) -> dict[str, BarrierMetrics]:
    """``barrier_metrics`` per value of ``dimension`` (sector, agency, cluster, size, stage, association)."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    groups: dict[str, list[BarrierRecord]] = {}
    for record in records:
        for value in _values_of(record, dimension):
            groups.setdefault(value, []).append(record)
    return {
        group: barrier_metrics(items, as_of=as_of, extra_holidays=extra_holidays, min_cases=min_cases)
        for group, items in sorted(groups.items())
    }


def barrier_records(
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    agency_id: int | None = None,
    ids: Iterable[int] | None = None,
) -> list[PlainBarrierRecord]:
    """The barriers the dashboards measure, filed between ``since`` and ``until`` (Seoul dates).

    One row per submitted barrier: its first answer's outcome, the due time of the first agency-
    answer clock (what "answered on time" is measured against), whether it was escalated, and the
    dimensions (sector names, lead agency, the firm's cluster, size and growth stage).
    The dashboards read these through ``BarrierMeasure`` rows (see ``measured_metrics``); the
    monthly report and tests read them directly.
    """
    barriers = Barrier.objects.filter(submitted_at__isnull=False)
    if since is not None:
        barriers = barriers.filter(submitted_at__date__gte=since)
    if until is not None:
        barriers = barriers.filter(submitted_at__date__lte=until)
    if agency_id is not None:
        barriers = barriers.filter(lead_agency_id=agency_id)
    if ids is not None:
        barriers = barriers.filter(pk__in=list(ids))
    first_outcome = BarrierAnswer.objects.filter(barrier=OuterRef("pk")).order_by("created_at", "pk").values("outcome")
    first_answer_due = (
        BarrierClock.objects.filter(barrier=OuterRef("pk"), step=ClockStep.AGENCY_ANSWER)
        .order_by("started_at", "pk")
        .values("due_at")
    )
    first_acceptance = (
        BarrierAnswer.objects.filter(barrier=OuterRef("pk"), outcome__in=ACCEPTING_OUTCOMES)
        .order_by("created_at", "pk")
        .values("created_at")
    )
    promulgation = OutcomeMilestone.objects.filter(barrier=OuterRef("pk"), stage=OutcomeStage.PROMULGATION).values(
        "happened_on"
    )
    rows = (
        barriers.select_related("lead_agency", "firm__cluster")
        .prefetch_related("sectors", "firm__associations")
        .annotate(
            first_outcome=Subquery(first_outcome[:1]),
            first_answer_due=Subquery(first_answer_due[:1]),
            accepted_at=Subquery(first_acceptance[:1]),
            promulgated_on=Subquery(promulgation[:1]),
        )
    )
    today = timezone.localdate()
    records: list[PlainBarrierRecord] = []
    for barrier in rows:
        firm = barrier.firm
        records.append(
            PlainBarrierRecord(
                submitted_at=barrier.submitted_at,
                first_answered_at=barrier.first_answered_at,
                closed_at=barrier.closed_at,
                outcome=barrier.first_outcome or "",  # type: ignore[attr-defined]
                due_at=barrier.first_answer_due,  # type: ignore[attr-defined]
                escalated=barrier.escalation_level > 0,
                sector=tuple(sector.name for sector in barrier.sectors.all()),
                agency=barrier.lead_agency.name if barrier.lead_agency else "—",
                cluster=firm.cluster.name if firm.cluster else "—",
                size=str(SizeClass(firm.size_class).label),
                stage=str(firm.growth_stage(as_of=today).label),
                association=tuple(association.name for association in firm.associations.all()),
                accepted_at=barrier.accepted_at,  # type: ignore[attr-defined]
                promulgated_on=barrier.promulgated_on,  # type: ignore[attr-defined]
                barrier_id=barrier.pk,
            )
        )
    return records


# -- firms -----------------------------------------------------------------------------------

FIRM_DIMENSIONS: tuple[tuple[str, str, Any], ...] = (
    ("sector", "by_sector", gettext_lazy("분야별 등록 기업")),
    ("cluster", "by_cluster", gettext_lazy("클러스터별 등록 기업")),
    ("size", "by_size", gettext_lazy("규모별 등록 기업")),
    ("stage", "by_stage", gettext_lazy("성장 단계별 등록 기업")),
)


@dataclass
class FirmTables:
    total: int
    tables: list[Table] = field(default_factory=list)


def firm_counts(*, as_of: dt.date) -> Breakdown:
    """``firms.selectors.breakdown`` of every registered firm, counted in the database.

    Same labels, order and rules (a firm counts in each of its sectors; stage from the founding
    date via ``firms.stages.growth_stage``), but four aggregate queries instead of loading every
    firm: the dashboard must not slow down as firms register (100,000 firms in the benchmark).
    A test keeps the two in agreement.
    """
    by_sector = [
        (name, n) for name, n in Sector.objects.annotate(n=Count("firms")).filter(n__gt=0).values_list("name", "n")
    ]
    sizes = dict(Firm.objects.values_list("size_class").annotate(n=Count("pk")).order_by())
    clusters = Firm.objects.values_list("cluster__name").annotate(n=Count("pk")).order_by()
    stages: Counter[GrowthStage] = Counter()
    for founded_on, n in Firm.objects.values_list("founded_on").annotate(n=Count("pk")).order_by():
        stages[growth_stage(founded_on=founded_on, as_of=as_of)] += n
    size_labels = [(str(size.label), sizes.get(size.value, 0)) for size in SizeClass]
    return Breakdown(
        total=sum(sizes.values()),
        by_sector=sorted(by_sector, key=lambda kv: -kv[1]),
        by_size=[(label, n) for label, n in size_labels if n],
        by_stage=[(str(stage.label), stages[stage]) for stage in GrowthStage if stages[stage]],
        by_cluster=sorted(((name or "—", n) for name, n in clusters), key=lambda kv: -kv[1]),
    )


def firm_tables(*, audience: Audience, as_of: dt.date) -> FirmTables:
    """Registered firms by sector, cluster, size and growth stage (public: small counts hidden)."""
    breakdown = firm_counts(as_of=as_of)
    tables = []
    for dimension, attr, title in FIRM_DIMENSIONS:
        counts: list[tuple[str, int]] = getattr(breakdown, attr)
        rows: list[list[Any]]
        if audience is Audience.PUBLIC:
            cells = suppress_counts(counts, threshold=MIN_PUBLIC_COUNT)
            rows = [[c.label, Suppressed(MIN_PUBLIC_COUNT) if c.suppressed else c.n] for c in cells]
            note = _("%(n)s곳 미만인 칸은 공개하지 않습니다.") % {"n": MIN_PUBLIC_COUNT}
        else:
            rows = [[label, n] for label, n in counts]
            note = _("서울시 내부용: 작은 칸도 그대로 보입니다.")
        if dimension == "sector":
            note = f"{note} " + _("한 기업이 여러 분야에 속하면 분야마다 셉니다.")
        tables.append(
            Table(
                slug=f"firms-by-{dimension}",
                title=title,
                columns=[Column(dimension, DIMENSIONS[dimension], numeric=False), Column("firms", _("기업 수"))],
                rows=rows,
                note=note,
                chart=ChartSpec("bar", dimension, ("firms",)),
            )
        )
    return FirmTables(total=breakdown.total, tables=tables)


# -- perception survey vs the study's baseline ------------------------------------------------


def _rate_columns() -> list[Column]:
    return [
        Column("n", _("응답 수")),
        Column("percent", _("비율(%)")),
        Column("ci_low", _("95% 신뢰구간 하한(%)")),
        Column("ci_high", _("95% 신뢰구간 상한(%)")),
    ]


def _rate_cells(cell: RateCell) -> list[Any]:
    if cell.suppressed:
        hidden = Suppressed(cell.min_cases)
        return [cell.n, hidden, hidden, hidden]
    ci = cell.ci_percent
    assert ci is not None
    return [cell.n, cell.percent, ci[0], ci[1]]


@dataclass
class PerceptionSummary:
    survey: Survey | None
    invited: int = 0
    responded: int = 0
    response_rate: RateCell | None = None
    table: Table | None = None


def perception_summary(*, survey: Survey | None = None) -> PerceptionSummary:
    """The latest (or given) perception survey: shares with 95% Wilson intervals, response rate,
    and the founding study's baseline beside them. Four queries."""
    survey = survey or survey_selectors.latest_perception_survey()
    if survey is None:
        return PerceptionSummary(survey=None)
    counts = survey_selectors.survey_counts(surveys=Survey.objects.filter(pk=survey.pk))
    rating: Mapping[str, int] = counts.answers.get("rating", Counter())
    reflected: Mapping[str, int] = counts.answers.get("reflected", Counter())
    rows: list[list[Any]] = []
    labels = {value: ko for value, ko, _en in RATING_CHOICES}
    for share in shares_from_counts(rating, categories=[v for v, _ko, _en in RATING_CHOICES]):
        figure = baseline.BY_CODE.get(f"rating:{share.category}")
        rows.append(
            [
                _("규제혁신 활동 평가: %(c)s") % {"c": labels[share.category]},
                *_rate_cells(share.cell),
                _baseline(figure),
            ]
        )
    not_reflected = shares_from_counts(reflected, categories=["no"])[0]
    rows.append([_("실제 고충이 반영되지 않았다"), *_rate_cells(not_reflected.cell), _baseline(baseline.NOT_REFLECTED)])
    table = Table(
        slug="perception",
        title=_("규제혁신 체감도: %(title)s") % {"title": survey.title},
        columns=[
            Column("item", _("항목"), numeric=False),
            *_rate_columns(),
            Column("baseline", _("기준선(2021)"), False),
        ],
        rows=rows,
        note=_("비율은 그 문항에 답한 기업 중의 비율이며, 응답이 %(n)s건 미만이면 공개하지 않습니다. 기준선: %(q)s")
        % {"n": MIN_CASES_FOR_RATE, "q": baseline.QUOTE},
        source=baseline.SOURCE,
        chart=ChartSpec("bar", "item", ("percent",)),
    )
    return PerceptionSummary(
        survey=survey,
        invited=counts.invited,
        responded=counts.responded,
        response_rate=RateCell(counts.responded, counts.invited),
        table=table,
    )


def _baseline(figure: baseline.BaselineFigure | None) -> str:
    if figure is None:
        return "—"
    return f"{figure.percent:g}%" + (" " + _("이상") if figure.is_lower_bound else "")  # 48.79% / 50% 이상


# -- satisfaction with answers (pooled over answer surveys) ------------------------------------

SATISFACTION_QUESTIONS: tuple[tuple[str, Any], ...] = (
    ("speed", gettext_lazy("신속성")),
    ("clarity", gettext_lazy("명확성")),
    ("fairness", gettext_lazy("공정성")),
    ("usefulness", gettext_lazy("유용성")),
)


def satisfaction_table(*, since: dt.date | None = None, until: dt.date | None = None) -> Table:
    """Share of firms satisfied (4–5 of 5) with answers, per aspect, with 95% Wilson intervals."""
    surveys = Survey.objects.filter(kind=SurveyKind.ANSWER_SATISFACTION)
    if since:
        surveys = surveys.filter(opens_at__date__gte=since)
    if until:
        surveys = surveys.filter(opens_at__date__lte=until)
    counts = survey_selectors.survey_counts(surveys=surveys)
    rows: list[list[Any]] = []
    for code, label in SATISFACTION_QUESTIONS:
        scores: Mapping[str, int] = counts.answers.get(code, Counter())
        n = sum(scores.values())
        satisfied = sum(k for v, k in scores.items() if int(v) >= SATISFIED_FROM)
        rows.append([str(label), *_rate_cells(RateCell(satisfied, n))])
    reflected: Mapping[str, int] = counts.answers.get("reflected", Counter())
    rows.append([_("실제 고충 반영"), *_rate_cells(RateCell(reflected.get("yes", 0), sum(reflected.values())))])
    return Table(
        slug="answer-satisfaction",
        title=_("회신 만족도 (4·5점 비율)"),
        columns=[Column("aspect", _("항목"), numeric=False), *_rate_columns()],
        rows=rows,
        note=_("회신을 받은 기업의 응답입니다. 응답 %(n)s건 미만인 항목은 공개하지 않습니다. 응답률 %(r)s")
        % {"n": MIN_CASES_FOR_RATE, "r": _rate_text(RateCell(counts.responded, counts.invited))},
        chart=ChartSpec("bar", "aspect", ("percent",)),
    )


def _rate_text(cell: RateCell) -> str:
    if cell.suppressed:
        return str(Suppressed(cell.min_cases))
    return f"{cell.percent}% ({cell.successes}/{cell.n})"


# -- barrier metrics from the pre-aggregated measures ------------------------------------------------


def measured_metrics(
    *,
    as_of: dt.datetime,
    dimension: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    min_cases: int = MIN_CASES_FOR_RATE,
) -> dict[str, BarrierMetrics]:
    """``barrier_metrics`` (or ``barrier_metrics_by``) computed in the database from
    ``BarrierMeasure`` rows: five GROUP BY queries whatever the number of barriers. Medians and
    p90s come from day histograms, so they are exactly those of the records."""
    if dimension and dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    rows = BarrierMeasure.objects.all()
    if since is not None:
        rows = rows.filter(submitted_on__gte=since)
    if until is not None:
        rows = rows.filter(submitted_on__lte=until)
    if dimension == "association":
        rows = rows.filter(kind="association")  # a barrier counts in each of its firm's associations
    elif dimension == "sector":
        rows = rows.filter(kind="sector")  # … and in each of its sectors
    else:
        rows = rows.filter(primary=True)  # otherwise once
    group: Any = F(dimension) if dimension else Value("—", output_field=CharField())
    grouped = rows.annotate(group=group)
    totals = grouped.values("group").annotate(
        n_filed=Count("pk"),
        n_answered=Count("first_answer_days"),
        n_on_time=Count("pk", filter=Q(on_time=True)),
        n_with_due=Count("on_time"),
        n_overdue=Count("pk", filter=Q(answer_due_at__lt=as_of)),
        n_escalated=Count("pk", filter=Q(escalated=True)),
        n_accepted=Count("pk", filter=Q(accepted=True)),
        n_promulgated=Count("promulgation_days"),
    )
    outcome_counts: dict[str, dict[str, int]] = {}
    for row in grouped.exclude(outcome="").values("group", "outcome").annotate(n=Count("pk")).order_by():
        outcome_counts.setdefault(row["group"], {})[row["outcome"]] = row["n"]

    def histogram(field_name: str) -> dict[str, tuple[tuple[float, int], ...]]:
        found: dict[str, list[tuple[float, int]]] = {}
        for row in (
            grouped.filter(**{f"{field_name}__isnull": False})
            .values("group", field_name)
            .annotate(n=Count("pk"))
            .order_by()
        ):
            found.setdefault(row["group"], []).append((row[field_name], row["n"]))
        return {key: tuple(values) for key, values in found.items()}

    to_answer, to_close, to_law = (histogram(name) for name in ("first_answer_days", "close_days", "promulgation_days"))
    metrics: dict[str, BarrierMetrics] = {}
    for row in sorted(totals.order_by(), key=lambda r: str(r["group"])):
        key = row["group"] or "—"
        outcomes = shares_from_counts(
            outcome_counts.get(row["group"], {}), categories=[o for o, _label in OUTCOMES], min_cases=min_cases
        )
        metrics[key] = BarrierMetrics(
            filed=row["n_filed"],
            answered=row["n_answered"],
            answered_on_time=RateCell(row["n_on_time"], row["n_with_due"], min_cases),
            days_to_first_answer=HistogramDuration(to_answer.get(row["group"], ()), min_cases),
            days_to_close=HistogramDuration(to_close.get(row["group"], ()), min_cases),
            outcomes={item.category: item.cell for item in outcomes},
            overdue_now=row["n_overdue"],
            escalated=row["n_escalated"],
            accepted=row["n_accepted"],
            promulgated=row["n_promulgated"],
            days_to_promulgation=HistogramDuration(to_law.get(row["group"], ()), min_cases),
        )
    if not dimension and not metrics:
        metrics["—"] = barrier_metrics([], as_of=as_of, min_cases=min_cases)
    return metrics


# -- barrier delivery tables --------------------------------------------------------------------


def _metric_cells(metrics: BarrierMetrics) -> list[Any]:
    def duration(value: float | None, cell: DurationCell | HistogramDuration) -> Any:
        return Suppressed(cell.min_cases) if cell.suppressed else value

    on_time = metrics.answered_on_time
    return [
        metrics.filed,
        metrics.answered,
        Suppressed(on_time.min_cases) if on_time.suppressed else on_time.percent,
        duration(metrics.days_to_first_answer.median, metrics.days_to_first_answer),
        duration(metrics.days_to_first_answer.p90, metrics.days_to_first_answer),
        duration(metrics.days_to_close.median, metrics.days_to_close),
        duration(metrics.days_to_close.p90, metrics.days_to_close),
        *[Suppressed(c.min_cases) if c.suppressed else c.percent for c in metrics.outcomes.values()],
        metrics.overdue_now,
        metrics.escalated,
        metrics.accepted,
        metrics.promulgated,
        duration(metrics.days_to_promulgation.median, metrics.days_to_promulgation),
    ]


def _metric_columns(first: Column) -> list[Column]:
    return [
        first,
        Column("filed", _("접수")),
        Column("answered", _("회신")),
        Column("on_time_pct", _("기한 내 회신(%)")),
        Column("first_answer_median", _("첫 회신 중앙값(업무일)")),
        Column("first_answer_p90", _("첫 회신 90%(업무일)")),
        Column("close_median", _("종결 중앙값(업무일)")),
        Column("close_p90", _("종결 90%(업무일)")),
        *[Column(f"{code}_pct", _("%(o)s(%%)") % {"o": label}) for code, label in OUTCOMES],
        Column("overdue_now", _("현재 기한 초과")),
        Column("escalated", _("상정")),
        Column("accepted", _("수용·일부수용")),
        Column("promulgated", _("공포")),
        Column("promulgation_median", _("수용→공포 중앙값(일)")),
    ]


def barrier_table(
    *,
    audience: Audience,
    as_of: dt.datetime,
    dimension: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    records_source: Callable[..., Iterable[BarrierRecord]] | None = None,
) -> Table:
    """Delivery of barriers, overall or per dimension. Counts under 5 are hidden from the public.

    Read from the ``BarrierMeasure`` rows (as fresh as the last dashboard refresh) unless
    ``records_source`` gives the records to measure (the monthly report, tests)."""
    groups: Mapping[str, BarrierMetrics]
    if records_source is None:
        groups = measured_metrics(as_of=as_of, dimension=dimension, since=since, until=until)
        if not dimension:
            groups = {_("전체"): next(iter(groups.values()))}
    else:
        records = list(records_source(since=since, until=until))
        if dimension:
            groups = barrier_metrics_by(records, dimension=dimension, as_of=as_of)
        else:
            groups = {_("전체"): barrier_metrics(records, as_of=as_of)}
    if dimension:
        first = Column(dimension, DIMENSIONS[dimension], numeric=False)
    else:
        first = Column("scope", _("범위"), numeric=False)
    rows = []
    for label, metrics in groups.items():
        row = [label, *_metric_cells(metrics)]
        if audience is Audience.PUBLIC:
            # Counts of barriers in a small group could point at a firm: hide them below 5.
            row = [Suppressed(MIN_PUBLIC_COUNT) if isinstance(v, int) and 0 < v < MIN_PUBLIC_COUNT else v for v in row]
        rows.append(row)
    return Table(
        slug=f"barriers-by-{dimension}" if dimension else "barriers",
        title=_("규제 애로 처리 현황") + (f" · {DIMENSIONS[dimension]}" if dimension else ""),
        columns=_metric_columns(first),
        rows=rows,
        note=_(
            "업무일은 토·일·공휴일을 빼고 셉니다. 비율·중앙값은 %(n)s건 미만이면 공개하지 않습니다. "
            "수용→공포는 입법 절차가 달력으로 진행되므로 역일로 셉니다."
        )
        % {"n": MIN_CASES_FOR_RATE},
        chart=ChartSpec("bar", first.key, ("first_answer_median", "first_answer_p90")),
    )


# -- program reach and uptake -----------------------------------------------------------------


def _live_application(prefix: str = "") -> Q:
    """Firms with an application that was not withdrawn (``prefix`` reaches firms from elsewhere)."""
    return Q(**{f"{prefix}program_applications__isnull": False}) & ~Q(
        **{f"{prefix}program_applications__status": ApplicationStatus.WITHDRAWN}
    )


PROGRAM_DIMENSIONS: tuple[tuple[str, Any], ...] = (
    ("sector", gettext_lazy("분야별 지원사업 도달·성과")),
    ("cluster", gettext_lazy("클러스터별 지원사업 도달·성과")),
)


def _reach_rows(dimension: str) -> list[tuple[str, int, int, int, int]]:
    """(label, registered firms, firms that applied to at least one program, selected, completed).

    Counted in the database, one query per dimension; a firm in two sectors counts in both.
    """
    groups: Iterable[tuple[Any, ...]]
    if dimension == "sector":
        groups = Sector.objects.annotate(
            registered=Count("firms", distinct=True),
            reached=Count("firms", filter=_live_application("firms__"), distinct=True),
            selected=Count(
                "firms__program_applications",
                filter=Q(firms__program_applications__status__in=SELECTED_STATES),
                distinct=True,
            ),
            completed=Count(
                "firms__program_applications",
                filter=Q(firms__program_applications__status=ApplicationStatus.COMPLETED),
                distinct=True,
            ),
        ).values_list("name", "registered", "reached", "selected", "completed")
    else:
        groups = (
            Firm.objects.values_list("cluster__name")
            .annotate(
                registered=Count("pk", distinct=True),
                reached=Count("pk", filter=_live_application(), distinct=True),
                selected=Count(
                    "program_applications", filter=Q(program_applications__status__in=SELECTED_STATES), distinct=True
                ),
                completed=Count(
                    "program_applications",
                    filter=Q(program_applications__status=ApplicationStatus.COMPLETED),
                    distinct=True,
                ),
            )
            .order_by()
        )
    rows = [(label or "—", *counts) for label, *counts in groups if counts[0]]
    return sorted(rows, key=lambda row: (-row[1], row[0]))


def program_reach_tables(*, audience: Audience) -> list[Table]:
    """Program reach (share of registered firms that applied to at least one program, with a 95%
    Wilson interval) and uptake (selections, completions) per sector and per cluster."""
    tables = []
    for dimension, title in PROGRAM_DIMENSIONS:
        rows: list[list[Any]] = []
        for label, registered, reached, selected, completed in _reach_rows(dimension):
            counts: list[Any] = [registered, reached, selected, completed]
            if audience is Audience.PUBLIC:
                counts = [Suppressed(MIN_PUBLIC_COUNT) if 0 < n < MIN_PUBLIC_COUNT else n for n in counts]
            reach = RateCell(reached, registered)
            rows.append([label, *counts[:2], *_rate_cells(reach)[1:], *counts[2:]])
        tables.append(
            Table(
                slug=f"programs-by-{dimension}",
                title=title,
                columns=[
                    Column(dimension, DIMENSIONS[dimension], numeric=False),
                    Column("firms", _("등록 기업")),
                    Column("reached", _("신청 기업")),
                    Column("reach_pct", _("도달률(%)")),
                    Column("reach_ci_low", _("95% 신뢰구간 하한(%)")),
                    Column("reach_ci_high", _("95% 신뢰구간 상한(%)")),
                    Column("selected", _("선정")),
                    Column("completed", _("수행 완료")),
                ],
                rows=rows,
                note=_(
                    "도달률은 지원사업에 한 번 이상 신청한 기업의 비율입니다(신청 취소 제외). "
                    "%(n)s곳 미만이면 비율을 공개하지 않습니다."
                )
                % {"n": MIN_CASES_FOR_RATE},
                chart=ChartSpec("bar", dimension, ("reach_pct",)),
            )
        )
    return tables


def cached_barrier_table(
    *,
    audience: Audience,
    as_of: dt.datetime,
    dimension: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    refresh: bool = False,
) -> Table:
    """``barrier_table`` from the measures, kept in the cache as long as a snapshot: a filtered
    dashboard at a million barriers runs its GROUP BYs once per filter per 15 minutes, not per
    visitor. Counting "overdue now" at the cached moment is within the same staleness."""
    key = ":".join(
        ["insights-barriers", audience.value, get_language() or "ko", dimension or "-", str(since), str(until)]
    )
    table = None if refresh else cache.get(key)
    if table is None:
        table = barrier_table(audience=audience, as_of=as_of, dimension=dimension, since=since, until=until)
        cache.set(key, table, timeout=int(SNAPSHOT_MAX_AGE.total_seconds()))
    return table


@dataclass
class BarrierSection:
    """What the filtered part of a dashboard shows (an htmx filter change renders only this)."""

    barriers: Table
    satisfaction: Table


def barrier_section(
    *,
    audience: Audience,
    now: dt.datetime | None = None,
    dimension: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> BarrierSection:
    """The barrier and satisfaction tables for one filter, without the rest of the dashboard."""
    now = now or timezone.now()
    return BarrierSection(
        barriers=cached_barrier_table(audience=audience, as_of=now, dimension=dimension, since=since, until=until),
        satisfaction=satisfaction_table(since=since, until=until),
    )


# -- the recurring regulations that hurt most ----------------------------------------------------

TOP_RECURRING = 10


def top_recurring_table(*, audience: Audience) -> Table:
    """The recurring (essential) regulations ranked by harm score (routing's formula: distinct
    firms × time unresolved, weighted by stated cost). The public ranking uses the figures over
    public barriers only, shows no firm, and hides firm counts under 5; no ranking is shown
    while fewer than ``MIN_CASES_FOR_RATE`` regulations could be ranked."""
    from routing.models import AnswerState, RecurringRegulation, RecurringStatus

    public = audience is Audience.PUBLIC
    prefix = "public_" if public else ""
    regulations = RecurringRegulation.objects.exclude(status=RecurringStatus.MERGED).filter(
        **{f"{prefix}member_count__gt": 0}
    )
    rankable = regulations.count()
    rows: list[list[Any]] = []
    if rankable >= MIN_CASES_FOR_RATE:
        for rank, item in enumerate(regulations.order_by(f"-{prefix}harm_score", "pk")[:TOP_RECURRING], start=1):
            firms = getattr(item, f"{prefix}firm_count")
            shown_firms: Any = Suppressed(MIN_PUBLIC_COUNT) if public and 0 < firms < MIN_PUBLIC_COUNT else firms
            # A candidate's statement is machine-made from member texts, some possibly private.
            candidate = item.status == RecurringStatus.CANDIDATE
            statement = item.public_title if public and candidate else item.statement
            rows.append(
                [
                    rank,
                    statement,
                    ", ".join(item.statutes[:3]) if isinstance(item.statutes, list) else "",
                    shown_firms,
                    getattr(item, f"{prefix}days_unresolved"),
                    AnswerState(getattr(item, f"{prefix}answer_state")).label,
                    round(getattr(item, f"{prefix}harm_score"), 1),
                ]
            )
    note = _("피해 점수 = 겪는 기업 수 × 미해결 기간 × 기업이 밝힌 비용 가중치 (routing/README.md).")
    if rankable < MIN_CASES_FOR_RATE:
        note = _("본질적 규제가 %(n)s건 이상 모이면 순위를 보여 줍니다.") % {"n": MIN_CASES_FOR_RATE} + " " + note
    return Table(
        slug="recurring-regulations",
        title=_("피해가 큰 본질적 규제"),
        columns=[
            Column("rank", _("순위")),
            Column("statement", _("규제 내용"), numeric=False),
            Column("statutes", _("관련 법령"), numeric=False),
            Column("firms", _("겪는 기업 수")),
            Column("days_unresolved", _("미해결 일수")),
            Column("answer_state", _("최선의 회신"), numeric=False),
            Column("harm_score", _("피해 점수")),
        ],
        rows=rows,
        note=note,
    )


# -- ecosystem indicators vs targets --------------------------------------------------------------


@dataclass
class IndicatorSeries:
    code: str
    name: str
    unit: str
    points: list[EcosystemIndicator]
    targets: list[Target]

    @property
    def latest(self) -> EcosystemIndicator | None:
        return self.points[-1] if self.points else None


def indicator_series() -> list[IndicatorSeries]:
    """Each indicator series with its dated points and every target stated for it. Two queries."""
    series: dict[str, IndicatorSeries] = {}
    for point in EcosystemIndicator.objects.order_by("code", "as_of"):
        series.setdefault(point.code, IndicatorSeries(point.code, point.name, point.unit, [], [])).points.append(point)
    for target in Target.objects.order_by("code", "-is_current", "stated_on"):
        series.setdefault(target.code, IndicatorSeries(target.code, target.name, target.unit, [], [])).targets.append(
            target
        )
    return list(series.values())


def indicator_tables(series: list[IndicatorSeries]) -> list[Table]:
    tables = []
    for item in series:
        if not item.points:
            continue
        tables.append(
            Table(
                slug=f"indicator-{item.code}",
                title=f"{item.name} ({item.unit})",
                columns=[
                    Column("as_of", _("기준일"), numeric=False),
                    Column("value", _("값")),
                    Column("unit", _("단위"), numeric=False),
                    Column("source", _("출처"), numeric=False),
                ],
                rows=[[p.as_of.isoformat(), _number(p.value), p.unit, p.source] for p in item.points],
                chart=ChartSpec("line", "as_of", ("value",), reverse_axis=item.unit == "위"),
            )
        )
    return tables


def _number(value: Decimal) -> int | float:
    """47.00 → 47, 12.50 → 12.5 (stored with two decimals, shown as written)."""
    return int(value) if value == value.to_integral_value() else float(value)


def targets_table(series: list[IndicatorSeries]) -> Table:
    rows = []
    for item in series:
        latest = item.latest
        for target in item.targets:
            met: Any = "—" if latest is None else (_("달성") if target.is_met_by(latest.value) else _("미달"))
            rows.append(
                [
                    target.name,
                    f"{_number(target.value)} {target.unit}" + (_(" 이내") if target.comparison == "at_most" else ""),
                    target.due_on.isoformat(),
                    _("현행") if target.is_current else _("이전·참고"),
                    target.stated_on.isoformat(),
                    target.source,
                    f"{_number(latest.value)} {latest.unit} ({latest.as_of:%Y})" if latest else _("자료 없음"),
                    met,
                ]
            )
    return Table(
        slug="targets",
        title=_("2030 목표와 현재 값"),
        columns=[
            Column("target", _("목표"), False),
            Column("value", _("목표값"), False),
            Column("due_on", _("목표 시점"), False),
            Column("status", _("구분"), False),
            Column("stated_on", _("발표일"), False),
            Column("source", _("출처"), False),
            Column("latest", _("최근 값"), False),
            Column("met", _("달성 여부"), False),
        ],
        rows=rows,
        note=_(
            "목표는 출처와 발표일이 있는 자료입니다. "
            "같은 지표에 목표가 여럿이면 모두 보이고, 현행 목표는 관리자가 정합니다."
        ),
    )


# -- the dashboard as a whole -------------------------------------------------------------------


@dataclass
class Dashboard:
    audience: Audience
    as_of: dt.date
    firms: FirmTables
    perception: PerceptionSummary
    satisfaction: Table
    barriers: Table
    indicators: list[Table]
    targets: Table
    programs: list[Table] = field(default_factory=list)
    recurring: Table | None = None

    def tables(self) -> list[Table]:
        recurring = [self.recurring] if self.recurring else []
        items = [
            *self.firms.tables,
            self.barriers,
            self.satisfaction,
            *recurring,
            *self.programs,
            *self.indicators,
            self.targets,
        ]
        if self.perception.table is not None:
            items.insert(len(self.firms.tables), self.perception.table)
        return items


def dashboard(
    *,
    audience: Audience,
    now: dt.datetime | None = None,
    dimension: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> Dashboard:
    """Everything a dashboard page shows, in a bounded number of queries (no per-row queries)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    series = indicator_series()
    return Dashboard(
        audience=audience,
        as_of=today,
        firms=firm_tables(audience=audience, as_of=today),
        perception=perception_summary(),
        satisfaction=satisfaction_table(since=since, until=until),
        # Unfiltered, the whole page is a snapshot already; filters are cached one by one.
        barriers=(cached_barrier_table if dimension or since or until else barrier_table)(
            audience=audience, as_of=now, dimension=dimension, since=since, until=until
        ),
        indicators=indicator_tables(series),
        targets=targets_table(series),
        programs=program_reach_tables(audience=audience),
        recurring=top_recurring_table(audience=audience),
    )


def open_data_table(slug: str, *, now: dt.datetime | None = None) -> Table | None:
    """One public table by slug (for CSV/JSON downloads), or None."""
    for table in dashboard(audience=Audience.PUBLIC, now=now).tables():
        if table.slug == slug:
            return table
    return None


def check_filters(*, dimension: str | None, since: dt.date | None, until: dt.date | None) -> None:
    """Refuse unknown dimensions and inverted periods with a clear message (not an empty chart)."""
    if dimension and dimension not in DIMENSIONS:
        raise ValidationFailed(
            _("알 수 없는 구분입니다. 가능한 값: %(values)s") % {"values": ", ".join(DIMENSIONS)},
            code="unknown_dimension",
            field="dimension",
        )
    if since and until and until < since:
        raise ValidationFailed(_("기간의 끝이 시작보다 앞섭니다."), code="inverted_period", field="until")


SNAPSHOT_MAX_AGE = dt.timedelta(minutes=15)


def stored_snapshot(*, key: str) -> DashboardSnapshot | None:
    """The stored dashboard body for ``key``, however old (see ``is_stale``), or None."""
    return DashboardSnapshot.objects.filter(key=key).first()


def is_stale(snapshot: DashboardSnapshot, *, now: dt.datetime | None = None) -> bool:
    """True when ``snapshot`` was computed more than ``SNAPSHOT_MAX_AGE`` ago."""
    return snapshot.computed_at <= (now or timezone.now()) - SNAPSHOT_MAX_AGE
