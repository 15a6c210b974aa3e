"""Personal data (개인정보 보호법): who viewed whose personal data, and what retention destroyed.

The access log follows the safety standard (개인정보의 안전성 확보조치 기준 제8조): who (account),
when, from where (address), whose data (person or firm) and what was done (what, via which page or
API). It is kept ``HAECHI_ACCESS_LOG_DAYS`` (two years by default) and then deleted by
``manage.py apply_retention``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessKind(models.TextChoices):
    FILER_IDENTITY = "filer_identity", _("신청 기업·신청인 정보")
    SEALED_IDENTITY = "sealed_identity", _("비공개 요청된 신청 기업 정보")
    FIRM_CONTACTS = "firm_contacts", _("기업 담당자 정보")
    DATA_EXPORT = "data_export", _("본인 정보 내려받기")


class PersonalDataAccess(models.Model):
    """One view of someone else's personal data (or a person's export of their own)."""

    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("열람자"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text too: the log must still say who it was after the account is deleted.
    viewer_label = models.CharField(_("열람자 계정"), max_length=254)
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("정보주체"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    subject_firm = models.ForeignKey(
        "firms.Firm", verbose_name=_("기업"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    barrier_id = models.PositiveBigIntegerField(_("규제 애로 번호"), null=True, blank=True)
    what = models.CharField(_("열람 정보"), max_length=30, choices=AccessKind.choices)
    via = models.CharField(_("경로"), max_length=200)
    ip_address = models.GenericIPAddressField(_("접속지"), null=True, blank=True)
    accessed_at = models.DateTimeField(_("열람 시각"), db_index=True)

    class Meta:
        ordering = ["-accessed_at", "-pk"]
        verbose_name = _("개인정보 열람 기록")
        verbose_name_plural = _("개인정보 열람 기록")
        indexes = [
            models.Index(fields=["subject_firm", "accessed_at"], name="pda_firm_time"),
            models.Index(fields=["viewer", "accessed_at"], name="pda_viewer_time"),
        ]

    def __str__(self) -> str:
        return f"{self.viewer_label} {self.get_what_display()} {self.accessed_at:%Y-%m-%d %H:%M}"


class RetentionRecord(models.Model):
    """That the personal data of a closed barrier was destroyed, when, and what went."""

    barrier = models.OneToOneField("barriers.Barrier", on_delete=models.CASCADE, related_name="retention_record")
    closed_at = models.DateTimeField(_("종결 시각"))
    destroyed_at = models.DateTimeField(_("파기 시각"))
    summary = models.JSONField(_("파기 내역"), default=dict)

    class Meta:
        ordering = ["-destroyed_at"]
        verbose_name = _("개인정보 파기 기록")
        verbose_name_plural = _("개인정보 파기 기록")

    def __str__(self) -> str:
        return f"#{self.barrier_id} {self.destroyed_at:%Y-%m-%d}"
