"""Agencies API: the public directory of competent bodies."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from pydantic import Field

from accounts.api import ErrorOut
from agencies import selectors
from agencies.models import Agency, AgencyKind

router = Router(tags=["agencies"])


class AgencyOut(Schema):
    code: str
    name: str
    name_en: str
    kind: str
    parent: str | None
    aliases: list[str]
    statute_count: int


class AgencyFilter(Schema):
    q: str = Field("", max_length=100)
    kind: AgencyKind | None = None
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=100_000)


def _out(agency: Agency) -> AgencyOut:
    return AgencyOut(
        code=agency.code,
        name=agency.name,
        name_en=agency.name_en,
        kind=agency.kind,
        parent=agency.parent.code if agency.parent else None,
        aliases=[a.name for a in agency.aliases.all()],
        statute_count=agency.statute_count,
    )


@router.get("/", response=list[AgencyOut], summary="소관기관 목록")
def agency_list(request: HttpRequest, filters: Query[AgencyFilter]) -> list[AgencyOut]:
    agencies = selectors.agency_list(query=filters.q, kind=filters.kind or "").select_related("parent")
    return [_out(a) for a in agencies[filters.offset : filters.offset + filters.limit]]


@router.get("/{code}", response={200: AgencyOut, 404: ErrorOut}, summary="소관기관")
def agency_detail(request: HttpRequest, code: str) -> AgencyOut:
    agency = get_object_or_404(Agency.objects.select_related("parent").prefetch_related("aliases"), code=code)
    return _out(agency)
