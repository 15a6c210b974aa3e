"""Competent bodies: ministries, agencies (청·처), committees and Seoul city departments."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class AgencyKind(models.TextChoices):
    MINISTRY = "ministry", _("부")
    AGENCY = "agency", _("처·청")
    COMMITTEE = "committee", _("위원회")
    SEOUL = "seoul", _("서울특별시")
    OTHER = "other", _("기타 기관")


class Agency(TimeStampedModel):
    """A body that owns statutes (소관부처) or handles barriers.

    ``name`` is the current official name; former names and common short names live in
    ``AgencyAlias`` so text that still says 기획재정부 resolves to 재정경제부.
    """

    code = models.SlugField(_("코드"), max_length=60, unique=True, allow_unicode=True)
    name = models.CharField(_("기관명"), max_length=120, unique=True)
    name_en = models.CharField(_("영문 기관명"), max_length=160, blank=True)
    kind = models.CharField(_("구분"), max_length=20, choices=AgencyKind.choices, default=AgencyKind.OTHER)
    parent = models.ForeignKey(
        "self", verbose_name=_("상위 기관"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    statute_count = models.PositiveIntegerField(_("소관 법령 수"), default=0)
    is_active = models.BooleanField(_("사용 중"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("기관")
        verbose_name_plural = _("기관")

    def __str__(self) -> str:
        return self.name


class AgencyAlias(models.Model):
    """Another name an agency is known by: a former name, an abbreviation, an English name."""

    class Kind(models.TextChoices):
        FORMER = "former", _("이전 명칭")
        SHORT = "short", _("약칭")
        OTHER = "other", _("기타")

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(_("별칭"), max_length=160, unique=True)
    kind = models.CharField(_("구분"), max_length=10, choices=Kind.choices, default=Kind.OTHER)
    valid_until = models.DateField(_("사용 종료일"), null=True, blank=True)
    note = models.CharField(_("비고"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("기관 별칭")
        verbose_name_plural = _("기관 별칭")

    def __str__(self) -> str:
        return f"{self.name} → {self.agency.name}"
