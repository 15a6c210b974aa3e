"""Regulatory barriers (규제 애로), their audit trail, legal clocks, answers and outcomes.

Only the services in ``barriers.services`` write ``Barrier.status``; every move writes one
``BarrierEvent``. Test factories are the only other code that sets a status directly.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.business_days import SEOUL, Counting
from core.models import TimeStampedModel

TITLE_MAX = 200
BODY_MAX = 20_000
TEXT_MAX = 5_000


class BarrierStatus(models.TextChoices):
    DRAFT = "draft", _("작성 중")
    SUBMITTED = "submitted", _("접수")
    TRIAGED = "triaged", _("검토·분류 완료")
    FORWARDED = "forwarded", _("소관기관 검토 중")
    INFO_REQUESTED = "info_requested", _("추가 정보 요청")
    ANSWERED = "answered", _("회신")
    SECOND_REVIEW = "second_review", _("재검토 중")
    ESCALATED = "escalated", _("규제개혁위원회 상정")
    CLOSED = "closed", _("종결")
    WITHDRAWN = "withdrawn", _("취하")


class RequestKind(models.TextChoices):
    """The kind of request (민원의 종류), which sets the default answer period."""

    PROPOSAL = "proposal", _("건의(제도 개선)")
    QUESTION_LAW = "question_law", _("질의(법령 해석)")
    QUESTION_PROCEDURE = "question_procedure", _("질의(제도·절차)")
    GRIEVANCE = "grievance", _("고충")
    RAPID_CONFIRMATION = "rapid_confirmation", _("신속확인(규제 적용 여부)")


class Privacy(models.TextChoices):
    PUBLIC_NAMED = "public_named", _("기업명과 함께 공개")
    PUBLIC_ANONYMOUS = "public_anonymous", _("기업명 없이 공개")
    PRIVATE = "private", _("비공개")


class AnswerOutcome(models.TextChoices):
    ACCEPTED = "accepted", _("수용")
    PARTLY_ACCEPTED = "partly_accepted", _("일부수용")
    LONG_TERM_REVIEW = "long_term_review", _("중장기 검토")
    DECLINED = "declined", _("수용곤란")


class DeclineReason(models.TextChoices):
    """The published list of reasons an agency may give for 수용곤란 (with a legal basis)."""

    SAFETY = "safety", _("안전 우려")
    CONFLICTING_LAW = "conflicting_law", _("타 법령 충돌")
    CONFLICTING_INTERESTS = "conflicting_interests", _("이해관계 대립")
    SOCIAL_CONSENSUS = "social_consensus", _("사회적 합의 필요")
    ALREADY_IMPROVED = "already_improved", _("이미 개선됨")
    OUT_OF_AUTHORITY = "out_of_authority", _("권한 밖")


class ClockStep(models.TextChoices):
    """The step a legal clock measures; each open status has one."""

    TRIAGE = "triage", _("서울시 검토·분류")
    AGENCY_ANSWER = "agency_answer", _("소관기관 회신")
    INFORMATION = "information", _("기업 추가 정보 제출")
    REACTION = "reaction", _("기업 회신 확인")
    SECOND_ANSWER = "second_answer", _("재검토 회신")
    ESCALATION = "escalation", _("규제개혁위원회 심의")


class EscalationLevel(models.IntegerChoices):
    """The escalation ladder (상정 단계)."""

    NONE = 0, _("상정 전")
    WORKING_GROUP = 1, _("서울시 규제개혁 실무 검토")
    CITY_COMMITTEE = 2, _("서울시 규제개혁위원회")
    CENTRAL = 3, _("국무조정실 규제개혁위원회 건의")


class OutcomeStage(models.TextChoices):
    """The outcome ledger after acceptance, in order."""

    PLAN = "plan", _("개선 계획")
    DRAFT_AMENDMENT = "draft_amendment", _("개정안 마련")
    PRE_ANNOUNCEMENT = "pre_announcement", _("입법예고")
    PROMULGATION = "promulgation", _("공포")
    IN_FORCE = "in_force", _("시행")


OUTCOME_ORDER: tuple[str, ...] = tuple(OutcomeStage.values)

# The states an official's work queue holds: filed and not yet closed or withdrawn (the same set
# as ``transitions.OPEN`` minus drafts; a test keeps the two equal). Sorted, so the partial index
# below has one stable definition for migrations.
QUEUE_STATES: tuple[str, ...] = tuple(
    sorted(
        status.value
        for status in (
            BarrierStatus.SUBMITTED,
            BarrierStatus.TRIAGED,
            BarrierStatus.FORWARDED,
            BarrierStatus.INFO_REQUESTED,
            BarrierStatus.ANSWERED,
            BarrierStatus.SECOND_REVIEW,
            BarrierStatus.ESCALATED,
        )
    )
)


class Barrier(TimeStampedModel):
    """A regulatory barrier a firm reports, and where it stands in the resolution workflow."""

    title = models.CharField(_("제목"), max_length=TITLE_MAX)
    body = models.TextField(_("내용"), max_length=BODY_MAX)
    # No index of its own: barrier_firm_status (firm, status) serves every lookup by firm, and
    # one index fewer is one write fewer on every filing and transition.
    firm = models.ForeignKey(
        "firms.Firm", verbose_name=_("기업"), on_delete=models.PROTECT, related_name="barriers", db_index=False
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("작성자"), on_delete=models.PROTECT, related_name="barriers_filed"
    )
    sectors = models.ManyToManyField("firms.Sector", verbose_name=_("분야"), related_name="barriers")
    statutes_named = models.TextField(_("관련 법령(기업 기재)"), max_length=TEXT_MAX, blank=True)
    desired_change = models.TextField(_("개선 요청 사항"), max_length=TEXT_MAX, blank=True)
    harm_cost_won = models.BigIntegerField(_("추정 비용(원)"), null=True, blank=True)
    harm_delay_months = models.PositiveSmallIntegerField(_("사업 지연(개월)"), null=True, blank=True)
    harm_lost_market = models.TextField(_("잃은 시장·기회"), max_length=TEXT_MAX, blank=True)
    privacy = models.CharField(_("공개 범위"), max_length=20, choices=Privacy.choices, default=Privacy.PUBLIC_ANONYMOUS)
    seal_from_agency = models.BooleanField(
        _("소관기관에 기업 정보 비공개"),
        default=False,
        help_text=_("서울시는 기업을 알 수 있지만 소관기관은 알 수 없습니다."),
    )

    status = models.CharField(_("상태"), max_length=20, choices=BarrierStatus.choices, default=BarrierStatus.DRAFT)
    status_changed_at = models.DateTimeField(_("상태 변경 시각"), null=True, blank=True)
    kind = models.CharField(_("민원 종류"), max_length=20, choices=RequestKind.choices, default=RequestKind.PROPOSAL)
    # No index of its own: barrier_agency_status (lead_agency, status) serves lookups by agency.
    lead_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("소관기관"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="barriers_led",
        db_index=False,
    )
    cooperating_agencies = models.ManyToManyField(
        "agencies.Agency", verbose_name=_("협조 기관"), blank=True, related_name="barriers_cooperating"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("담당자"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="barriers_assigned",
    )
    escalation_level = models.PositiveSmallIntegerField(
        _("상정 단계"), choices=EscalationLevel.choices, default=EscalationLevel.NONE
    )
    second_review_used = models.BooleanField(_("재검토 요청 사용"), default=False)
    affected_firm_count = models.PositiveIntegerField(_("같은 애로를 겪는 기업 수"), default=1)
    # Set when association staff filed on the firm's behalf (대리 접수); the firm stays the filer.
    filed_via_association = models.ForeignKey(
        "firms.Association",
        verbose_name=_("대리 접수 협회"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="barriers_filed",
    )
    version = models.PositiveIntegerField(_("버전"), default=1)

    submitted_at = models.DateTimeField(_("접수 시각"), null=True, blank=True)
    triaged_at = models.DateTimeField(_("분류 시각"), null=True, blank=True)
    forwarded_at = models.DateTimeField(_("이송·전달 시각"), null=True, blank=True)
    first_answered_at = models.DateTimeField(_("첫 회신 시각"), null=True, blank=True)
    closed_at = models.DateTimeField(_("종결 시각"), null=True, blank=True)
    # The due time of the step now running (copied from its open BarrierClock for sorting).
    due_at = models.DateTimeField(_("처리 기한"), null=True, blank=True)
    due_step = models.CharField(_("기한 단계"), max_length=20, choices=ClockStep.choices, blank=True)
    # The due date in Seoul: the queue orders by it (overdue days), then firms affected, then age,
    # and an index in that order lets the database stop after one page.
    due_on = models.DateField(_("처리 기한일"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("규제 애로")
        verbose_name_plural = _("규제 애로")
        indexes = [
            models.Index(fields=["status", "due_at"], name="barrier_status_due"),
            models.Index(fields=["firm", "status"], name="barrier_firm_status"),
            models.Index(fields=["lead_agency", "status"], name="barrier_agency_status"),
            models.Index(
                F("due_on").asc(),  # ascending puts NULLs last on PostgreSQL too
                F("affected_firm_count").desc(),
                F("submitted_at").asc(),
                F("id").asc(),
                name="barrier_queue_order",
            ),
            # The same order over the work queue's states only (drafts, closed and withdrawn rows
            # are left out, so filing a draft does not touch it). The city's whole queue reads its
            # page *and* counts its first COUNT_CAP rows from this index alone (an index-only scan
            # of ~1,000 entries), where counting through any other index first walks past every
            # draft and closed row that sorts before the open ones.
            models.Index(
                F("due_on").asc(),
                F("affected_firm_count").desc(),
                F("submitted_at").asc(),
                F("id").asc(),
                name="barrier_open_queue_order",
                condition=Q(status__in=QUEUE_STATES),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="barrier_escalation_level_range", condition=Q(escalation_level__gte=0, escalation_level__lte=3)
            ),
            models.CheckConstraint(name="barrier_version_positive", condition=Q(version__gte=1)),
            models.CheckConstraint(
                name="barrier_forwarded_has_agency",
                condition=Q(lead_agency__isnull=False)
                | ~Q(status__in=["forwarded", "info_requested", "answered", "second_review"]),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def set_due(self, due: dt.datetime | None) -> None:
        """Set the running step's due time and the Seoul due date the queue sorts by."""
        self.due_at = due
        self.due_on = due.astimezone(SEOUL).date() if due is not None else None


