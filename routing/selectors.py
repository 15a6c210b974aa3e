"""Read side of routing: proposals, recurring regulations in their public and internal forms,
and the confirmed decisions that retraining learns from.

Public views count and show public barriers only (a status the public register shows and a
privacy choice other than 비공개); firm names never appear in recurring-regulation pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from accounts.permissions import can
from barriers.models import Barrier, Privacy
from barriers.selectors import barriers_for_user
from barriers.transitions import PUBLIC
from core.errors import NotFound
from routing.models import RecurringRegulation, RecurringStatus, RoutingDecision, RoutingSuggestion


def is_public_barrier(barrier: Barrier) -> bool:
    """Shown in the public register: a public status and not kept private by the filer."""
    return barrier.status in PUBLIC and barrier.privacy != Privacy.PRIVATE


def public_barrier_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}status__in": PUBLIC}) & ~Q(**{f"{prefix}privacy": Privacy.PRIVATE})


def sees_internal(user: Any) -> bool:
    return can(user, "recurring.view_internal")


def suggestion_for(*, barrier: Barrier) -> RoutingSuggestion | None:
    return RoutingSuggestion.objects.filter(barrier=barrier).first()


@dataclass(frozen=True)
class RecurringFilter:
    sector: str = ""
    agency_id: int | None = None
    statute: str = ""
    include_single: bool = False  # candidates with one member (officials only)


def recurring_list(*, user: Any, filters: RecurringFilter = RecurringFilter()) -> QuerySet[RecurringRegulation]:
    """Recurring regulations ranked by harm: officials by every member, the public by public
    members only (regulations without a public member are not shown to the public at all)."""
    qs = RecurringRegulation.objects.exclude(status=RecurringStatus.MERGED)
    if sees_internal(user):
        if not filters.include_single:
            qs = qs.filter(Q(status=RecurringStatus.CONFIRMED) | Q(member_count__gte=2))
        ordering = ["-harm_score", "pk"]
    else:
        qs = qs.filter(public_member_count__gte=1).filter(
            Q(status=RecurringStatus.CONFIRMED) | Q(public_member_count__gte=2)
        )
        ordering = ["-public_harm_score", "pk"]
    if filters.sector:
        qs = qs.filter(sectors__code=filters.sector)
    if filters.agency_id:
        qs = qs.filter(agencies__pk=filters.agency_id)
    if filters.statute:
        qs = qs.filter(statute_names__contains=filters.statute)
    return qs.prefetch_related("sectors", "agencies").distinct().order_by(*ordering)


def recurring_for_user(*, user: Any, regulation_id: int) -> RecurringRegulation:
    """The regulation if ``user`` may see it (a merged one is returned so the view can redirect)."""
    regulation = RecurringRegulation.objects.prefetch_related("sectors", "agencies").filter(pk=regulation_id).first()
    if regulation is None:
        raise NotFound("본질적 규제를 찾을 수 없습니다.")
    if regulation.status != RecurringStatus.MERGED and not sees_internal(user) and regulation.public_member_count < 1:
        raise NotFound("본질적 규제를 찾을 수 없습니다.")
    return regulation


def members_for(*, user: Any, regulation: RecurringRegulation) -> QuerySet[Barrier]:
    """Member barriers ``user`` may see: officials what their role shows, the public the public ones."""
    members = Barrier.objects.filter(recurring_membership__regulation=regulation)
    if sees_internal(user):
        visible = barriers_for_user(user).filter(pk__in=members.values("pk"))
    else:
        visible = members.filter(public_barrier_q())
    return visible.select_related("lead_agency", "routing_suggestion").order_by("submitted_at", "pk")


def public_statutes(regulation: RecurringRegulation) -> list[str]:
    """Statutes proposed for the regulation's public members only (nothing drawn from private text)."""
    names: list[str] = []
    members = Barrier.objects.filter(recurring_membership__regulation=regulation).filter(public_barrier_q())
    for suggestion in RoutingSuggestion.objects.filter(barrier__in=members):
        for s in suggestion.statutes[:2]:
            if s["name"] not in names:
                names.append(s["name"])
    return names[:5]


def recurring_for_statute(*, user: Any, statute_name: str, limit: int = 10) -> list[RecurringRegulation]:
    """Recurring regulations about a statute (for the regulation passport)."""
    return list(recurring_list(user=user, filters=RecurringFilter(statute=statute_name))[:limit])


def confirmed_decisions() -> QuerySet[RoutingDecision]:
    """The latest decision per barrier that officials confirmed (training signal for retraining)."""
    latest: dict[int, int] = {}
    for pk, barrier_id in RoutingDecision.objects.order_by("created_at", "pk").values_list("pk", "barrier_id"):
        latest[barrier_id] = pk
    return (
        RoutingDecision.objects.filter(pk__in=latest.values())
        .exclude(barrier__status__in=["draft", "withdrawn"])
        .select_related("barrier", "lead_agency")
        .order_by("pk")
    )
