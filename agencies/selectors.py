"""Reads about agencies."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from accounts.models import Membership, Role
from agencies.models import Agency, AgencyAlias
from core.text import normalize_identifier


def active_agencies() -> QuerySet[Agency]:
    return Agency.objects.filter(is_active=True)


def agency_list(*, query: str = "", kind: str = "") -> QuerySet[Agency]:
    """Agencies matching a name or alias fragment, most statutes first."""
    agencies = active_agencies().prefetch_related("aliases")
    text = normalize_identifier(query)
    if text:
        agencies = agencies.filter(Q(name__icontains=text) | Q(aliases__name__icontains=text)).distinct()
    if kind:
        agencies = agencies.filter(kind=kind)
    return agencies.order_by("-statute_count", "name")


def agency_by_name(name: str) -> Agency | None:
    """Resolve a current name or any alias (former name, abbreviation) to an agency."""
    text = normalize_identifier(name)
    agency = Agency.objects.filter(name=text).first()
    if agency is None:
        alias = AgencyAlias.objects.select_related("agency").filter(name=text).first()
        agency = alias.agency if alias else None
    return agency


def agencies_with_officials(*, agency_ids: frozenset[int]) -> list[Agency]:
    officials = Membership.objects.filter(role=Role.AGENCY_OFFICIAL, is_active=True).select_related("user")
    return list(
        Agency.objects.filter(pk__in=agency_ids)
        .prefetch_related("aliases", Prefetch("officials", queryset=officials, to_attr="active_officials"))
        .select_related("parent")
    )
