"""Reads of the regulation knowledge base. Search goes through ``search_statutes`` and
``search_articles`` only, so the backend (FTS5 / tsvector today) can be replaced behind them."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from agencies.models import Agency
from agencies.selectors import agency_by_name
from firms.models import Sector
from regulations.models import (
    Article,
    CoreRegulation,
    SandboxPathway,
    SandboxProvision,
    SandboxTrack,
    Statute,
    StatuteKind,
)
from regulations.search import engine
from regulations.search.engine import SearchHit
from regulations.search.names import statute_by_name_or_alias, statutes_mentioned

__all__ = [
    "SearchHit",
    "article_by_number",
    "core_regulations_for_sector",
    "sandbox_tracks",
    "search_articles",
    "search_statutes",
    "statute_by_name_or_alias",
    "statute_detail",
    "statutes_mentioned",
]


def _agency_id(agency: Agency | str | int | None) -> int | None:
    if agency is None or agency == "":
        return None
    if isinstance(agency, Agency):
        return agency.pk
    if isinstance(agency, int):
        return agency
    found = Agency.objects.filter(code=agency).first() or agency_by_name(agency)
    return found.pk if found else -1  # an unknown agency matches nothing


def _sector_code(sector: Sector | str | None) -> str | None:
    if sector is None or sector == "":
        return None
    return sector.code if isinstance(sector, Sector) else str(sector)


def _kind(kind: str | None) -> str | None:
    return kind if kind in StatuteKind.values else None


def search_statutes(
    query: str,
    *,
    kind: str | None = None,
    agency: Agency | str | int | None = None,
    sector: Sector | str | None = None,
    limit: int = 20,
) -> list[SearchHit]:
    """Statutes matching ``query`` (name and alias matches first), with highlighted names."""
    return engine.search_statutes(
        query, kind=_kind(kind), agency_id=_agency_id(agency), sector=_sector_code(sector), limit=limit
    )


def search_articles(
    query: str,
    *,
    kind: str | None = None,
    agency: Agency | str | int | None = None,
    sector: Sector | str | None = None,
    statute: Statute | None = None,
    limit: int = 20,
) -> list[SearchHit]:
    """Articles matching ``query`` (a cited article such as 의료법 제33조 first), with snippets."""
    return engine.search_articles(
        query,
        kind=_kind(kind),
        agency_id=_agency_id(agency),
        sector=_sector_code(sector),
        statute=statute,
        limit=limit,
    )


def statute_detail(*, law_id: str) -> Statute | None:
    """A statute with what its passport page shows: agency, aliases, parent, decrees and rules."""
    return (
        Statute.objects.select_related("agency", "parent")
        .prefetch_related("aliases", "sectors", "children", "sandbox_tracks")
        .annotate(core_count=Count("core_regulations", distinct=True))
        .filter(pk=law_id)
        .first()
    )


def article_by_number(*, statute: Statute, number: str) -> Article | None:
    return Article.objects.filter(statute=statute, number=number).first()


def core_regulations_for_sector(*, sector: Sector) -> QuerySet[CoreRegulation]:
    """Published core regulations of a sector, most cited first."""
    return (
        CoreRegulation.objects.filter(sector=sector, is_published=True)
        .select_related("statute", "statute__agency", "article")
        .order_by("ordering", "-mentions", "statute__name")
    )


def core_regulations_for_statute(*, statute: Statute) -> QuerySet[CoreRegulation]:
    return CoreRegulation.objects.filter(statute=statute, is_published=True).select_related("sector", "article")


def sandbox_tracks() -> QuerySet[SandboxTrack]:
    """Tracks with their pathways' provisions (article, validity) for the advisor and pages."""
    provisions = SandboxProvision.objects.select_related("pathway", "article").order_by("pathway__ordering")
    return (
        SandboxTrack.objects.select_related("agency", "statute")
        .prefetch_related("sectors", Prefetch("provisions", queryset=provisions))
        .order_by("ordering")
    )


def sandbox_pathways() -> QuerySet[SandboxPathway]:
    return SandboxPathway.objects.order_by("ordering")


def sandbox_tracks_for_statute(*, statute: Statute) -> list[dict[str, Any]]:
    """Sandbox provisions that live in this statute (e.g. 정보통신융합법 제37조 임시허가)."""
    rows = SandboxProvision.objects.filter(track__statute=statute).select_related("track", "pathway", "article")
    return [{"track": p.track, "pathway": p.pathway, "provision": p} for p in rows]
