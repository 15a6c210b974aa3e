"""Surveys (만족도 조사): a generic engine for perception and satisfaction surveys of firms.

A ``Survey`` holds its ``Question`` rows; each invited firm gets one ``Invitation`` (a hashed,
single-use link) and gives at most one ``Response`` (a database constraint), made of ``Answer``
rows. A response is final: it cannot be edited, even before the survey closes (see
``surveys.services.submit_response`` for why).

Surveys about one thing (an answer to a barrier, a promulgated change) point at it with a plain
``subject_type`` / ``subject_id`` pair, so this app imports no other domain app's models.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel

TEXT_ANSWER_MAX = 2_000
SCALE_MIN, SCALE_MAX = 1, 5


class SurveyKind(models.TextChoices):
    PERCEPTION = "perception", _("규제혁신 체감도 조사")
    ANSWER_SATISFACTION = "answer_satisfaction", _("회신 만족도 조사")
    FOLLOWUP = "followup", _("회신 6주 후 조사")
    PROMULGATION = "promulgation", _("개정 공포 후 조사")


class QuestionKind(models.TextChoices):
    SCALE = "scale", _("5점 척도")
    YES_NO = "yes_no", _("예/아니오")
    CHOICE = "choice", _("선택")
    TEXT = "text", _("자유 서술")


class Survey(TimeStampedModel):
    """One survey, open to its invited firms between ``opens_at`` and ``closes_at``."""

    kind = models.CharField(_("종류"), max_length=30, choices=SurveyKind.choices)
    title = models.CharField(_("제목"), max_length=200)
    title_en = models.CharField(_("영문 제목"), max_length=200, blank=True)
    period = models.CharField(_("조사 기간 이름"), max_length=40, blank=True, help_text=_("예: 2026년 상반기"))
    opens_at = models.DateTimeField(_("시작 시각"))
    closes_at = models.DateTimeField(_("마감 시각"))
    # What the survey is about, when it is about one thing (e.g. "barriers.barrieranswer", 42).
    subject_type = models.CharField(_("대상 종류"), max_length=60, blank=True)
    subject_id = models.PositiveBigIntegerField(_("대상 번호"), null=True, blank=True)
    subject_label = models.CharField(_("대상 이름"), max_length=200, blank=True)
    subject_url = models.CharField(
        _("대상 주소"), max_length=300, blank=True, help_text=_("응답 뒤 안내할 사이트 안 경로 (예: 재검토 요청)")
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("앞선 조사"), null=True, blank=True, on_delete=models.CASCADE, related_name="followups"
    )
    remind_after_days = models.PositiveSmallIntegerField(_("독촉 전 대기 일수"), default=7)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-opens_at", "-pk"]
        verbose_name = _("조사")
        verbose_name_plural = _("조사")
        constraints = [
            models.CheckConstraint(name="survey_closes_after_opening", condition=Q(closes_at__gt=F("opens_at"))),
            models.CheckConstraint(
                name="survey_subject_complete",
                condition=Q(subject_type="", subject_id__isnull=True)
                | (~Q(subject_type="") & Q(subject_id__isnull=False)),
            ),
            # One survey of each kind per subject: starting it twice returns the first one.
            models.UniqueConstraint(
                fields=["kind", "subject_type", "subject_id"],
                condition=Q(subject_id__isnull=False),
                name="unique_survey_per_subject",
            ),
        ]
        indexes = [models.Index(fields=["kind", "closes_at"], name="survey_kind_closes")]

    def __str__(self) -> str:
        return self.title

    def is_open(self, *, now: dt.datetime | None = None) -> bool:
        moment = now or timezone.now()
        return self.opens_at <= moment < self.closes_at


class Question(models.Model):
    """A question of a survey. ``code`` is stable across surveys, so results can be pooled by it."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    code = models.SlugField(_("코드"), max_length=40)
    position = models.PositiveSmallIntegerField(_("순서"), default=0)
    kind = models.CharField(_("형식"), max_length=10, choices=QuestionKind.choices)
    text = models.CharField(_("질문"), max_length=300)
    text_en = models.CharField(_("영문 질문"), max_length=300, blank=True)
    choices = models.JSONField(
        _("선택지"),
        default=list,
        blank=True,
        help_text=_('선택 형식: [{"value": "...", "label": "...", "label_en": "..."}]'),
    )
    required = models.BooleanField(_("필수"), default=True)

    class Meta:
        ordering = ["survey", "position", "pk"]
        verbose_name = _("질문")
        verbose_name_plural = _("질문")
        constraints = [models.UniqueConstraint(fields=["survey", "code"], name="unique_question_code")]

    def __str__(self) -> str:
        return self.text

    def choice_values(self) -> list[str]:
        return [str(c["value"]) for c in self.choices]


class Invitation(models.Model):
    """A firm's invitation to a survey. The e-mailed link's token is stored only as a hash."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    firm = models.ForeignKey("firms.Firm", on_delete=models.CASCADE, related_name="survey_invitations")
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("생성 시각"), auto_now_add=True)
    sent_at = models.DateTimeField(_("발송 시각"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("독촉 시각"), null=True, blank=True)

    class Meta:
        ordering = ["survey", "pk"]
        verbose_name = _("조사 초대")
        verbose_name_plural = _("조사 초대")
        constraints = [
            models.UniqueConstraint(fields=["survey", "firm"], name="unique_invitation_per_firm"),
            models.CheckConstraint(
                name="invitation_reminded_after_sent", condition=Q(reminded_at__isnull=True) | Q(sent_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey} → {self.firm}"


class Response(models.Model):
    """A firm's one response to a survey (final once submitted)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    firm = models.ForeignKey("firms.Firm", on_delete=models.CASCADE, related_name="survey_responses")
    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="response")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("제출 시각"))

    class Meta:
        ordering = ["survey", "submitted_at"]
        verbose_name = _("응답")
        verbose_name_plural = _("응답")
        constraints = [models.UniqueConstraint(fields=["survey", "firm"], name="unique_response_per_firm")]

    def __str__(self) -> str:
        return f"{self.survey} ← {self.firm}"


class Answer(models.Model):
    """One answer; exactly the field that fits the question's kind is filled."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    scale_value = models.PositiveSmallIntegerField(null=True, blank=True)
    bool_value = models.BooleanField(null=True, blank=True)
    choice_value = models.CharField(max_length=40, blank=True)
    text_value = models.TextField(blank=True, max_length=TEXT_ANSWER_MAX)

    class Meta:
        verbose_name = _("답변")
        verbose_name_plural = _("답변")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="unique_answer_per_question"),
            models.CheckConstraint(
                name="answer_scale_in_range",
                condition=Q(scale_value__isnull=True) | Q(scale_value__gte=SCALE_MIN, scale_value__lte=SCALE_MAX),
            ),
        ]
