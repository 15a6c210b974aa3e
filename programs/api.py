"""JSON API for the programs app (mounted at /api/programs by haechi/api.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.security import django_auth
from pydantic import Field, field_validator

from accounts.api import ErrorOut
from accounts.permissions import require
from core.text import normalize_text
from firms.models import Firm
from firms.stages import GrowthStage
from programs import bookings, selectors, services
from programs.ical import site_calendar
from programs.matching import Match
from programs.models import (
    ApplicationStatus,
    DemonstrationSite,
    ProgramApplication,
    ProgramKind,
    ProgramSource,
    SiteBooking,
    SupportProgram,
)

router = Router(tags=["programs"])
ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL 문자는 쓸 수 없습니다.")
    return normalize_text(value)


class ProgramFilter(Schema):
    q: str = Field("", max_length=100)
    sector: str = Field("", max_length=20)
    kind: str = Field("", max_length=20)
    stage: str = Field("", max_length=10)
    status: Literal["", "open", "closing", "closed"] = ""
    source: str = Field("", max_length=10)
    page: int = Field(1, ge=1, le=100_000)
    limit: int = Field(20, ge=1, le=100)

    _clean = field_validator("q", "sector")(_no_nul)

    @field_validator("kind", "stage", "source")
    @classmethod
    def _known(cls, value: str, info: Any) -> str:
        allowed = {"kind": ProgramKind.values, "stage": GrowthStage.values, "source": ProgramSource.values}
        if value and value not in allowed[info.field_name]:
            raise ValueError("알 수 없는 값입니다.")
        return value


class ProgramOut(Schema):
    id: int
    external_id: str
    source: str
    title: str
    kind: str
    operator: str
    agency: str
    sectors: list[str]
    size_classes: list[str]
    stages: list[str]
    regions: list[str]
    min_age_years: int | None
    max_age_years: int | None
    period_kind: str
    period_text: str
    opens_on: dt.date | None
    closes_on: dt.date | None
    is_open: bool
    is_demo: bool
    url: str


class ProgramPage(Schema):
    count: int
    page: int
    results: list[ProgramOut]


class MatchOut(Schema):
    program_id: int | None
    program: str
    title: str
    eligible: bool
    score: int
    reasons: list[str]
    why_not: list[str]


class ApplyIn(Schema):
    firm_id: int
    made_elsewhere: bool = False
    applied_on: dt.date | None = None
    note: str = Field("", max_length=2000)

    _clean = field_validator("note")(_no_nul)


class ApplicationOut(Schema):
    id: int
    program_id: int
    firm_id: int
    status: str
    applied_on: dt.date
    made_elsewhere: bool


class DecisionIn(Schema):
    status: Literal["selected", "not_selected", "completed"]
    note: str = Field("", max_length=2000)

    _clean = field_validator("note")(_no_nul)


class NoteIn(Schema):
    note: str = Field("", max_length=2000)

    _clean = field_validator("note")(_no_nul)


class SiteOut(Schema):
    id: int
    name: str
    kind: str
    operator: str
    address: str
    cluster: str | None
    sectors: list[str]
    capacity: int
    slot_minutes: int
    opens_at: dt.time
    closes_at: dt.time
    sandbox_case: str
    is_demo: bool


class BookingIn(Schema):
    firm_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    participants: int = Field(1, ge=1, le=10_000)
    purpose: str = Field(..., min_length=1, max_length=2000)

    _clean = field_validator("purpose")(_no_nul)


class BookingOut(Schema):
    id: int
    site_id: int
    firm_id: int | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str


class UptakeOut(Schema):
    label: str
    applied: int
    selected: int
    completed: int


def program_out(p: SupportProgram) -> ProgramOut:
    return ProgramOut(
        id=p.pk,
        external_id=p.external_id,
        source=p.source,
        title=p.title,
        kind=p.kind,
        operator=p.operator,
        agency=p.agency.name if p.agency else p.agency_name,
        sectors=[s.code for s in p.sectors.all()],
        size_classes=p.size_classes,
        stages=p.stages,
        regions=p.regions,
        min_age_years=p.min_age_years,
        max_age_years=p.max_age_years,
        period_kind=p.period_kind,
        period_text=p.period_text,
        opens_on=p.opens_on,
        closes_on=p.closes_on,
        is_open=p.is_open(),
        is_demo=p.is_demo,
        url=p.url,
    )


def match_out(m: Match) -> MatchOut:
    return MatchOut(
        program_id=m.rule.pk,
        program=m.rule.key,
        title=m.rule.title,
        eligible=m.eligible,
        score=m.score,
        reasons=m.reasons,
        why_not=m.why_not,
    )


def booking_out(b: SiteBooking, *, show_firm: bool = True) -> BookingOut:
    return BookingOut(
        id=b.pk,
        site_id=b.site_id,
        firm_id=b.firm_id if show_firm else None,
        starts_at=b.starts_at,
        ends_at=b.ends_at,
        status=b.status,
    )


def application_out(a: ProgramApplication) -> ApplicationOut:
    return ApplicationOut(
        id=a.pk,
        program_id=a.program_id,
        firm_id=a.firm_id,
        status=a.status,
        applied_on=a.applied_on,
        made_elsewhere=a.made_elsewhere,
    )


@router.get("/", response={200: ProgramPage, 400: ErrorOut}, summary="지원사업 목록(검색·필터)")
def program_list(request: HttpRequest, filters: Query[ProgramFilter]) -> ProgramPage:
    programs = selectors.program_list(
        query=filters.q,
        sector=filters.sector,
        kind=filters.kind,
        stage=filters.stage,
        status=filters.status,
        source=filters.source,
    )
    start = (filters.page - 1) * filters.limit
    rows = list(programs[start : start + filters.limit])
    return ProgramPage(count=programs.count(), page=filters.page, results=[program_out(p) for p in rows])


@router.get("/sites", response=list[SiteOut], summary="실증 장소 목록")
def site_list(request: HttpRequest) -> list[SiteOut]:
    sites = DemonstrationSite.objects.filter(is_active=True).select_related("cluster").prefetch_related("sectors")
    return [
        SiteOut(
            id=s.pk,
            name=s.name,
            kind=s.kind,
            operator=s.operator_name,
            address=s.address,
            cluster=s.cluster.slug if s.cluster else None,
            sectors=[x.code for x in s.sectors.all()],
            capacity=s.capacity,
            slot_minutes=s.slot_minutes,
            opens_at=s.opens_at,
            closes_at=s.closes_at,
            sandbox_case=s.sandbox_case,
            is_demo=s.is_demo,
        )
        for s in sites
    ]


@router.get("/sites/{site_id}/bookings", response={200: list[BookingOut], 400: ErrorOut}, summary="장소 예약 현황")
def site_bookings(request: HttpRequest, site_id: int, start: dt.date, days: int = Query(7, ge=1, le=62)) -> Any:
    """Busy times are public; which firm booked is shown only to those who may see the booking."""
    site = get_object_or_404(DemonstrationSite, pk=site_id, is_active=True)
    begin = timezone.make_aware(dt.datetime.combine(start, dt.time(0)))
    rows = selectors.site_bookings(site=site, start=begin, end=begin + dt.timedelta(days=days))
    from accounts.permissions import can

    return [booking_out(b, show_firm=can(request.user, "booking.view", b)) for b in rows]


@router.get("/sites/{site_id}/calendar.ics", summary="장소 예약 iCalendar 피드")
def site_ics(request: HttpRequest, site_id: int) -> HttpResponse:
    site = get_object_or_404(DemonstrationSite, pk=site_id, is_active=True)
    response = HttpResponse(site_calendar(site), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="site-{site.pk}.ics"'
    return response


@router.post(
    "/sites/{site_id}/bookings", response={201: BookingOut, **ERRORS}, auth=django_auth, summary="장소 예약 요청"
)
def request_booking(request: HttpRequest, site_id: int, payload: BookingIn) -> Status:
    firm = get_object_or_404(Firm, pk=payload.firm_id)
    booking = bookings.request_booking(
        site_id=site_id,
        firm=firm,
        actor=request.user,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        participants=payload.participants,
        purpose=payload.purpose,
    )
    return Status(201, booking_out(booking))


@router.post("/bookings/{booking_id}/{action}", response={200: BookingOut, **ERRORS}, auth=django_auth)
def booking_action(
    request: HttpRequest, booking_id: int, action: Literal["approve", "reject", "cancel"], payload: NoteIn
) -> BookingOut:
    """Approve or reject (the operator or a city official); cancel (the firm or the operator)."""
    handler = {
        "approve": bookings.approve_booking,
        "reject": bookings.reject_booking,
        "cancel": bookings.cancel_booking,
    }[action]
    return booking_out(handler(booking_id=booking_id, actor=request.user, note=payload.note))


@router.get("/uptake", response={200: list[UptakeOut], **ERRORS}, auth=django_auth, summary="신청·선정·수행 통계")
def uptake(
    request: HttpRequest, by: Literal["program", "sector", "size", "stage", "cluster"] = "program"
) -> list[UptakeOut]:
    require(request.user, "program.manage")
    return [UptakeOut(**row.__dict__) for row in selectors.uptake(by=by)]


@router.get("/for-firm/{firm_id}", response={200: list[MatchOut], **ERRORS}, auth=django_auth, summary="맞춤 지원사업")
def for_firm(request: HttpRequest, firm_id: int, top: int = Query(10, ge=1, le=100)) -> list[MatchOut]:
    firm = get_object_or_404(Firm, pk=firm_id)
    require(request.user, "program.view_matches", firm, hide=True)
    return [match_out(m) for m in selectors.programs_for_firm(firm=firm, top=top)]


@router.post("/applications/{application_id}/decision", response={200: ApplicationOut, **ERRORS}, auth=django_auth)
def decide(request: HttpRequest, application_id: int, payload: DecisionIn) -> ApplicationOut:
    application = services.decide_application(
        application_id=application_id,
        to_status=ApplicationStatus(payload.status),
        actor=request.user,
        note=payload.note,
    )
    return application_out(application)


@router.post("/applications/{application_id}/withdraw", response={200: ApplicationOut, **ERRORS}, auth=django_auth)
def withdraw(request: HttpRequest, application_id: int, payload: NoteIn) -> ApplicationOut:
    return application_out(
        services.withdraw_application(application_id=application_id, actor=request.user, note=payload.note)
    )


@router.get("/{program_id}", response={200: ProgramOut, 404: ErrorOut}, summary="지원사업 상세")
def program_detail(request: HttpRequest, program_id: int) -> ProgramOut:
    program = get_object_or_404(SupportProgram.objects.select_related("agency"), pk=program_id)
    return program_out(program)


@router.get("/{program_id}/explain", response={200: MatchOut, **ERRORS}, auth=django_auth, summary="자격 설명")
def explain(request: HttpRequest, program_id: int, firm_id: int) -> MatchOut:
    firm = get_object_or_404(Firm, pk=firm_id)
    require(request.user, "program.view_matches", firm, hide=True)
    program = get_object_or_404(SupportProgram, pk=program_id)
    return match_out(selectors.explain(firm=firm, program=program))


@router.post(
    "/{program_id}/applications", response={201: ApplicationOut, **ERRORS}, auth=django_auth, summary="지원사업 신청"
)
def apply(request: HttpRequest, program_id: int, payload: ApplyIn) -> Status:
    firm = get_object_or_404(Firm, pk=payload.firm_id)
    application = services.apply_to_program(
        program_id=program_id,
        firm=firm,
        actor=request.user,
        made_elsewhere=payload.made_elsewhere,
        applied_on=payload.applied_on,
        note=payload.note,
    )
    return Status(201, application_out(application))
