"""The public register (공개 처리 현황): what a city official published of a barrier, redacted.

A barrier is never shown from its own rows. What the public reads is the ``Publication`` an
official made after seeing the redacted preview: the masked title, body and requested change,
the extra phrases the official masked, and the morphemes of the masked text for search (so a
masked name can never be found by searching for it). Answers and outcome-ledger notes are stored
redacted beside it (``PublishedAnswer``, ``PublishedMilestone``).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

# Crockford's base32 without I, L, O, U: nothing to misread when a permalink is typed from paper.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PUBLIC_ID_LENGTH = 10


def new_public_id() -> str:
    """A random, stable public id (the permalink never exposes the database key or the count)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(PUBLIC_ID_LENGTH))


class Publication(models.Model):
    """One barrier as the register shows it; at most one per barrier, withdrawn but never deleted
    (so its permalink and public id stay the same if it is published again)."""

    barrier = models.OneToOneField(
        "barriers.Barrier", verbose_name=_("규제 애로"), on_delete=models.CASCADE, related_name="publication"
    )
    public_id = models.CharField(_("공개 번호"), max_length=PUBLIC_ID_LENGTH, unique=True, default=new_public_id)
    # Masks are longer than what they replace ("[전화번호]"), so the redacted fields get headroom.
    title = models.CharField(_("제목(비식별)"), max_length=400)
    body = models.TextField(_("내용(비식별)"))
    desired_change = models.TextField(_("개선 요청 사항(비식별)"), blank=True)
    extra_terms = models.JSONField(_("추가로 가린 표현"), default=list, blank=True)
    mask_count = models.PositiveIntegerField(_("가린 곳 수"), default=0)
    # Space-separated kiwipiepy morphemes of the *redacted* title, body and requested change;
    # SQLite indexes it with FTS5, PostgreSQL with a generated tsvector (register/search.py).
    search_tokens = models.TextField(_("검색 형태소"), blank=True)
    published_at = models.DateTimeField(_("공개 시각"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("공개한 사람"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("수정 시각"))
    withdrawn_at = models.DateTimeField(_("공개 철회 시각"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("철회한 사람"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawal_reason = models.TextField(_("철회 사유"), blank=True)

    class Meta:
        verbose_name = _("공개 규제 애로")
        verbose_name_plural = _("공개 규제 애로")
        ordering = ["-published_at", "-id"]
        indexes = [
            # The register's default page: newest publications that are not withdrawn.
            models.Index(
                F("published_at").desc(),
                F("id").desc(),
                name="register_pub_newest",
                condition=Q(withdrawn_at__isnull=True),
            ),
            # Live publications by barrier, covering the id (PostgreSQL): filters that start
            # from barriers join publications with an index-only scan.
            models.Index(
                fields=["barrier"],
                include=["id"],
                name="register_pub_live_barrier",
                condition=Q(withdrawn_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.title}"

    @property
    def is_live(self) -> bool:
        return self.withdrawn_at is None


class PublishedAnswer(models.Model):
    """An agency answer as the register shows it. ``automatic`` marks one masked by the engine
    alone (it arrived after publication) that no official has looked at yet."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="answers")
    answer = models.OneToOneField("barriers.BarrierAnswer", on_delete=models.CASCADE, related_name="published")
    body = models.TextField(_("회신 내용(비식별)"))
    legal_basis = models.TextField(_("법적 근거(비식별)"), blank=True)
    plan_change = models.TextField(_("개선 내용(비식별)"), blank=True)
    plan_statute = models.CharField(_("개정 대상 법령(비식별)"), max_length=600, blank=True)
    automatic = models.BooleanField(_("자동 가림(미확인)"), default=False)
    masked_at = models.DateTimeField(_("가린 시각"))

    class Meta:
        ordering = ["answer__created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.publication_id} / {self.answer_id}"


class PublishedMilestone(models.Model):
    """The note of one outcome-ledger step as the register shows it (stage and date need no mask)."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="milestones")
    milestone = models.OneToOneField("barriers.OutcomeMilestone", on_delete=models.CASCADE, related_name="published")
    note = models.TextField(_("내용(비식별)"), blank=True)
    automatic = models.BooleanField(_("자동 가림(미확인)"), default=False)
    masked_at = models.DateTimeField(_("가린 시각"))

    class Meta:
        ordering = ["milestone__happened_on", "pk"]

    def __str__(self) -> str:
        return f"{self.publication_id} / {self.milestone_id}"
