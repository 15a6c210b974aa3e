"""Firms API: sectors, clusters, firm profiles, BRN check."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema
from ninja.security import django_auth
from pydantic import Field

from accounts.api import ErrorOut
from accounts.permissions import require
from firms import selectors
from firms.brn import InvalidBRN, format_brn, normalize_brn
from firms.models import Firm

router = Router(tags=["firms"])


class SectorOut(Schema):
    code: str
    name: str
    name_en: str
    firm_count: int


class ClusterOut(Schema):
    slug: str
    name: str
    theme: str
    districts: list[str]
    as_of: dt.date | None


class FirmOut(Schema):
    id: int
    name: str
    business_registration_number: str
    sectors: list[str]
    size_class: str
    founded_on: dt.date | None
    growth_stage: str
    cluster: str | None
    district: str


class BrnCheckIn(Schema):
    business_registration_number: str = Field(max_length=40)


class BrnCheckOut(Schema):
    valid: bool
    formatted: str | None = None
    message: str | None = None
    registered: bool = False


@router.get("/sectors", response=list[SectorOut], summary="산업 분야")
def sectors(request: HttpRequest) -> list[SectorOut]:
    return [
        SectorOut(code=s.code, name=s.name, name_en=s.name_en, firm_count=s.firm_count)  # type: ignore[attr-defined]
        for s in selectors.sectors_with_firm_counts()
    ]


@router.get("/clusters", response=list[ClusterOut], summary="혁신산업 클러스터")
def clusters(request: HttpRequest) -> list[ClusterOut]:
    return [
        ClusterOut(slug=c.slug, name=c.name, theme=c.theme, districts=c.districts, as_of=c.as_of)
        for c in selectors.active_clusters()
    ]


@router.post("/check-brn", response=BrnCheckOut, summary="사업자등록번호 검증")
def check_brn(request: HttpRequest, payload: BrnCheckIn) -> BrnCheckOut:
    """Validates the check digit; says whether the number is already registered only to signed-in users."""
    try:
        digits = normalize_brn(payload.business_registration_number)
    except InvalidBRN as exc:
        return BrnCheckOut(valid=False, message=str(exc))
    registered = request.user.is_authenticated and Firm.objects.filter(business_registration_number=digits).exists()
    return BrnCheckOut(valid=True, formatted=format_brn(digits), registered=registered)


@router.get("/{firm_id}", response={200: FirmOut, 401: ErrorOut, 404: ErrorOut}, auth=django_auth, summary="기업 정보")
def firm_detail(request: HttpRequest, firm_id: int) -> FirmOut:
    firm = get_object_or_404(Firm.objects.select_related("cluster").prefetch_related("sectors"), pk=firm_id)
    require(request.user, "firm.view", firm, hide=True)
    return FirmOut(
        id=firm.pk,
        name=firm.name,
        business_registration_number=firm.brn_display,
        sectors=[s.code for s in firm.sectors.all()],
        size_class=firm.size_class,
        founded_on=firm.founded_on,
        growth_stage=firm.growth_stage(as_of=timezone.localdate()),
        cluster=firm.cluster.slug if firm.cluster else None,
        district=firm.district,
    )
