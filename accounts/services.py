"""Writes for people: sign-up, invitations, preferences."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiToken, EmailConfirmation, Invitation, Language, Membership, Role, User, hash_token
from accounts.permissions import can
from accounts.roles import forget_roles, roles_of
from agencies.models import Agency
from core.errors import Conflict, NotFound, NotPermitted, ValidationFailed
from core.text import clean_name, normalize_identifier
from firms.models import Association, Firm
from firms.services import register_firm


def clean_email(raw: str) -> str:
    email = normalize_identifier(raw or "").lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationFailed(_("올바른 이메일 주소를 입력하세요."), field="email", code="invalid_email") from exc
    return email


def clean_person_name(raw: str) -> str:
    return clean_name(
        raw,
        field="name",
        max_length=60,
        blank_message=_("이름을 입력하세요."),
        too_long_message=_("이름은 60자 이내로 입력하세요."),
    )


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), field="password", code="weak_password") from exc


@transaction.atomic
def sign_up_firm_member(
    *,
    email: str,
    name: str,
    password: str,
    firm_name: str,
    business_registration_number: str,
    sector_codes: list[str],
    size_class: str,
    founded_on: dt.date | None = None,
    district: str = "",
    preferred_language: str = Language.KOREAN,
    confirmation_link_base: str = "",
) -> User:
    """Create a firm member's account together with the firm it acts for (nothing half-saved).

    The account may sign in at once but files only after confirming its e-mail address: a
    confirmation link is sent when the sign-up commits."""
    clean = clean_email(email)
    if User.objects.filter(email__iexact=clean).exists():
        raise Conflict(
            _("이미 가입된 이메일입니다. 로그인하거나 비밀번호를 재설정하세요."), field="email", code="duplicate_email"
        )
    user = User(email=clean, name=clean_person_name(name), preferred_language=preferred_language, email_confirmed=False)
    _check_password(password, user)
    firm = register_firm(
        name=firm_name,
        business_registration_number=business_registration_number,
        sector_codes=sector_codes,
        size_class=size_class,
        founded_on=founded_on,
        district=district,
    )
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent sign-up with the same e-mail won the race
        raise Conflict(_("이미 가입된 이메일입니다."), field="email", code="duplicate_email") from exc
    Membership.objects.create(user=user, role=Role.FIRM_MEMBER, firm=firm)
    send_email_confirmation(user=user, link_base=confirmation_link_base)
    return user


def _may_invite(inviter: User, role: str, organisation: Any) -> bool:
    if role == Role.ADMIN:
        return roles_of(inviter).admin
    if role in (Role.CITY_OFFICIAL, Role.AGENCY_OFFICIAL):
        return can(inviter, "accounts.invite_official")
    if role == Role.FIRM_MEMBER:
        return can(inviter, "firm.invite_member", organisation)
    if role == Role.ASSOCIATION_STAFF:
        return can(inviter, "association.invite_staff", organisation) or roles_of(inviter).city_official
    return False


@transaction.atomic
def invite(
    *,
    inviter: User,
    email: str,
    role: str,
    firm: Firm | None = None,
    association: Association | None = None,
    agency: Agency | None = None,
    accept_url_base: str = "",
) -> tuple[Invitation, str]:
    """Invite someone to a role; returns the invitation and the one-time token e-mailed to them."""
    if role not in Role.values:
        raise ValidationFailed(_("역할을 선택하세요."), field="role")
    needed: dict[str, Any] = {Role.FIRM_MEMBER: firm, Role.ASSOCIATION_STAFF: association, Role.AGENCY_OFFICIAL: agency}
    if role in needed and needed[role] is None:
        raise ValidationFailed(_("초대할 소속 기관을 선택하세요."), field="organisation")
    organisation = needed.get(role)
    if not _may_invite(inviter, role, organisation):
        raise NotPermitted(_("이 역할로 초대할 권한이 없습니다."))
    clean = clean_email(email)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=clean,
        role=role,
        firm=firm if role == Role.FIRM_MEMBER else None,
        association=association if role == Role.ASSOCIATION_STAFF else None,
        agency=agency if role == Role.AGENCY_OFFICIAL else None,
        token_hash=hash_token(token),
        invited_by=inviter,
        expires_at=timezone.now() + dt.timedelta(days=settings.HAECHI_INVITATION_DAYS),
    )
    link = accept_url_base + reverse("accounts:accept_invitation", args=[token])
    transaction.on_commit(partial(_send_invitation, email=clean, link=link, role_label=invitation.get_role_display()))
    return invitation, token


def _send_invitation(*, email: str, link: str, role_label: str) -> None:
    send_mail(
        subject=_("[해치] %(role)s(으)로 초대되었습니다") % {"role": role_label},
        message=_("아래 링크에서 가입을 완료하세요 (%(days)s일 동안 유효).\n\n%(link)s")
        % {"days": settings.HAECHI_INVITATION_DAYS, "link": link},
        from_email=None,
        recipient_list=[email],
    )


def invitation_for_token(token: str) -> Invitation | None:
    """The usable invitation behind a token, or None (unknown, used or expired)."""
    invitation = Invitation.objects.filter(token_hash=hash_token(token or "")).first()
    if invitation is None or not invitation.is_usable():
        return None
    return invitation


@transaction.atomic
def accept_invitation(*, token: str, name: str, password: str) -> User:
    """Turn an invitation into a membership, creating the account if the e-mail is new."""
    invitation = Invitation.objects.select_for_update().filter(token_hash=hash_token(token or "")).first()
    if invitation is None or not invitation.is_usable():
        raise ValidationFailed(_("초대 링크가 만료되었거나 이미 사용되었습니다."), code="invitation_unusable")
    user = User.objects.filter(email__iexact=invitation.email).first()
    if user is None:
        user = User(email=invitation.email, name=clean_person_name(name))
        _check_password(password, user)
        user.set_password(password)
        user.save()
    elif not user.check_password(password):
        raise ValidationFailed(_("이미 가입된 이메일입니다. 기존 비밀번호를 입력하세요."), field="password")
    if not user.email_confirmed:  # the invitation link reached this address: that confirms it
        user.email_confirmed = True
        user.save(update_fields=["email_confirmed"])
    Membership.objects.get_or_create(
        user=user,
        role=invitation.role,
        firm=invitation.firm,
        association=invitation.association,
        agency=invitation.agency,
    )
    if invitation.role == Role.ADMIN and not user.is_staff:
        user.is_staff = True
        user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    forget_roles(user)
    return user


def set_preferred_language(*, user: User, language: str) -> None:
    if language not in Language.values:
        raise ValidationFailed(_("지원하지 않는 언어입니다."), field="language")
    User.objects.filter(pk=user.pk).update(preferred_language=language)
    user.preferred_language = language


# -- e-mail confirmation (a new firm account confirms its address before it files) ------------


def send_email_confirmation(*, user: User, link_base: str = "") -> str:
    """Send ``user`` a confirmation link (valid ``HAECHI_EMAIL_CONFIRMATION_HOURS``); returns the token."""
    token = secrets.token_urlsafe(32)
    EmailConfirmation.objects.create(
        user=user,
        token_hash=hash_token(token),
        expires_at=timezone.now() + dt.timedelta(hours=settings.HAECHI_EMAIL_CONFIRMATION_HOURS),
    )
    link = link_base + reverse("accounts:confirm_email", args=[token])
    transaction.on_commit(partial(_send_confirmation, email=user.email, link=link))
    return token


def _send_confirmation(*, email: str, link: str) -> None:
    send_mail(
        subject=_("[해치] 이메일 주소를 확인하세요"),
        message=_(
            "해치에 가입해 주셔서 감사합니다. 아래 링크를 열면 이메일 확인이 끝나고 규제 애로를 등록할 수 "
            "있습니다 (%(hours)s시간 동안 유효).\n\n%(link)s"
        )
        % {"hours": settings.HAECHI_EMAIL_CONFIRMATION_HOURS, "link": link},
        from_email=None,
        recipient_list=[email],
    )


@transaction.atomic
def confirm_email(*, token: str) -> User:
    """Mark the address behind ``token`` confirmed (a used or expired link is refused)."""
    confirmation = (
        EmailConfirmation.objects.select_for_update()
        .select_related("user")
        .filter(token_hash=hash_token(token or ""))
        .first()
    )
    if confirmation is None or not confirmation.is_usable():
        raise ValidationFailed(
            _("확인 링크가 만료되었거나 이미 사용되었습니다. 로그인한 뒤 확인 메일을 다시 받으세요."),
            code="confirmation_unusable",
        )
    confirmation.confirmed_at = timezone.now()
    confirmation.save(update_fields=["confirmed_at"])
    user = confirmation.user
    if not user.email_confirmed:
        user.email_confirmed = True
        user.save(update_fields=["email_confirmed"])
    return user


def require_confirmed_email(user: Any) -> None:
    """Refuse filing for an account whose e-mail address is not confirmed yet."""
    if getattr(user, "is_authenticated", False) and not getattr(user, "email_confirmed", True):
        raise NotPermitted(
            _(
                "이메일 주소를 확인한 뒤에 규제 애로를 등록할 수 있습니다. 가입할 때 받은 메일의 링크를 "
                "여세요. 메일을 받지 못했다면 '확인 메일 다시 받기'를 누르세요."
            ),
            code="email_unconfirmed",
        )


# -- API tokens ---------------------------------------------------------------------------------

API_TOKEN_PREFIX = "hch_"


@transaction.atomic
def issue_api_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Issue a named API token for ``user``; the secret is returned once and stored only hashed.

    Officials must have two-factor sign-in set up first: a token is as good as their session.
    """
    label = clean_name(
        name,
        field="name",
        max_length=60,
        blank_message=_("토큰 이름을 입력하세요."),
        too_long_message=_("토큰 이름은 60자 이내로 입력하세요."),
    )
    if needs_two_factor(user) and not has_two_factor(user):
        raise NotPermitted(_("2단계 인증을 먼저 설정해야 API 토큰을 발급할 수 있습니다."), code="two_factor_required")
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise Conflict(
            _("사용 중인 토큰이 너무 많습니다 (최대 %(n)s개). 쓰지 않는 토큰을 폐기하세요.") % {"n": MAX_ACTIVE_TOKENS},
            code="too_many_tokens",
        )
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=label, token_hash=hash_token(secret), prefix=secret[:10])
    return token, secret


