"""Support programs (지원사업), applications, demonstration sites (실증 장소) and their bookings.

Eligibility lives on the program as structured columns (empty list = "no restriction") so the
matcher can explain itself; whatever an import could not parse stays as text in ``parse_notes``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from core.models import TimeStampedModel
from firms.models import Cluster, Firm, Sector


class ProgramKind(models.TextChoices):
    FUNDING = "funding", _("자금 지원")
    TESTBED = "testbed", _("실증·테스트베드")
    SPACE = "space", _("공간·입주")
    OVERSEAS = "overseas", _("해외 진출")
    TALENT = "talent", _("인력")
    IP = "ip", _("지식재산·임상 특허 전략")
    CERTIFICATION = "certification", _("시험·인증")
    INVESTMENT = "investment", _("투자 연계")
    CONSULTING = "consulting", _("컨설팅")
    SANDBOX_COST = "sandbox_cost", _("규제샌드박스 비용 지원")
    MARKETING = "marketing", _("판로·홍보")
    TECH = "tech", _("기술 개발·사업화")
    OTHER = "other", _("기타")


class ProgramSource(models.TextChoices):
    BIZINFO = "bizinfo", _("기업마당")
    CITY = "city", _("서울시")
    DEMO = "demo", _("시연용")


class PeriodKind(models.TextChoices):
    """How the application period was given (dates, rolling, until the budget runs out, ...)."""

    DATED = "dated", _("기간 지정")
    ROLLING = "rolling", _("상시")
    UNTIL_EXHAUSTED = "until_exhausted", _("예산·모집 소진 시까지")
    FIRST_COME = "first_come", _("선착순")
    VARIES = "varies", _("세부사업별 상이")
    TBD = "tbd", _("추후 공지")
    UNPARSED = "unparsed", _("원문 참고")


# Period kinds with no end date: the program is open from its announcement on.
OPEN_ENDED = frozenset({PeriodKind.ROLLING, PeriodKind.UNTIL_EXHAUSTED, PeriodKind.FIRST_COME, PeriodKind.VARIES})


class SupportProgram(TimeStampedModel):
    """A public support offer (지원사업 공고) with its structured eligibility."""

    source = models.CharField(_("출처"), max_length=10, choices=ProgramSource.choices)
    external_id = models.CharField(_("외부 식별자"), max_length=64, help_text=_("기업마당 pblancId 등"))
    title = models.CharField(_("사업명"), max_length=300)
    summary = models.TextField(_("사업 개요"), blank=True)
    operator = models.CharField(_("수행기관"), max_length=200, blank=True)
    agency_name = models.CharField(_("소관기관(원문)"), max_length=200, blank=True)
    agency = models.ForeignKey(
        Agency, verbose_name=_("소관기관"), null=True, blank=True, on_delete=models.SET_NULL, related_name="programs"
    )
    kind = models.CharField(_("지원 유형"), max_length=20, choices=ProgramKind.choices, default=ProgramKind.OTHER)
    support_fields = models.JSONField(_("지원 분야(원문)"), default=list, blank=True)
    # Eligibility: an empty list means "no restriction" on that dimension.
    sectors = models.ManyToManyField(Sector, verbose_name=_("대상 분야"), blank=True, related_name="programs")
    sectors_required = models.BooleanField(
        _("분야 제한"),
        default=True,
        help_text=_("끄면 분야는 적합도에만 반영하고 다른 분야 기업도 신청할 수 있습니다."),
    )
    size_classes = models.JSONField(_("대상 기업 규모"), default=list, blank=True)
    stages = models.JSONField(_("대상 성장단계"), default=list, blank=True)
    target_groups = models.JSONField(_("지원 대상 구분"), default=list, blank=True)
    regions = models.JSONField(_("대상 지역(시·도)"), default=list, blank=True)
    clusters = models.ManyToManyField(Cluster, verbose_name=_("대상 클러스터"), blank=True, related_name="programs")
    ksic_ranges = models.JSONField(_("대상 업종(KSIC 중분류 범위)"), default=list, blank=True)
    min_age_years = models.PositiveSmallIntegerField(_("업력 하한(년)"), null=True, blank=True)
    min_age_strict = models.BooleanField(_("하한 초과(미포함)"), default=False)
    max_age_years = models.PositiveSmallIntegerField(_("업력 상한(년)"), null=True, blank=True)
    max_age_strict = models.BooleanField(_("상한 미만(미포함)"), default=False)
    allows_pre_founding = models.BooleanField(_("예비창업자 신청 가능"), default=True)
    # Period.
    announced_on = models.DateField(_("공고일"), null=True, blank=True)
    period_kind = models.CharField(_("접수 방식"), max_length=20, choices=PeriodKind.choices)
    period_text = models.CharField(_("접수 기간(원문)"), max_length=200, blank=True)
    opens_on = models.DateField(_("접수 시작일"), null=True, blank=True)
    closes_on = models.DateField(_("접수 마감일"), null=True, blank=True)
    archived = models.BooleanField(
        _("지난 공고"), default=False, help_text=_("과거 자료에서 가져온 공고는 접수 방식과 관계없이 마감으로 봅니다.")
    )
    budget_krw = models.BigIntegerField(_("예산(원)"), null=True, blank=True)
    places = models.PositiveIntegerField(_("선정 규모(개사)"), null=True, blank=True)
    documents = models.TextField(_("제출 서류"), blank=True)
    url = models.URLField(_("공고 링크"), max_length=500, blank=True)
    is_demo = models.BooleanField(_("시연용 데이터"), default=False)
    parse_notes = models.JSONField(_("해석하지 못한 항목"), default=dict, blank=True)
    search_document = models.TextField(editable=False, blank=True, help_text="space-padded morphemes")

    class Meta:
        ordering = ["-announced_on", "-pk"]
        verbose_name = _("지원사업")
        verbose_name_plural = _("지원사업")
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="program_unique_source_id"),
            models.CheckConstraint(
                condition=Q(opens_on__isnull=True) | Q(closes_on__isnull=True) | Q(opens_on__lte=models.F("closes_on")),
                name="program_period_ordered",
            ),
        ]
        indexes = [models.Index(fields=["archived", "closes_on"], name="program_open_idx")]

    def __str__(self) -> str:
        return self.title

    def is_open(self, *, as_of: dt.date | None = None, ignore_archive: bool = False) -> bool:
        """Open on ``as_of``: not archived, announced, and inside its period (open-ended counts)."""
        day = as_of or timezone.localdate()
        if self.archived and not ignore_archive:
            return False
        if self.announced_on and self.announced_on > day:
            return False
        if self.opens_on and day < self.opens_on:
            return False
        if self.closes_on:
            return day <= self.closes_on
        return self.period_kind in OPEN_ENDED

    @property
    def external_link(self) -> str:
        return self.url


class ImportRun(TimeStampedModel):
    """One import of program records, with what it created, changed and could not parse."""

    source = models.CharField(_("출처"), max_length=10, choices=ProgramSource.choices)
    file_name = models.CharField(_("파일"), max_length=255)
    records = models.PositiveIntegerField(_("읽은 건수"), default=0)
    created = models.PositiveIntegerField(_("새로 만든 건수"), default=0)
    updated = models.PositiveIntegerField(_("바뀐 건수"), default=0)
    unchanged = models.PositiveIntegerField(_("그대로인 건수"), default=0)
    report = models.JSONField(_("해석 보고"), default=dict, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("지원사업 가져오기")
        verbose_name_plural = _("지원사업 가져오기")

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.file_name}"


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("신청")
    SELECTED = "selected", _("선정")
    NOT_SELECTED = "not_selected", _("미선정")
    COMPLETED = "completed", _("수행 완료")
    WITHDRAWN = "withdrawn", _("신청 취소")


class ProgramApplication(TimeStampedModel):
    """A firm's application to a program (made here or recorded from elsewhere)."""

    program = models.ForeignKey(SupportProgram, on_delete=models.PROTECT, related_name="applications")
    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="program_applications")
    status = models.CharField(_("상태"), max_length=20, choices=ApplicationStatus.choices)
    status_changed_at = models.DateTimeField(_("상태 변경 시각"), default=timezone.now)
    applied_on = models.DateField(_("신청일"))
    made_elsewhere = models.BooleanField(_("다른 곳에서 신청"), default=False)
    note = models.TextField(_("메모"), blank=True)
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-applied_on", "-pk"]
        verbose_name = _("지원사업 신청")
        verbose_name_plural = _("지원사업 신청")
        constraints = [
            # One live application per firm and program; a withdrawn one may be followed by another.
            models.UniqueConstraint(
                fields=["program", "firm"], condition=~Q(status="withdrawn"), name="application_one_live_per_firm"
            )
        ]

    def __str__(self) -> str:
        return f"{self.firm} → {self.program}"


