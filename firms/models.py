"""Firms, associations and the taxonomies they are described by (sector, KSIC, cluster)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from firms.brn import InvalidBRN, format_brn, normalize_brn
from firms.stages import GrowthStage, growth_stage


class Sector(models.Model):
    """One of the five new digital industries (plus 기타). ``code`` is stable, names are labels."""

    code = models.SlugField(_("코드"), max_length=20, unique=True)
    name = models.CharField(_("이름"), max_length=40, unique=True)
    name_en = models.CharField(_("영문 이름"), max_length=60)
    description = models.TextField(_("설명"), blank=True)
    ordering = models.PositiveSmallIntegerField(_("순서"), default=0)
    ksic_prefixes = models.JSONField(
        _("KSIC 코드 접두어"), default=list, blank=True, help_text=_("이 분야에 속하는 한국표준산업분류 코드의 앞자리")
    )

    class Meta:
        ordering = ["ordering", "code"]
        verbose_name = _("산업 분야")
        verbose_name_plural = _("산업 분야")

    def __str__(self) -> str:
        return self.name


class KsicCode(models.Model):
    """A Korean Standard Industrial Classification code (10th revision), any level 1–5."""

    code = models.CharField(_("코드"), max_length=6, unique=True)
    name = models.CharField(_("이름"), max_length=200)
    level = models.PositiveSmallIntegerField(_("자릿수"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("표준산업분류")
        verbose_name_plural = _("표준산업분류")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Cluster(TimeStampedModel):
    """A Seoul innovation-industry cluster (혁신산업 클러스터). Dated, editable data, not code."""

    slug = models.SlugField(_("코드"), max_length=40, unique=True)
    name = models.CharField(_("이름"), max_length=80, unique=True)
    theme = models.CharField(_("특화 분야"), max_length=200)
    districts = models.JSONField(_("자치구"), default=list, blank=True)
    sectors = models.ManyToManyField(Sector, verbose_name=_("관련 분야"), blank=True)
    source = models.CharField(_("출처"), max_length=200, blank=True)
    as_of = models.DateField(_("기준일"), null=True, blank=True)
    is_active = models.BooleanField(_("운영 중"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("혁신산업 클러스터")
        verbose_name_plural = _("혁신산업 클러스터")

    def __str__(self) -> str:
        return self.name


class SizeClass(models.TextChoices):
    """Firm size per 중소기업기본법 (and 중견기업법 for 중견기업)."""

    SMALL = "small", _("소기업")
    MEDIUM = "medium", _("중기업")
    MIDDLE = "middle", _("중견기업")
    LARGE = "large", _("대기업")


class SeoulDistrict(models.TextChoices):
    JONGNO = "jongno", _("종로구")
    JUNG = "jung", _("중구")
    YONGSAN = "yongsan", _("용산구")
    SEONGDONG = "seongdong", _("성동구")
    GWANGJIN = "gwangjin", _("광진구")
    DONGDAEMUN = "dongdaemun", _("동대문구")
    JUNGNANG = "jungnang", _("중랑구")
    SEONGBUK = "seongbuk", _("성북구")
    GANGBUK = "gangbuk", _("강북구")
    DOBONG = "dobong", _("도봉구")
    NOWON = "nowon", _("노원구")
    EUNPYEONG = "eunpyeong", _("은평구")
    SEODAEMUN = "seodaemun", _("서대문구")
    MAPO = "mapo", _("마포구")
    YANGCHEON = "yangcheon", _("양천구")
    GANGSEO = "gangseo", _("강서구")
    GURO = "guro", _("구로구")
    GEUMCHEON = "geumcheon", _("금천구")
    YEONGDEUNGPO = "yeongdeungpo", _("영등포구")
    DONGJAK = "dongjak", _("동작구")
    GWANAK = "gwanak", _("관악구")
    SEOCHO = "seocho", _("서초구")
    GANGNAM = "gangnam", _("강남구")
    SONGPA = "songpa", _("송파구")
    GANGDONG = "gangdong", _("강동구")
    OUTSIDE = "outside", _("서울 외")


class Association(TimeStampedModel):
    """An industry association (협회) that carries its members' complaints to government."""

    name = models.CharField(_("협회명"), max_length=120, unique=True)
    sectors = models.ManyToManyField(Sector, verbose_name=_("분야"), blank=True)
    founded_year = models.PositiveSmallIntegerField(_("설립 연도"), null=True, blank=True)
    website = models.URLField(_("웹사이트"), blank=True)
    description = models.TextField(_("소개"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("협회")
        verbose_name_plural = _("협회")

    def __str__(self) -> str:
        return self.name


def validate_brn(value: str) -> None:
    try:
        normalize_brn(value)
    except InvalidBRN as exc:
        raise ValidationError(str(exc), code="invalid_brn") from exc


class Firm(TimeStampedModel):
    """A firm (기업) identified by its 사업자등록번호, stored as ten digits without dashes."""

    name = models.CharField(_("기업명"), max_length=120)
    business_registration_number = models.CharField(
        _("사업자등록번호"), max_length=10, unique=True, validators=[validate_brn]
    )
    sectors = models.ManyToManyField(Sector, verbose_name=_("분야"), related_name="firms")
    size_class = models.CharField(_("기업 규모"), max_length=10, choices=SizeClass.choices, default=SizeClass.SMALL)
    founded_on = models.DateField(_("설립일"), null=True, blank=True, help_text=_("비워 두면 예비창업으로 봅니다."))
    ksic = models.ForeignKey(
        KsicCode, verbose_name=_("주 업종(KSIC)"), null=True, blank=True, on_delete=models.SET_NULL
    )
    cluster = models.ForeignKey(
        Cluster, verbose_name=_("클러스터"), null=True, blank=True, on_delete=models.SET_NULL, related_name="firms"
    )
    district = models.CharField(_("소재 자치구"), max_length=20, choices=SeoulDistrict.choices, blank=True)
    associations = models.ManyToManyField(  # type: ignore[var-annotated]
        Association, verbose_name=_("가입 협회"), through="AssociationMembership", related_name="firms", blank=True
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("기업")
        verbose_name_plural = _("기업")

    def __str__(self) -> str:
        return self.name

    @property
    def brn_display(self) -> str:
        return format_brn(self.business_registration_number)

    def growth_stage(self, *, as_of: dt.date | None = None) -> GrowthStage:
        """예비창업/초기/도약기/성장기, derived from the founding date (never stored)."""
        return growth_stage(founded_on=self.founded_on, as_of=as_of or timezone.localdate())


class AssociationMembership(models.Model):
    """A firm's membership in an association; association staff see their members' barriers."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE)
    association = models.ForeignKey(Association, on_delete=models.CASCADE)
    joined_on = models.DateField(_("가입일"), default=timezone.localdate)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["firm", "association"], name="unique_association_membership")]
        verbose_name = _("협회 회원사")
        verbose_name_plural = _("협회 회원사")

    def __str__(self) -> str:
        return f"{self.firm} ∈ {self.association}"
