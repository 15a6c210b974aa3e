"""Writes for firms and associations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import require
from core.errors import Conflict, ValidationFailed
from core.text import clean_name
from firms.brn import InvalidBRN, normalize_brn
from firms.models import Association, AssociationMembership, Cluster, Firm, KsicCode, Sector, SizeClass


def clean_firm_name(raw: str) -> str:
    """A firm name in one canonical form; refuses names that are blank once invisibles are gone."""
    return clean_name(
        raw,
        field="name",
        max_length=120,
        blank_message=_("기업명을 입력하세요."),
        too_long_message=_("기업명은 120자 이내로 입력하세요."),
    )


def _sectors(codes: Iterable[str]) -> list[Sector]:
    wanted = sorted(set(codes))
    sectors = list(Sector.objects.filter(code__in=wanted))
    if not sectors or len(sectors) != len(wanted):
        raise ValidationFailed(_("산업 분야를 하나 이상 올바르게 선택하세요."), field="sectors")
    return sectors


def _check_size_class(size_class: str) -> None:
    if size_class not in SizeClass.values:
        raise ValidationFailed(_("기업 규모를 선택하세요."), field="size_class")


def clean_brn(raw: str) -> str:
    try:
        return normalize_brn(raw)
    except InvalidBRN as exc:
        raise ValidationFailed(str(exc), field="business_registration_number", code="invalid_brn") from exc


@transaction.atomic
def register_firm(
    *,
    name: str,
    business_registration_number: str,
    sector_codes: Iterable[str],
    size_class: str = SizeClass.SMALL,
    founded_on: dt.date | None = None,
    district: str = "",
    cluster: Cluster | None = None,
) -> Firm:
    """Register a firm under its 사업자등록번호; one firm per number."""
    clean_name = clean_firm_name(name)
    brn = clean_brn(business_registration_number)
    _check_size_class(size_class)
    sectors = _sectors(sector_codes)
    # The row lock on the unique index decides races; this check gives the friendly message.
    if Firm.objects.filter(business_registration_number=brn).exists():
        raise Conflict(
            _("이미 등록된 사업자등록번호입니다. 이 기업의 기존 회원에게 초대를 요청하세요."),
            field="business_registration_number",
            code="duplicate_brn",
        )
    firm = Firm(
        name=clean_name,
        business_registration_number=brn,
        size_class=size_class,
        founded_on=founded_on,
        district=district,
        cluster=cluster,
    )
    firm.full_clean(exclude=["sectors"])
    firm.save()
    firm.sectors.set(sectors)
    return firm


@transaction.atomic
def join_association(*, firm: Firm, association: Association, joined_on: dt.date | None = None) -> None:
    """Record that a firm is a member of an association (idempotent)."""
    AssociationMembership.objects.get_or_create(
        firm=firm, association=association, defaults={"joined_on": joined_on or timezone.localdate()}
    )


@transaction.atomic
def update_firm_profile(
    *,
    firm: Firm,
    actor: Any,
    name: str,
    sector_codes: Iterable[str],
    size_class: str,
    founded_on: dt.date | None,
    district: str,
    cluster: Cluster | None,
    ksic: KsicCode | None,
) -> Firm:
    """A member edits the firm's profile; the 사업자등록번호 never changes here (it is the identity)."""
    require(actor, "firm.edit", firm)
    firm = Firm.objects.select_for_update().get(pk=firm.pk)
    _check_size_class(size_class)
    sectors = _sectors(sector_codes)
    firm.name = clean_firm_name(name)
    firm.size_class = size_class
    firm.founded_on = founded_on
    firm.district = district
    firm.cluster = cluster
    firm.ksic = ksic
    firm.full_clean(exclude=["sectors", "business_registration_number"])
    firm.save()
    firm.sectors.set(sectors)
    return firm
