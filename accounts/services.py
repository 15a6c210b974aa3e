"""Writes for people: sign-up, invitations, preferences."""

from __future__ import annotations

import datetime as dt
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

from accounts.models import Invitation, Language, Membership, Role, User, hash_token
from accounts.permissions import can
from accounts.roles import forget_roles, roles_of
from agencies.models import Agency
from core.errors import Conflict, NotPermitted, ValidationFailed
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
) -> User:
    """Create a firm member's account together with the firm it acts for (nothing half-saved)."""
    clean = clean_email(email)
    if User.objects.filter(email__iexact=clean).exists():
        raise Conflict(
            _("이미 가입된 이메일입니다. 로그인하거나 비밀번호를 재설정하세요."), field="email", code="duplicate_email"
        )
    user = User(email=clean, name=clean_person_name(name), preferred_language=preferred_language)
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