MAX_ACTIVE_TOKENS = 10


def revoke_api_token(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of ``user``'s own tokens (someone else's is not found)."""
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise NotFound(_("토큰을 찾을 수 없습니다."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def user_for_api_token(secret: str) -> tuple[User, ApiToken] | None:
    """The active user and token behind a bearer secret, or None (unknown, revoked, inactive,
    or an official who no longer has two-factor sign-in)."""
    if not secret or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    if needs_two_factor(token.user) and not has_two_factor(token.user):
        return None
    now = timezone.now()
    # Recorded at most once a minute: a busy client does not write on every request.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token.user, token


# -- two-factor sign-in (TOTP) for officials ----------------------------------------------------


def needs_two_factor(user: Any) -> bool:
    """City and agency officials, admins and anyone who can open the Django admin."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_staff or user.is_superuser or roles_of(user).is_official)


def has_two_factor(user: User) -> bool:
    """True when ``user`` has a confirmed authenticator."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@transaction.atomic
def start_two_factor_enrolment(*, user: User) -> TOTPDevice:
    """A fresh, unconfirmed authenticator for ``user`` (replacing an earlier unconfirmed one)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=_("인증 앱"), confirmed=False)


def _clean_code(code: str) -> str:
    digits = normalize_identifier(code or "").replace(" ", "").replace("-", "")
    if not digits.isdigit() or len(digits) != 6:
        raise ValidationFailed(_("인증 앱에 표시된 6자리 숫자를 입력하세요."), field="code", code="invalid_code")
    return digits


