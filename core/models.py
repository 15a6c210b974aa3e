"""Shared model bases and the site-wide policy row."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Adds ``created_at`` and ``updated_at`` to a model."""

    created_at = models.DateTimeField(_("생성 시각"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정 시각"), auto_now=True)

    class Meta:
        abstract = True


class SiteConfig(models.Model):
    """Policy knobs officials tune in the admin (one row). Code reads them with ``SiteConfig.get()``.

    Domain areas add their own fields here (answer days, thresholds) rather than hard-coding them.
    """

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    service_name = models.CharField(_("서비스 이름"), max_length=100, default="해치 Haechi")
    contact_email = models.EmailField(_("문의 이메일"), default="haechi@seoul.go.kr")

    class Meta:
        verbose_name = _("사이트 설정")
        verbose_name_plural = _("사이트 설정")

    def __str__(self) -> str:
        return str(self.service_name)

    @classmethod
    def get(cls) -> SiteConfig:
        """The one configuration row, created with defaults on first use."""
        config, _created = cls.objects.get_or_create(singleton=True)
        return config


class IdempotencyKey(models.Model):
    """One ``Idempotency-Key`` a client sent to a create endpoint, and the response it got.

    Written by ``core.idempotency``: the row is committed *before* the work starts (state
    ``in_flight``), so a concurrent retry sees it and gets a 409; the stored response is written
    in the same transaction as the work, so a replay returns exactly what the first request got.
    """

    IN_FLIGHT = "in_flight"
    DONE = "done"

    principal = models.CharField(max_length=100)  # "user:12", or a hash of the credential used
    scope = models.CharField(max_length=100)  # the endpoint, e.g. "barriers.create"
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=10, default=IN_FLIGHT)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    response_body = models.TextField(blank=True)
    started_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("멱등 키")
        verbose_name_plural = _("멱등 키")
        constraints = [
            models.UniqueConstraint(fields=["principal", "scope", "key"], name="unique_idempotency_key_per_scope")
        ]
        indexes = [models.Index(fields=["started_at"], name="idempotency_key_started")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key} ({self.state})"