class EventKind(models.TextChoices):
    TRANSITION = "transition", _("상태 변경")
    DEADLINE_EXTENDED = "deadline_extended", _("처리기간 연장")
    OUTCOME_RECORDED = "outcome_recorded", _("개선 이행 기록")
    ATTACHMENT_ADDED = "attachment_added", _("첨부 추가")
    DRAFT_UPDATED = "draft_updated", _("초안 수정")
    ASSIGNED = "assigned", _("담당자 지정")
    COSIGNED = "cosigned", _("공동 서명")
    COSIGN_WITHDRAWN = "cosign_withdrawn", _("공동 서명 철회")


class AuditImmutable(Exception):
    """An audit event may be appended, never changed or deleted (see ``barriers.audit``)."""


class BarrierEventQuerySet(models.QuerySet["BarrierEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AuditImmutable("barrier events are append-only; use barriers.audit.redact_notes")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditImmutable("barrier events are append-only")


class BarrierEvent(models.Model):
    """One entry of the audit trail: who moved the barrier from which state to which, and why.

    Append-only and hash-chained per barrier (``barriers.audit``): ``seq`` counts the barrier's
    events from 1, ``prev_hash`` is the previous event's ``hash``, and ``hash`` covers the chained
    fields. Personal text stays outside the chain: the hash covers ``note_digest`` (SHA-256 of the
    note) and ``actor_ref`` (the actor's id when written), so the retention rules may erase a
    note or a deleted user's link (``redacted_at``) and the chain still verifies.
    """

    # No index of its own: the chain's unique (barrier, seq) index serves lookups by barrier.
    barrier = models.ForeignKey(Barrier, on_delete=models.CASCADE, related_name="events", db_index=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=20, choices=EventKind.choices, default=EventKind.TRANSITION)
    verb = models.CharField(max_length=40, blank=True)
    from_status = models.CharField(max_length=20, choices=BarrierStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=BarrierStatus.choices, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)
    seq = models.PositiveIntegerField(null=True, editable=False)
    actor_ref = models.BigIntegerField(null=True, blank=True, editable=False)
    note_digest = models.CharField(max_length=64, blank=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, blank=True, editable=False)
    redacted_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = BarrierEventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("처리 이력")
        verbose_name_plural = _("처리 이력")
        constraints = [
            # Two writers that skipped the lock could not fork the chain: the second insert fails.
            models.UniqueConstraint(fields=["barrier", "seq"], name="barrier_event_chain_position")
        ]

    def __str__(self) -> str:
        return f"{self.barrier_id}: {self.from_status or '-'} → {self.to_status or '-'} ({self.verb})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None or self.seq is None:
            raise AuditImmutable("barrier events are written once, by barriers.audit.append_event")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditImmutable("barrier events are append-only")


class BarrierClock(models.Model):
    """The legal clock of one step: when it started, when it is due, and its one extension."""

    barrier = models.ForeignKey(Barrier, on_delete=models.CASCADE, related_name="clocks")
    step = models.CharField(max_length=20, choices=ClockStep.choices)
    agency = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    period_days = models.PositiveSmallIntegerField()
    counting = models.CharField(max_length=12, choices=[(c.value, c.value) for c in Counting])
    due_at = models.DateTimeField()
    extensions = models.PositiveSmallIntegerField(default=0)
    extension_reason = models.TextField(blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["barrier"], condition=Q(stopped_at__isnull=True), name="one_running_clock_per_barrier"
            )
        ]

    def __str__(self) -> str:
        return f"{self.barrier_id} {self.step} → {self.due_at:%Y-%m-%d %H:%M}"


class DeadlinePolicy(models.Model):
    """An override of a step's period, per request kind and/or agency (edited in the admin).

    The most specific row wins: agency + kind, then agency, then kind, then the defaults in
    ``barriers.deadlines.DEFAULT_DAYS``.
    """

    step = models.CharField(_("단계"), max_length=20, choices=ClockStep.choices)
    kind = models.CharField(_("민원 종류"), max_length=20, choices=RequestKind.choices, blank=True)
    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("기관"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    days = models.PositiveSmallIntegerField(_("처리기간(일)"), help_text=_("0은 즉시(3근무시간)입니다."))
    counting = models.CharField(
        _("계산 방식"),
        max_length=12,
        choices=[(Counting.STATUTORY.value, _("민원처리법(근무일)")), (Counting.CALENDAR.value, _("민법(역일)"))],
        default=Counting.STATUTORY.value,
    )
    source = models.CharField(_("근거"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("처리기간 기준")
        verbose_name_plural = _("처리기간 기준")
        constraints = [
            models.UniqueConstraint(
                fields=["step", "kind"], condition=Q(agency__isnull=True), name="unique_deadline_policy_any_agency"
            ),
            models.UniqueConstraint(
                fields=["step", "kind", "agency"], condition=Q(agency__isnull=False), name="unique_deadline_policy"
            ),
            models.CheckConstraint(name="deadline_policy_days_max", condition=Q(days__lte=365)),
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()} {self.kind or '*'} {self.agency or '*'}: {self.days}"


class NonWorkingDay(models.Model):
    """A closure the ``holidays`` package does not know yet (임시공휴일 declared at short notice)."""

    day = models.DateField(_("날짜"), unique=True)
    name = models.CharField(_("이름"), max_length=100)

    class Meta:
        ordering = ["day"]
        verbose_name = _("추가 휴무일")
        verbose_name_plural = _("추가 휴무일")

    def __str__(self) -> str:
        return f"{self.day} {self.name}"


class BarrierAnswer(models.Model):
    """An agency's structured answer (회신). Declines carry a reason code; acceptances a plan."""

    barrier = models.ForeignKey(Barrier, on_delete=models.CASCADE, related_name="answers")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    round = models.PositiveSmallIntegerField(_("회차"), default=1)
    outcome = models.CharField(_("검토 결과"), max_length=20, choices=AnswerOutcome.choices)
    body = models.TextField(_("회신 내용"), max_length=BODY_MAX)
    reason_code = models.CharField(_("수용곤란 사유"), max_length=30, choices=DeclineReason.choices, blank=True)
    legal_basis = models.TextField(_("법적 근거"), max_length=TEXT_MAX, blank=True)
    plan_change = models.TextField(_("개선 내용"), max_length=TEXT_MAX, blank=True)
    plan_statute = models.CharField(_("개정 대상 법령"), max_length=300, blank=True)
    plan_due_on = models.DateField(_("개선 완료 예정일"), null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("회신")
        verbose_name_plural = _("회신")
        constraints = [
            models.CheckConstraint(
                name="declined_answer_has_reason",
                condition=~Q(outcome="declined") | (~Q(reason_code="") & ~Q(legal_basis="")),
            ),
            models.CheckConstraint(
                name="accepted_answer_has_plan",
                condition=~Q(outcome__in=["accepted", "partly_accepted"])
                | (~Q(plan_change="") & Q(plan_due_on__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.barrier_id} {self.get_outcome_display()} ({self.round})"


class OutcomeMilestone(models.Model):
    """One dated step of the outcome ledger: plan → draft → pre-announcement → promulgation → in force."""

    barrier = models.ForeignKey(Barrier, on_delete=models.CASCADE, related_name="milestones")
    stage = models.CharField(_("단계"), max_length=20, choices=OutcomeStage.choices)
    happened_on = models.DateField(_("일자"))
    note = models.TextField(_("내용"), max_length=TEXT_MAX, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["happened_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["barrier", "stage"], name="unique_outcome_stage")]

    def __str__(self) -> str:
        return f"{self.barrier_id} {self.get_stage_display()} {self.happened_on}"


class InternalNote(models.Model):
    """A note officials keep on a barrier. The firm never sees it; an agency sees only its own."""

    barrier = models.ForeignKey(Barrier, on_delete=models.CASCADE, related_name="internal_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # The agency the author wrote for; empty for the city's notes (which agencies never see).
    agency = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(_("메모"), max_length=TEXT_MAX)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]


def _attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name never comes from the user: a random id plus the sniffed type's extension.
    suffix = PurePosixPath(filename).suffix.lower()
    return f"barriers/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    """A file attached to a barrier; served only through a permission check, never from MEDIA_URL."""

    barrier = models.ForeignKey(Barrier, on_delete=models.CASCADE, related_name="attachments")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    original_name = models.CharField(_("파일 이름"), max_length=200)
    file_type = models.CharField(_("형식"), max_length=10)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["barrier", "sha256"], name="unique_attachment_content")]

    def __str__(self) -> str:
        return self.original_name


class IdempotencyRecord(models.Model):
    """Remembers an ``Idempotency-Key`` so a retried create returns the first result."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    barrier = models.ForeignKey(Barrier, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="unique_idempotency_key")]


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("대기")
    SENT = "sent", _("발송")
    FAILED = "failed", _("실패")


class Notification(models.Model):
    """One e-mail to one person; a background task sends it and retries on failure."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    barrier = models.ForeignKey(Barrier, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(BarrierEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="notification_status")]


class AnswerTemplate(models.Model):
    """A reusable answer text (회신 서식) an agency — or every agency, when blank — starts from."""

    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("기관"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    outcome = models.CharField(_("검토 결과"), max_length=20, choices=AnswerOutcome.choices)
    title = models.CharField(_("서식 이름"), max_length=100)
    body = models.TextField(_("회신 내용"), max_length=BODY_MAX)
    is_active = models.BooleanField(_("사용"), default=True)

    class Meta:
        ordering = ["outcome", "title"]
        verbose_name = _("회신 서식")
        verbose_name_plural = _("회신 서식")

    def __str__(self) -> str:
        return self.title


# -- co-signing (우리도 겪고 있다) ----------------------------------------------------------------


class CoSignature(models.Model):
    """Another firm's statement that it suffers the same barrier, optionally with its own harm.

    Counted per distinct firm (by 사업자등록번호), never per click: at most one active
    co-signature per barrier and firm, and per barrier and normalised BRN (a copy of the firm's
    number, so the guarantee holds in the database itself). A withdrawn one stays for the audit.
    """

    barrier = models.ForeignKey(Barrier, on_delete=models.CASCADE, related_name="cosignatures")
    firm = models.ForeignKey(
        "firms.Firm", verbose_name=_("기업"), on_delete=models.PROTECT, related_name="cosignatures"
    )
    firm_brn = models.CharField(_("사업자등록번호"), max_length=10, editable=False)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="cosignatures"
    )
    account = models.TextField(_("우리 기업이 겪는 피해"), max_length=TEXT_MAX, blank=True)
    harm_cost_won = models.BigIntegerField(_("추정 비용(원)"), null=True, blank=True)
    harm_delay_months = models.PositiveSmallIntegerField(_("사업 지연(개월)"), null=True, blank=True)
    show_to_filer = models.BooleanField(_("신청 기업에 우리 기업명 공개"), default=False)
    # Filed by association staff on a member's behalf (joint proxy filing).
    via_association = models.ForeignKey(
        "firms.Association", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # SHA-256 of the account with spacing and punctuation removed: finds copied texts at once.
    account_fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(db_index=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("공동 서명")
        verbose_name_plural = _("공동 서명")
        constraints = [
            models.UniqueConstraint(
                fields=["barrier", "firm"], condition=Q(withdrawn_at__isnull=True), name="one_cosignature_per_firm"
            ),
            models.UniqueConstraint(
                fields=["barrier", "firm_brn"], condition=Q(withdrawn_at__isnull=True), name="one_cosignature_per_brn"
            ),
        ]
        indexes = [models.Index(fields=["barrier", "withdrawn_at"], name="cosignature_active")]

    def __str__(self) -> str:
        return f"{self.barrier_id} + {self.firm_id}"


class CoSignFlagReason(models.TextChoices):
    SHARED_ACCOUNT = "shared_account", _("한 계정이 여러 기업으로 공동 서명")
    BURST = "burst", _("짧은 시간에 몰린 공동 서명")
    SIMILAR_TEXT = "similar_text", _("여러 기업의 같거나 거의 같은 피해 설명")


class CoSignFlag(models.Model):
    """A pattern of co-signing that looks like one actor inflating the count, for officials to check."""

    barrier = models.ForeignKey(Barrier, on_delete=models.CASCADE, related_name="cosign_flags")
    reason = models.CharField(_("사유"), max_length=20, choices=CoSignFlagReason.choices)
    # What makes one flag distinct (a user id, a text fingerprint, a time window): re-detection
    # updates the evidence of the existing flag instead of piling up copies.
    key = models.CharField(max_length=80)
    evidence = models.JSONField(_("근거"), default=dict)
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(_("확인 시각"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("공동 서명 이상 징후")
        verbose_name_plural = _("공동 서명 이상 징후")
        constraints = [models.UniqueConstraint(fields=["barrier", "reason", "key"], name="unique_cosign_flag")]

    def __str__(self) -> str:
        return f"{self.barrier_id} {self.get_reason_display()}"