@transaction.atomic
def confirm_two_factor_enrolment(*, user: User, device_id: int, code: str) -> TOTPDevice:
    """Confirm the authenticator being set up with a code it shows; older ones are retired."""
    digits = _clean_code(code)
    device = TOTPDevice.objects.select_for_update().filter(user=user, pk=device_id, confirmed=False).first()
    if device is None:
        raise ValidationFailed(_("설정 중인 인증 앱이 없습니다. 처음부터 다시 시작하세요."), code="no_enrolment")
    if not device.verify_token(digits):
        raise ValidationFailed(_("인증 번호가 맞지 않습니다. 앱의 최신 번호를 입력하세요."), field="code")
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device


def verify_two_factor(*, user: User, code: str) -> TOTPDevice | StaticDevice:
    """The confirmed authenticator that accepts ``code``, or the backup-code device when ``code``
    is one of the user's unused backup codes (replays and guessing are throttled by django-otp:
    each failure doubles the wait before the next try)."""
    backup = _backup_code_form(code)
    if backup is not None:
        return _use_backup_code(user=user, code=backup)
    digits = _clean_code(code)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        raise ValidationFailed(_("등록된 인증 앱이 없습니다."), code="no_device")
    allowed, _details = device.verify_is_allowed()
    if not allowed:
        raise ValidationFailed(_("인증 번호를 너무 많이 틀렸습니다. 잠시 뒤에 다시 시도하세요."), field="code")
    if not device.verify_token(digits):
        raise ValidationFailed(_("인증 번호가 맞지 않습니다. 앱의 최신 번호를 입력하세요."), field="code")
    return device