class ApplicationEvent(models.Model):
    """One status change of an application (the uptake statistics are built from these rows)."""

    application = models.ForeignKey(ProgramApplication, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]


class ProgramNotice(models.Model):
    """A firm was told about a matching program: at most once per program and firm."""

    program = models.ForeignKey(SupportProgram, on_delete=models.CASCADE, related_name="notices")
    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="program_notices")
    score = models.PositiveSmallIntegerField(default=0)
    reasons = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["program", "firm"], name="notice_once_per_program_firm")]


class SiteKind(models.TextChoices):
    PILOT_ZONE = "pilot_zone", _("자율주행 시범운행지구")
    ROBOT_FIELD = "robot_field", _("로봇 실증 필드")
    HOSPITAL = "hospital", _("병원 테스트베드")
    FINTECH_LAB = "fintech_lab", _("핀테크 실증 랩")
    DATA_LAB = "data_lab", _("데이터·AI 실증 환경")
    OTHER = "other", _("기타 실증 장소")


class DemonstrationSite(TimeStampedModel):
    """A place to test a product under real conditions (실증 장소, 테스트베드), bookable by slots."""

    name = models.CharField(_("이름"), max_length=200, unique=True)
    kind = models.CharField(_("구분"), max_length=20, choices=SiteKind.choices)
    description = models.TextField(_("소개"), blank=True)
    operator_name = models.CharField(_("운영기관"), max_length=200)
    operator_agency = models.ForeignKey(
        Agency, verbose_name=_("운영기관(기관 계정)"), null=True, blank=True, on_delete=models.SET_NULL
    )
    address = models.CharField(_("주소"), max_length=300, blank=True)
    cluster = models.ForeignKey(Cluster, verbose_name=_("클러스터"), null=True, blank=True, on_delete=models.SET_NULL)
    sectors = models.ManyToManyField(Sector, verbose_name=_("분야"), blank=True, related_name="sites")
    capacity = models.PositiveSmallIntegerField(_("1회 최대 인원·대수"), default=1)
    rules = models.TextField(_("이용 규칙"), blank=True)
    slot_minutes = models.PositiveSmallIntegerField(_("예약 단위(분)"), default=60)
    opens_at = models.TimeField(_("운영 시작"), default=dt.time(9))
    closes_at = models.TimeField(_("운영 종료"), default=dt.time(18))
    max_slots_per_booking = models.PositiveSmallIntegerField(_("1회 최대 예약 단위 수"), default=8)
    sandbox_case = models.CharField(
        _("연계 규제샌드박스 과제"), max_length=300, blank=True, help_text=_("이 장소가 필요한 실증특례 과제")
    )
    sandbox_url = models.URLField(_("과제 링크"), blank=True)
    is_active = models.BooleanField(_("운영 중"), default=True)
    is_demo = models.BooleanField(_("시연용 데이터"), default=False)
    feed_token = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("실증 장소")
        verbose_name_plural = _("실증 장소")
        constraints = [
            models.CheckConstraint(condition=Q(slot_minutes__gte=15), name="site_slot_at_least_15min"),
            models.CheckConstraint(condition=Q(opens_at__lt=models.F("closes_at")), name="site_hours_ordered"),
        ]

    def __str__(self) -> str:
        return self.name


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", _("승인 대기")
    APPROVED = "approved", _("승인")
    REJECTED = "rejected", _("반려")
    CANCELLED = "cancelled", _("취소")


