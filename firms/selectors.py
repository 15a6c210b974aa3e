"""Reads about firms, associations, sectors and clusters."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from accounts.models import Membership, Role
from firms.models import Association, Cluster, Firm, Sector, SizeClass
from firms.stages import GrowthStage


def sectors_with_firm_counts() -> QuerySet[Sector]:
    return Sector.objects.annotate(firm_count=Count("firms", distinct=True)).order_by("ordering")


def sectors_for_ksic(code: str) -> list[Sector]:
    """Sectors whose KSIC prefixes cover a firm's industry code (a hint; AI cuts across sectors)."""
    code = (code or "").strip()
    if not code:
        return []
    return [s for s in Sector.objects.all() if any(code.startswith(p) for p in s.ksic_prefixes)]


def active_clusters() -> QuerySet[Cluster]:
    return Cluster.objects.filter(is_active=True).prefetch_related("sectors").order_by("name")


def _firms_with_profile() -> QuerySet[Firm]:
    return Firm.objects.select_related("cluster", "ksic").prefetch_related("sectors", "associations")


def firms_with_colleagues(*, firm_ids: frozenset[int], as_of: dt.date) -> list[Firm]:
    """The user's firms, each with its active members (colleagues) and its growth stage."""
    members = Membership.objects.filter(role=Role.FIRM_MEMBER, is_active=True).select_related("user")
    firms: list[Firm] = list(
        _firms_with_profile()
        .filter(pk__in=firm_ids)
        .prefetch_related(Prefetch("members", queryset=members, to_attr="active_members"))
    )
    for firm in firms:
        firm.stage = firm.growth_stage(as_of=as_of)  # type: ignore[attr-defined]
    return firms


@dataclass
class Breakdown:
    """Counts of firms by sector, size class and growth stage."""

    total: int = 0
    by_sector: list[tuple[str, int]] = field(default_factory=list)
    by_size: list[tuple[str, int]] = field(default_factory=list)
    by_stage: list[tuple[str, int]] = field(default_factory=list)
    by_cluster: list[tuple[str, int]] = field(default_factory=list)


def breakdown(firms: QuerySet[Firm], *, as_of: dt.date) -> Breakdown:
    """Counts a set of firms by sector, size, stage and cluster (a firm counts in each sector it has)."""
    rows = list(firms.prefetch_related("sectors").select_related("cluster"))
    sectors: Counter[str] = Counter()
    sizes: Counter[str] = Counter()
    stages: Counter[str] = Counter()
    clusters: Counter[str] = Counter()
    for firm in rows:
        for sector in firm.sectors.all():
            sectors[sector.name] += 1
        sizes[str(SizeClass(firm.size_class).label)] += 1
        stages[str(firm.growth_stage(as_of=as_of).label)] += 1
        clusters[firm.cluster.name if firm.cluster else "—"] += 1
    stage_order = [str(s.label) for s in GrowthStage]
    size_order = [str(s.label) for s in SizeClass]
    return Breakdown(
        total=len(rows),
        by_sector=sorted(sectors.items(), key=lambda kv: -kv[1]),
        by_size=[(label, sizes[label]) for label in size_order if sizes[label]],
        by_stage=[(label, stages[label]) for label in stage_order if stages[label]],
        by_cluster=sorted(clusters.items(), key=lambda kv: -kv[1]),
    )


def associations_with_members(*, association_ids: frozenset[int], as_of: dt.date) -> list[dict[str, Any]]:
    """For association staff: each association with its member firms and their breakdown."""
    result = []
    for association in Association.objects.filter(pk__in=association_ids).prefetch_related("sectors"):
        members = _firms_with_profile().filter(associationmembership__association=association)
        result.append(
            {"association": association, "members": list(members), "breakdown": breakdown(members, as_of=as_of)}
        )
    return result


def ecosystem_overview(*, as_of: dt.date) -> dict[str, Any]:
    """For city officials and admins: registered firms and associations, broken down."""
    return {
        "firms": breakdown(Firm.objects.all(), as_of=as_of),
        "association_count": Association.objects.count(),
        "cluster_count": Cluster.objects.filter(is_active=True).count(),
    }
