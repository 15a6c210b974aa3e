"""Users sign in by e-mail; what they may do comes from their memberships (roles)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class Language(models.TextChoices):
    KOREAN = "ko", "한국어"
    ENGLISH = "en", "English"


class User(AbstractBaseUser, PermissionsMixin):
    """A person using Haechi. E-mail is the sign-in name; ``name`` is the (Korean) full name."""

    email = models.EmailField(_("이메일"), unique=True)
    name = models.CharField(_("이름"), max_length=60)
    preferred_language = models.CharField(
        _("사용 언어"), max_length=5, choices=Language.choices, default=Language.KOREAN
    )
    is_active = models.BooleanField(_("활성"), default=True)
    is_staff = models.BooleanField(_("관리 화면 접근"), default=False)
    # Self sign-ups start unconfirmed (accounts.services.sign_up_firm_member); everyone else
    # (invited, created by an admin, existing accounts) proved or needs no address check.
    email_confirmed = models.BooleanField(_("이메일 확인"), default=True)
    date_joined = models.DateTimeField(_("가입일"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("사용자")
        verbose_name_plural = _("사용자")

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name


class Role(models.TextChoices):
    FIRM_MEMBER = "firm_member", _("기업 회원")
    ASSOCIATION_STAFF = "association_staff", _("협회 담당자")
    AGENCY_OFFICIAL = "agency_official", _("소관기관 담당자")
    CITY_OFFICIAL = "city_official", _("서울시 담당자")
    ADMIN = "admin", _("관리자")


class Membership(models.Model):
    """A role a user holds, tied to the organisation the role is about.

    firm_member → firm, association_staff → association, agency_official → agency; city officials
    and admins hold their role without an organisation. A database constraint keeps that shape.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("역할"), max_length=20, choices=Role.choices)
    firm = models.ForeignKey("firms.Firm", null=True, blank=True, on_delete=models.CASCADE, related_name="members")
    association = models.ForeignKey(
        "firms.Association", null=True, blank=True, on_delete=models.CASCADE, related_name="staff"
    )
    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.CASCADE, related_name="officials"
    )
    is_active = models.BooleanField(_("유효"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("소속·역할")
        verbose_name_plural = _("소속·역할")
        constraints = [
            models.CheckConstraint(
                name="membership_organisation_matches_role",
                condition=(
                    Q(role=Role.FIRM_MEMBER, firm__isnull=False, association__isnull=True, agency__isnull=True)
                    | Q(role=Role.ASSOCIATION_STAFF, firm__isnull=True, association__isnull=False, agency__isnull=True)
                    | Q(role=Role.AGENCY_OFFICIAL, firm__isnull=True, association__isnull=True, agency__isnull=False)
                    | Q(
                        role__in=[Role.CITY_OFFICIAL, Role.ADMIN],
                        firm__isnull=True,
                        association__isnull=True,
                        agency__isnull=True,
                    )
                ),
            ),
            # One membership per user and organisation (partial constraints: they work on SQLite too).
            models.UniqueConstraint(
                fields=["user", "firm"], condition=Q(role=Role.FIRM_MEMBER), name="unique_firm_member"
            ),
            models.UniqueConstraint(
                fields=["user", "association"],
                condition=Q(role=Role.ASSOCIATION_STAFF),
                name="unique_association_staff",
            ),
            models.UniqueConstraint(
                fields=["user", "agency"], condition=Q(role=Role.AGENCY_OFFICIAL), name="unique_agency_official"
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(role__in=[Role.CITY_OFFICIAL, Role.ADMIN]),
                name="unique_global_role",
            ),
        ]

    def __str__(self) -> str:
        organisation = self.firm or self.association or self.agency
        return f"{self.user.email}: {self.get_role_display()}" + (f" ({organisation})" if organisation else "")


def hash_token(token: str) -> str:
    """Invitation and similar tokens are stored hashed, so a database leak does not leak them."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Invitation(models.Model):
    """An invitation to join with a role (officials, and colleagues of a firm or association)."""

    email = models.EmailField(_("이메일"))
    role = models.CharField(_("역할"), max_length=20, choices=Role.choices)
    firm = models.ForeignKey("firms.Firm", null=True, blank=True, on_delete=models.CASCADE)
    association = models.ForeignKey("firms.Association", null=True, blank=True, on_delete=models.CASCADE)
    agency = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.CASCADE)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="invitations_sent")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("만료 시각"))
    accepted_at = models.DateTimeField(_("수락 시각"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations_accepted"
    )

    class Meta:
        verbose_name = _("초대")
        verbose_name_plural = _("초대")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()})"

    def is_usable(self, *, now: dt.datetime | None = None) -> bool:
        return self.accepted_at is None and (now or timezone.now()) < self.expires_at


class SignInAttempt(models.Model):
    """One sign-in attempt. Failures in a sliding window throttle further attempts.

    Kept in the database (not a per-process cache) so the limit holds across web workers.
    """

    email = models.CharField(max_length=254, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    succeeded = models.BooleanField(default=False)
    attempted_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("로그인 시도")
        verbose_name_plural = _("로그인 시도")
        indexes = [models.Index(fields=["ip_address", "attempted_at"])]

    def __str__(self) -> str:
        return f"{self.email} {'ok' if self.succeeded else 'fail'} {self.attempted_at:%Y-%m-%d %H:%M}"


class EmailConfirmation(models.Model):
    """A link sent to confirm a new account's e-mail address (the token is stored hashed)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="email_confirmations")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("만료 시각"))
    confirmed_at = models.DateTimeField(_("확인 시각"), null=True, blank=True)

    class Meta:
        verbose_name = _("이메일 확인")
        verbose_name_plural = _("이메일 확인")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user.email} {self.created_at:%Y-%m-%d %H:%M}"

    def is_usable(self, *, now: dt.datetime | None = None) -> bool:
        return self.confirmed_at is None and (now or timezone.now()) < self.expires_at


class ApiToken(models.Model):
    """A named bearer token for the JSON API, stored hashed; revoked tokens stay for the record."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("이름"), max_length=60)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters, shown in lists so a person can tell their tokens apart.
    prefix = models.CharField(_("앞자리"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("발급 시각"), default=timezone.now)
    last_used_at = models.DateTimeField(_("마지막 사용"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("폐기 시각"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 토큰")
        verbose_name_plural = _("API 토큰")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class RateLimitBucket(models.Model):
    """Hits of one client (account or address) on one limit in one fixed time window.

    In the database rather than a per-process cache, so a limit holds across web workers.
    """

    key = models.CharField(max_length=200)
    window = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("요청 한도 집계")
        verbose_name_plural = _("요청 한도 집계")
        constraints = [models.UniqueConstraint(fields=["key", "window"], name="unique_rate_limit_bucket")]
