"""Ecosystem indicators and the dated, sourced targets they are measured against.

Figures are data, not code: each value and each target carries its date and its source, admins
edit them, and ``manage.py load_ecosystem_indicators`` seeds the founding study's figures from
``insights/data/*.tsv`` (idempotent: it never overwrites what an admin changed, unless asked).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel

# Units an indicator may be stated in. A series keeps one unit: an import in another unit is refused.
UNITS: tuple[str, ...] = ("조 원", "억 원", "위", "개", "개사", "명", "건", "%")


class EcosystemIndicator(TimeStampedModel):
    """One value of an ecosystem series (``code``) as of a date, with its source."""

    code = models.SlugField(_("지표 코드"), max_length=40, help_text=_("예: ecosystem_value, global_rank, unicorns"))
    name = models.CharField(_("지표명"), max_length=120)
    name_en = models.CharField(_("영문 지표명"), max_length=120, blank=True)
    unit = models.CharField(_("단위"), max_length=10, choices=[(u, u) for u in UNITS])
    value = models.DecimalField(_("값"), max_digits=14, decimal_places=2)
    as_of = models.DateField(_("기준일"))
    source = models.CharField(_("출처"), max_length=300)
    note = models.CharField(_("비고"), max_length=300, blank=True)

    class Meta:
        ordering = ["code", "as_of"]
        verbose_name = _("생태계 지표")
        verbose_name_plural = _("생태계 지표")
        constraints = [models.UniqueConstraint(fields=["code", "as_of"], name="unique_indicator_per_date")]

    def __str__(self) -> str:
        return f"{self.name} {self.value}{self.unit} ({self.as_of:%Y-%m-%d})"


class Comparison(models.TextChoices):
    AT_LEAST = "at_least", _("이상 (많을수록 좋음)")
    AT_MOST = "at_most", _("이내 (순위처럼 작을수록 좋음)")


class Target(TimeStampedModel):
    """A target for a series (e.g. 2030: 40 unicorns), as stated by a source on a date.

    Several targets may exist for one series (the study's 40 unicorns, the 2023 plan's 50); admins
    mark one ``is_current`` (a database constraint keeps at most one), and pages show all of them.
    """

    code = models.SlugField(_("지표 코드"), max_length=40)
    name = models.CharField(_("목표명"), max_length=120)
    unit = models.CharField(_("단위"), max_length=10, choices=[(u, u) for u in UNITS])
    value = models.DecimalField(_("목표값"), max_digits=14, decimal_places=2)
    comparison = models.CharField(
        _("달성 기준"), max_length=10, choices=Comparison.choices, default=Comparison.AT_LEAST
    )
    due_on = models.DateField(_("목표 시점"))
    stated_on = models.DateField(_("발표일"))
    source = models.CharField(_("출처"), max_length=300)
    is_current = models.BooleanField(_("현행 목표"), default=False)

    class Meta:
        ordering = ["code", "-is_current", "stated_on"]
        verbose_name = _("목표")
        verbose_name_plural = _("목표")
        constraints = [
            models.UniqueConstraint(fields=["code", "source", "stated_on"], name="unique_target_statement"),
            models.UniqueConstraint(fields=["code"], condition=Q(is_current=True), name="one_current_target_per_code"),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.value}{self.unit} ({self.due_on:%Y})"

    def is_met_by(self, value: object) -> bool:
        """True when ``value`` reaches the target (≥ for counts, ≤ for ranks)."""
        number = Decimal(str(value))
        return number >= self.value if self.comparison == Comparison.AT_LEAST else number <= self.value


class DashboardSnapshot(models.Model):
    """A rendered dashboard body, so a page view costs one query instead of every aggregate.

    Keyed by audience and language (``public:ko``). Refreshed by the ``refresh_dashboards`` task
    (cron: ``manage.py refresh_dashboards``). When it is older than ``SNAPSHOT_MAX_AGE`` visitors
    are still served it, and the first of them queues one background refresh
    (``refresh_requested_at`` records that, so a crowd queues one, not one each). The page states
    when its figures were computed. Only code writes it; it holds our own template output and is
    not editable in the admin.
    """

    key = models.CharField(max_length=40, unique=True)
    computed_at = models.DateTimeField()
    html = models.TextField()
    refresh_requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("성과 지표 스냅숏")
        verbose_name_plural = _("성과 지표 스냅숏")


class BarrierMeasure(models.Model):
    """One submitted barrier as the dashboards measure it: durations already counted in business
    days and its dimensions already resolved, so a dashboard at a million barriers is a handful
    of GROUP BY queries instead of loading every barrier.

    A barrier with several sectors has one row per sector; exactly one of them is ``primary`` and
    overall figures count only primary rows. The association breakdown reads its own rows, one per
    association the firm belongs to. Rebuilt by ``insights.services.refresh_barrier_measures``
    (incrementally from the workflow's changes on every dashboard refresh, fully once a day, as
    the growth stage moves with time). Only code writes it.
    """

    barrier = models.ForeignKey("barriers.Barrier", on_delete=models.CASCADE, related_name="+")
    # "sector" rows: one per sector (the first is primary); "association" rows: one per association
    # of the firm ("—" when none), read only by the association breakdown.
    kind = models.CharField(max_length=12, default="sector")
    primary = models.BooleanField(default=True)
    submitted_on = models.DateField()
    sector = models.CharField(max_length=100)
    association = models.CharField(max_length=200, default="—")
    agency = models.CharField(max_length=200)
    cluster = models.CharField(max_length=100)
    size = models.CharField(max_length=40)
    stage = models.CharField(max_length=40)
    first_answer_days = models.IntegerField(null=True)
    close_days = models.IntegerField(null=True)
    on_time = models.BooleanField(null=True)  # None: not answered, or no answer clock ran
    outcome = models.CharField(max_length=20, blank=True)
    answer_due_at = models.DateTimeField(null=True)  # open and unanswered: when the answer is due
    escalated = models.BooleanField(default=False)
    accepted = models.BooleanField(default=False)
    promulgation_days = models.IntegerField(null=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("처리 실적 집계 행")
        verbose_name_plural = _("처리 실적 집계 행")
        indexes = [
            models.Index(fields=["primary", "submitted_on"], name="measure_primary_submitted"),
            models.Index(fields=["barrier"], name="measure_barrier"),
        ]

    def __str__(self) -> str:
        return f"barrier {self.barrier_id} · {self.sector}"
