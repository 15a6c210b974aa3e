"""Open311 GeoReport v2 clients: who may file requests with an API key, and what they filed.

A key is shown once, when an admin issues it; only its SHA-256 is stored (keys are 256-bit
random, so a plain hash is enough — there is nothing to brute-force). A client files for one
firm, or for an association's member firms; its requests are filed by the account it names
(``user``), so every permission and audit rule of the barriers app applies as if that person
had filed on the website.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

KEY_PREFIX_LENGTH = 8


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


def new_key() -> str:
    """A new API key: ``h311_`` + 43 URL-safe characters (256 bits)."""
    return "h311_" + secrets.token_urlsafe(32)


class Open311Client(models.Model):
    """An application allowed to POST requests (민원) through Open311."""

    name = models.CharField(_("이름"), max_length=120)
    key_prefix = models.CharField(_("키 앞부분"), max_length=20, editable=False, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("접수 계정"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("이 키로 들어온 민원의 작성자가 되는 계정 (기업 회원 또는 협회 담당자)."),
    )
    firm = models.ForeignKey(
        "firms.Firm", verbose_name=_("기업"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    association = models.ForeignKey(
        "firms.Association", verbose_name=_("협회"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(_("사용"), default=True)
    created_at = models.DateTimeField(_("발급 시각"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("마지막 사용"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Open311 클라이언트")
        verbose_name_plural = _("Open311 클라이언트")
        constraints = [
            models.CheckConstraint(
                name="open311_client_files_for_firm_or_association",
                condition=(Q(firm__isnull=False) & Q(association__isnull=True))
                | (Q(firm__isnull=True) & Q(association__isnull=False)),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    def set_new_key(self) -> str:
        """Give the client a fresh key and return it (the only time it is readable)."""
        key = new_key()
        self.key_prefix = key[:KEY_PREFIX_LENGTH]
        self.key_hash = hash_key(key)
        return key


class Open311Submission(models.Model):
    """A request filed through Open311: the token the client polls until the request is public."""

    client = models.ForeignKey(Open311Client, on_delete=models.PROTECT, related_name="submissions")
    barrier = models.OneToOneField("barriers.Barrier", on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.token