# Backup codes: for an official whose phone is lost or broken. Ten single-use codes, shown once;
# only a digest is stored, so reading the database does not give a way past the second factor.
BACKUP_CODE_COUNT = 10
_BACKUP_CODE_LENGTH = 10
_BACKUP_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: codes are typed from paper
_BACKUP_DEVICE_NAME = "backup-codes"


def _backup_digest(code: str) -> str:
    # StaticToken.token holds 16 characters: 64 bits of a SHA-256 over a 50-bit random code.
    return hashlib.sha256(code.encode("ascii")).hexdigest()[:16]


def _backup_code_form(raw: str) -> str | None:
    """``raw`` as a backup code (lower case, no spaces or hyphens), or None if it cannot be one."""
    code = normalize_identifier(raw or "").replace(" ", "").replace("-", "").lower()
    if len(code) == _BACKUP_CODE_LENGTH and not code.isdigit() and all(c in _BACKUP_ALPHABET for c in code):
        return code
    return None


@transaction.atomic
def issue_backup_codes(*, user: User) -> list[str]:
    """Ten new single-use backup codes for ``user`` (shown once); earlier codes stop working."""
    if not has_two_factor(user):
        raise Conflict(_("먼저 인증 앱을 설정하세요."), code="no_authenticator")
    device, _created = StaticDevice.objects.select_for_update().get_or_create(
        user=user, name=_BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [
        "".join(secrets.choice(_BACKUP_ALPHABET) for _i in range(_BACKUP_CODE_LENGTH))
        for _n in range(BACKUP_CODE_COUNT)
    ]
    device.token_set.bulk_create([device.token_set.model(device=device, token=_backup_digest(c)) for c in codes])
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def backup_codes_left(user: User) -> int:
    """How many unused backup codes ``user`` still has."""
    device = StaticDevice.objects.filter(user=user, name=_BACKUP_DEVICE_NAME).first()
    return device.token_set.count() if device else 0


def _use_backup_code(*, user: User, code: str) -> StaticDevice:
    # The failure is raised after the transaction commits, so django-otp's throttling counter
    # (written by verify_token) is kept rather than rolled back with the error.
    with transaction.atomic():
        device = (
            StaticDevice.objects.select_for_update().filter(user=user, name=_BACKUP_DEVICE_NAME, confirmed=True).first()
        )
        if device is None or not has_two_factor(user):
            raise ValidationFailed(_("발급받은 백업 코드가 없습니다."), field="code", code="no_backup_codes")
        allowed, _details = device.verify_is_allowed()
        # verify_token deletes the matching token, so each code works once (the row lock keeps two
        # simultaneous sign-ins from both using it).
        accepted = allowed and device.verify_token(_backup_digest(code))
    if not allowed:
        raise ValidationFailed(_("인증 번호를 너무 많이 틀렸습니다. 잠시 뒤에 다시 시도하세요."), field="code")
    if not accepted:
        raise ValidationFailed(_("백업 코드가 맞지 않거나 이미 사용했습니다."), field="code")
    return device


def pending_two_factor_device(*, user: User, device_id: int) -> TOTPDevice | None:
    """The authenticator ``user`` is setting up, if it is still unconfirmed."""
    return TOTPDevice.objects.filter(user=user, pk=device_id, confirmed=False).first()


def totp_secret_for_display(device: TOTPDevice) -> str:
    """The shared secret in base32 groups of four, for typing into an authenticator app."""
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
