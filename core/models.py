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
