"""Routing proposals, what officials confirmed, and recurring regulations (본질적 규제).

- ``RoutingSuggestion``: the latest proposal for one barrier (sector with probabilities, ranked
  agencies and statutes with reasons), and whether the official accepted or corrected it.
- ``RoutingDecision``: what an official confirmed at triage (sector, agencies, statutes); the
  training signal ``manage.py train_routing`` adds to the labelled dev set.
- ``BarrierSignature``: the words and statutes near-duplicate detection compares, stored so the
  in-memory MinHash LSH index can be rebuilt after a restart without re-reading every text.
- ``RecurringRegulation`` + ``RecurringMembership``: the underlying rule many barriers point at,
  its members, and the harm figures (``routing.harm``) stored for ranking and refreshed whenever a
  member or an answer changes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel

STATEMENT_MAX = 500


class SuggestionStatus(models.TextChoices):
    PROPOSED = "proposed", _("제안")
    ACCEPTED = "accepted", _("제안대로 확정")
    CORRECTED = "corrected", _("담당자가 수정")


class RoutingSuggestion(TimeStampedModel):
    """The latest routing proposal for one barrier (re-routing replaces it)."""

    barrier = models.OneToOneField(
        "barriers.Barrier", verbose_name=_("규제 애로"), on_delete=models.CASCADE, related_name="routing_suggestion"
    )
    sector = models.CharField(_("제안 분야"), max_length=20)
    sector_scores = models.JSONField(_("분야별 확률"), default=dict)
    # [{"name", "score", "reasons": [...]}], best first; names as in the agency registry.
    agencies = models.JSONField(_("제안 기관"), default=list)
    # [{"law_id", "name", "score", "explicit", "ministry", "articles", "reasons"}], best first.
    statutes = models.JSONField(_("제안 법령"), default=list)
    articles = models.JSONField(_("제안 조문"), default=list)
    model_version = models.CharField(_("모델 버전"), max_length=40, blank=True)
    status = models.CharField(
        _("처리"), max_length=12, choices=SuggestionStatus.choices, default=SuggestionStatus.PROPOSED
    )

    class Meta:
        verbose_name = _("라우팅 제안")
        verbose_name_plural = _("라우팅 제안")

    def __str__(self) -> str:
        return f"{self.barrier_id}: {self.sector} → {self.top_agency_name or '-'}"

    @property
    def top_agency_name(self) -> str:
        return str(self.agencies[0]["name"]) if self.agencies else ""

    @property
    def confidence(self) -> float:
        """The probability of the proposed sector."""
        return float(self.sector_scores.get(self.sector, 0.0))


class RoutingDecision(models.Model):
    """What an official confirmed at triage, kept whether it matched the proposal or not."""

    barrier = models.ForeignKey(
        "barriers.Barrier", verbose_name=_("규제 애로"), on_delete=models.CASCADE, related_name="routing_decisions"
    )
    suggestion = models.ForeignKey(
        RoutingSuggestion, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    accepted_as_proposed = models.BooleanField(_("제안대로 확정"), default=False)
    proposed_sector = models.CharField(_("제안 분야"), max_length=20, blank=True)
    proposed_agency = models.CharField(_("제안 소관기관"), max_length=120, blank=True)
    sector = models.CharField(_("확정 분야"), max_length=20)
    lead_agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("확정 소관기관"), on_delete=models.PROTECT, related_name="+"
    )
    # Agency names in rank order: the lead first, then co-operating agencies.
    agency_names = models.JSONField(_("확정 기관"), default=list)
    statutes = models.JSONField(_("확정 법령"), default=list)
    # False when the triage went through a form without the statutes field (the barrier page's
    # own triage form, the API): the sector and agencies are confirmed, the statutes are unknown
    # (not "none"), so retraining must not learn "no statute" from them.
    statutes_confirmed = models.BooleanField(_("법령 확정 여부"), default=True)
    articles = models.JSONField(_("확정 조문"), default=list)
    created_at = models.DateTimeField(_("확정 시각"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("라우팅 확정")
        verbose_name_plural = _("라우팅 확정")

    def __str__(self) -> str:
        return f"{self.barrier_id}: {self.sector} → {self.lead_agency_id}"


class BarrierSignature(models.Model):
    """The features near-duplicate detection compares for one barrier (see routing.near_duplicates)."""

    barrier = models.OneToOneField("barriers.Barrier", on_delete=models.CASCADE, related_name="routing_signature")
    morphemes = models.JSONField(default=list)  # content-morpheme unigrams and bigrams
    statutes = models.JSONField(default=list)  # law-level ids
    articles = models.JSONField(default=list)  # "<law_id> 제N조"
    # A rewrite deletes the row and inserts a new one: a process's in-memory index then picks up
    # changed rows by their growing primary key alone.

    class Meta:
        verbose_name = _("유사도 서명")
        verbose_name_plural = _("유사도 서명")

    def __str__(self) -> str:
        return f"signature of {self.barrier_id}"


class RecurringStatus(models.TextChoices):
    CANDIDATE = "candidate", _("후보")
    CONFIRMED = "confirmed", _("확정")
    MERGED = "merged", _("병합됨")


class AnswerState(models.TextChoices):
    """The state of the best answer any member barrier received."""

    NONE = "none", _("회신 전")
    DECLINED = "declined", _("수용곤란")
    LONG_TERM_REVIEW = "long_term_review", _("중장기 검토")
    PARTLY_ACCEPTED = "partly_accepted", _("일부수용")
    ACCEPTED = "accepted", _("수용(개선 진행 중)")
    RESOLVED = "resolved", _("개선 시행")


class RecurringRegulation(TimeStampedModel):
    """The underlying rule (본질적 규제) that several barriers point at, with its harm figures.

    Figures come in two versions: over every member (officials) and over public members only
    (the public list ranks by those, so nothing private shapes what the public sees).
    """

    statement = models.CharField(_("규제 내용"), max_length=STATEMENT_MAX)
    status = models.CharField(
        _("상태"), max_length=12, choices=RecurringStatus.choices, default=RecurringStatus.CANDIDATE, db_index=True
    )
    merged_into = models.ForeignKey(
        "self", verbose_name=_("병합 대상"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    statutes = models.JSONField(_("관련 법령"), default=list)
    articles = models.JSONField(_("관련 조문"), default=list)
    # The statute names one per line, for lookups by name (JSON text escapes Hangul on SQLite).
    statute_names = models.TextField(blank=True, editable=False)
    sectors = models.ManyToManyField("firms.Sector", verbose_name=_("분야"), blank=True, related_name="+")
    agencies = models.ManyToManyField("agencies.Agency", verbose_name=_("소관기관"), blank=True, related_name="+")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    first_reported_at = models.DateTimeField(_("최초 제기"), null=True, blank=True)
    member_count = models.PositiveIntegerField(_("규제 애로 수"), default=0)
    firm_count = models.PositiveIntegerField(_("겪는 기업 수"), default=0)
    days_unresolved = models.PositiveIntegerField(_("미해결 일수"), default=0)
    answer_state = models.CharField(
        _("최선의 회신"), max_length=20, choices=AnswerState.choices, default=AnswerState.NONE
    )
    harm_score = models.FloatField(_("피해 점수"), default=0.0, db_index=True)

    public_member_count = models.PositiveIntegerField(default=0)
    public_firm_count = models.PositiveIntegerField(default=0)
    public_first_reported_at = models.DateTimeField(null=True, blank=True)
    public_days_unresolved = models.PositiveIntegerField(default=0)
    public_answer_state = models.CharField(max_length=20, choices=AnswerState.choices, default=AnswerState.NONE)
    public_harm_score = models.FloatField(default=0.0, db_index=True)
    # A public member's title shown for candidates, whose statement was written by no official.
    public_title = models.CharField(max_length=300, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-harm_score", "pk"]
        verbose_name = _("본질적 규제")
        verbose_name_plural = _("본질적 규제")

    def __str__(self) -> str:
        return f"#{self.pk} {self.statement[:40]}"


class LinkSource(models.TextChoices):
    AUTOMATIC = "automatic", _("자동 연결")
    OFFICIAL = "official", _("담당자 지정")


class RecurringMembership(models.Model):
    """One barrier's place in a recurring regulation (a barrier belongs to at most one)."""

    regulation = models.ForeignKey(RecurringRegulation, on_delete=models.CASCADE, related_name="memberships")
    barrier = models.OneToOneField("barriers.Barrier", on_delete=models.CASCADE, related_name="recurring_membership")
    score = models.FloatField(_("유사도"), default=0.0)
    source = models.CharField(max_length=12, choices=LinkSource.choices, default=LinkSource.AUTOMATIC)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["linked_at", "pk"]
        verbose_name = _("본질적 규제 구성")
        verbose_name_plural = _("본질적 규제 구성")

    def __str__(self) -> str:
        return f"{self.barrier_id} ∈ {self.regulation_id}"
