"""JSON API for the routing app (mounted at /api/routing by haechi/api.py): a barrier's routing
proposal (city), one-click acceptance, and recurring regulations (public form for the public)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.security import django_auth

from accounts.api import ErrorOut
from accounts.permissions import require
from barriers import selectors as barrier_selectors
from core.errors import NotFound
from routing import selectors, services
from routing.models import RecurringRegulation, RecurringStatus

router = Router(tags=["routing"])

ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class SuggestionOut(Schema):
    barrier_id: int
    sector: str
    sector_scores: dict[str, float]
    agencies: list[dict[str, Any]]
    statutes: list[dict[str, Any]]
    articles: list[str]
    model_version: str
    status: str


class AcceptIn(Schema):
    version: int | None = None


class TriagedOut(Schema):
    barrier_id: int
    status: str
    sector: str
    lead_agency: str


class RecurringOut(Schema):
    id: int
    title: str
    confirmed: bool
    sectors: list[str]
    agencies: list[str]
    statutes: list[str]
    member_count: int
    firm_count: int
    days_unresolved: int
    answer_state: str
    harm_score: float


class RecurringFilterIn(Schema):
    sector: str = ""
    agency_id: int | None = None


@router.get("/barriers/{barrier_id}/suggestion", response={200: SuggestionOut, **ERRORS}, auth=django_auth)
def suggestion(request: HttpRequest, barrier_id: int) -> dict[str, Any]:
    """The latest routing proposal for a barrier (city officials)."""
    barrier = barrier_selectors.barrier_for_user(request.user, barrier_id)
    require(request.user, "routing.view_suggestion", barrier)
    found = selectors.suggestion_for(barrier=barrier)
    if found is None:
        raise NotFound("아직 라우팅 제안이 없습니다.")
    return {
        "barrier_id": barrier.pk,
        "sector": found.sector,
        "sector_scores": found.sector_scores,
        "agencies": found.agencies,
        "statutes": found.statutes,
        "articles": found.articles,
        "model_version": found.model_version,
        "status": found.status,
    }


@router.post("/barriers/{barrier_id}/accept", response={200: TriagedOut, **ERRORS}, auth=django_auth)
def accept(request: HttpRequest, barrier_id: int, payload: AcceptIn) -> dict[str, Any]:
    """Triage with the proposed sector and lead agency."""
    barrier = services.accept_suggestion(barrier_id=barrier_id, actor=request.user, expected_version=payload.version)
    sector = barrier.sectors.first()
    return {
        "barrier_id": barrier.pk,
        "status": barrier.status,
        "sector": sector.code if sector else "",
        "lead_agency": barrier.lead_agency.name if barrier.lead_agency else "",
    }


def _out(regulation: RecurringRegulation, *, internal: bool) -> dict[str, Any]:
    confirmed = regulation.status == RecurringStatus.CONFIRMED
    base = {
        "id": regulation.pk,
        "confirmed": confirmed,
        "sectors": [s.code for s in regulation.sectors.all()],
        "agencies": [a.name for a in regulation.agencies.all()],
    }
    if internal:
        return base | {
            "title": regulation.statement,
            "statutes": regulation.statutes,
            "member_count": regulation.member_count,
            "firm_count": regulation.firm_count,
            "days_unresolved": regulation.days_unresolved,
            "answer_state": regulation.answer_state,
            "harm_score": regulation.harm_score,
        }
    return base | {
        "title": regulation.statement if confirmed else regulation.public_title,
        "statutes": selectors.public_statutes(regulation),
        "member_count": regulation.public_member_count,
        "firm_count": regulation.public_firm_count,
        "days_unresolved": regulation.public_days_unresolved,
        "answer_state": regulation.public_answer_state,
        "harm_score": regulation.public_harm_score,
    }


@router.get("/recurring", response={200: list[RecurringOut], **ERRORS})
def recurring(request: HttpRequest, filters: Query[RecurringFilterIn]) -> list[dict[str, Any]]:
    """Recurring regulations ranked by harm (the public sees public barriers only); first 100."""
    services.refresh_stale_recurring()
    qs = selectors.recurring_list(
        user=request.user, filters=selectors.RecurringFilter(sector=filters.sector, agency_id=filters.agency_id)
    )
    internal = selectors.sees_internal(request.user)
    return [_out(r, internal=internal) for r in qs[:100]]


@router.get("/recurring/{regulation_id}", response={200: RecurringOut, **ERRORS})
def recurring_detail(request: HttpRequest, regulation_id: int) -> dict[str, Any]:
    regulation = selectors.recurring_for_user(user=request.user, regulation_id=regulation_id)
    if regulation.status == RecurringStatus.MERGED and regulation.merged_into_id:
        regulation = selectors.recurring_for_user(user=request.user, regulation_id=regulation.merged_into_id)
    return _out(regulation, internal=selectors.sees_internal(request.user))