# Bookings in these states hold their slots; rejected and cancelled ones release them.
HOLDING = frozenset({BookingStatus.REQUESTED, BookingStatus.APPROVED})


class SiteBooking(TimeStampedModel):
    """A firm's request to use a site for a time range; the operator approves or rejects it."""

    site = models.ForeignKey(DemonstrationSite, on_delete=models.PROTECT, related_name="bookings")
    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="site_bookings")
    starts_at = models.DateTimeField(_("시작"))
    ends_at = models.DateTimeField(_("종료"))
    participants = models.PositiveSmallIntegerField(_("인원·대수"), default=1)
    purpose = models.TextField(_("실증 내용"))
    status = models.CharField(_("상태"), max_length=20, choices=BookingStatus.choices, default=BookingStatus.REQUESTED)
    status_changed_at = models.DateTimeField(_("상태 변경 시각"), default=timezone.now)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decision_note = models.TextField(_("처리 의견"), blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("실증 장소 예약")
        verbose_name_plural = _("실증 장소 예약")
        constraints = [
            models.CheckConstraint(condition=Q(starts_at__lt=models.F("ends_at")), name="booking_range_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.starts_at:%Y-%m-%d %H:%M}"


class BookingSlot(models.Model):
    """One occupied slot of a site. The unique constraint is the database-level guard against
    double booking on every backend: two bookings can never hold the same (site, slot start)."""

    site = models.ForeignKey(DemonstrationSite, on_delete=models.CASCADE, related_name="+")
    booking = models.ForeignKey(SiteBooking, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "starts_at"], name="slot_booked_once")]
