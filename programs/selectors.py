"""Reads: the catalog with Korean search and filters, firm profiles, matches, uptake, reach."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Count, F, Max, Q, QuerySet
from django.utils import timezone

from core.korean import content_morphemes
from firms.models import Firm, SeoulDistrict
from programs import matching
from programs.engine import CompiledPrograms
from programs.models import (
    HOLDING,
    OPEN_ENDED,
    ApplicationStatus,
    DemonstrationSite,
    ProgramApplication,
    ProgramNotice,
    SiteBooking,
    SupportProgram,
)
from programs.search import query_tokens

CLOSING_SOON_DAYS = 14


def open_programs(*, as_of: dt.date | None = None) -> QuerySet[SupportProgram]:
    """Programs open for application on ``as_of`` (not archived, announced, inside their period)."""
    day = as_of or timezone.localdate()
    return SupportProgram.objects.filter(
        Q(archived=False)
        & (Q(announced_on__isnull=True) | Q(announced_on__lte=day))
        & (Q(opens_on__isnull=True) | Q(opens_on__lte=day))
        & (Q(closes_on__gte=day) | Q(closes_on__isnull=True, period_kind__in=OPEN_ENDED))
    )


def program_list(
    *,
    query: str = "",
    sector: str = "",
    kind: str = "",
    stage: str = "",
    status: str = "",
    source: str = "",
    as_of: dt.date | None = None,
) -> QuerySet[SupportProgram]:
    """The catalog: every query morpheme must occur; filters narrow; open programs first."""
    day = as_of or timezone.localdate()
    programs = SupportProgram.objects.select_related("agency").prefetch_related("sectors")
    for token in query_tokens(query):
        programs = programs.filter(search_document__contains=f" {token} ")
    if sector:
        programs = programs.filter(Q(sectors__code=sector) | Q(sectors__isnull=True)).distinct()
    if kind:
        programs = programs.filter(kind=kind)
    if stage:
        # JSON icontains works on SQLite and PostgreSQL alike; stage is a validated code.
        programs = programs.filter(Q(stages__icontains=f'"{stage}"') | Q(stages=[]))
    if source:
        programs = programs.filter(source=source)
    if status in {"open", "closing"}:
        programs = programs.filter(pk__in=open_programs(as_of=day).values("pk"))
        if status == "closing":
            programs = programs.filter(closes_on__lte=day + dt.timedelta(days=CLOSING_SOON_DAYS))
    elif status == "closed":
        programs = programs.exclude(pk__in=open_programs(as_of=day).values("pk"))
    return programs.order_by(
        "archived", F("closes_on").asc(nulls_last=True), F("announced_on").desc(nulls_last=True), "pk"
    )


# -- matching ----------------------------------------------------------------------------------


def rule_for(program: SupportProgram) -> matching.ProgramRule:
    """The matcher's view of a program (sectors and clusters must be prefetched)."""
    return matching.ProgramRule(
        key=program.external_id,
        pk=program.pk,
        title=program.title,
        kind=program.kind,
        sectors=frozenset(s.code for s in program.sectors.all()),
        sectors_required=program.sectors_required,
        size_classes=frozenset(program.size_classes),
        stages=frozenset(program.stages),
        target_groups=frozenset(program.target_groups),
        regions=frozenset(program.regions),
        clusters=frozenset(c.slug for c in program.clusters.all()),
        ksic_ranges=tuple((int(lo), int(hi)) for lo, hi in program.ksic_ranges),
        min_age_years=program.min_age_years,
        min_age_strict=program.min_age_strict,
        max_age_years=program.max_age_years,
        max_age_strict=program.max_age_strict,
        allows_pre_founding=program.allows_pre_founding,
        announced_on=program.announced_on,
        period_kind=program.period_kind,
        opens_on=program.opens_on,
        closes_on=program.closes_on,
        archived=program.archived,
        tokens=frozenset(program.search_document.split()),
    )


def rules_for(programs: QuerySet[SupportProgram]) -> list[matching.ProgramRule]:
    """Rules for many programs: three queries, no model instances (thousands load in well under
    a second, where prefetched M2M managers cost milliseconds each)."""
    ids = programs.values("pk")
    sectors: dict[int, set[str]] = defaultdict(set)
    sector_links = SupportProgram.sectors.through.objects.filter(supportprogram_id__in=ids)
    for program_id, code in sector_links.values_list("supportprogram_id", "sector__code"):
        sectors[program_id].add(code)
    clusters: dict[int, set[str]] = defaultdict(set)
    cluster_links = SupportProgram.clusters.through.objects.filter(supportprogram_id__in=ids)
    for program_id, slug in cluster_links.values_list("supportprogram_id", "cluster__slug"):
        clusters[program_id].add(slug)
    fields = [
        *("id", "external_id", "title", "kind", "sectors_required", "size_classes", "stages", "target_groups"),
        *("regions", "ksic_ranges", "min_age_years", "min_age_strict", "max_age_years", "max_age_strict"),
        *("allows_pre_founding", "announced_on", "period_kind", "opens_on", "closes_on", "archived"),
        "search_document",
    ]
    rules = []
    for row in programs.order_by("pk").values(*fields):
        rules.append(
            matching.ProgramRule(
                key=row["external_id"],
                pk=row["id"],
                title=row["title"],
                kind=row["kind"],
                sectors=frozenset(sectors.get(row["id"], ())),
                sectors_required=row["sectors_required"],
                size_classes=frozenset(row["size_classes"]),
                stages=frozenset(row["stages"]),
                target_groups=frozenset(row["target_groups"]),
                regions=frozenset(row["regions"]),
                clusters=frozenset(clusters.get(row["id"], ())),
                ksic_ranges=tuple((int(lo), int(hi)) for lo, hi in row["ksic_ranges"]),
                min_age_years=row["min_age_years"],
                min_age_strict=row["min_age_strict"],
                max_age_years=row["max_age_years"],
                max_age_strict=row["max_age_strict"],
                allows_pre_founding=row["allows_pre_founding"],
                announced_on=row["announced_on"],
                period_kind=row["period_kind"],
                opens_on=row["opens_on"],
                closes_on=row["closes_on"],
                archived=row["archived"],
                tokens=frozenset(row["search_document"].split()),
            )
        )
    return rules


def firm_needs(firm: Firm) -> frozenset[str]:
    """Morphemes of the firm's open barriers, when the barriers app provides them.

    The barriers app is developed separately; this reads it only if its ``Barrier`` model has a
    ``firm`` and a text field, and otherwise contributes nothing.
    """
    try:
        barrier = apps.get_model("barriers", "Barrier")
    except LookupError:
        return frozenset()
    fields = {f.name for f in barrier._meta.get_fields()}
    text_fields = [f for f in ("title", "body", "description") if f in fields]
    if "firm" not in fields or not text_fields:
        return frozenset()
    rows = barrier.objects.filter(firm=firm)
    if "status" in fields:
        rows = rows.exclude(status__in=["draft", "closed", "withdrawn"])
    texts = [" ".join(str(v or "") for v in row) for row in rows.values_list(*text_fields)[:20]]
    return frozenset(content_morphemes(" ".join(texts)))


def profile_for(firm: Firm, *, needs: frozenset[str] | None = None) -> matching.FirmProfile:
    """The matcher's view of a firm registered in Haechi (its members are in Seoul unless told)."""
    region = None if firm.district == SeoulDistrict.OUTSIDE else "서울"
    return matching.FirmProfile(
        key=str(firm.pk),
        sectors=frozenset(s.code for s in firm.sectors.all()),
        size=firm.size_class,
        founded_on=firm.founded_on,
        region=region,
        cluster=firm.cluster.slug if firm.cluster else None,
        ksic=firm.ksic.code if firm.ksic else None,
        needs=firm_needs(firm) if needs is None else needs,
    )


_COMPILED_LOCK = threading.Lock()
_COMPILED: dict[tuple[Any, ...], CompiledPrograms] = {}


def compiled_open_programs(*, as_of: dt.date) -> CompiledPrograms:
    """The open programs compiled for the vectorised engine, cached per process until any program
    changes (one aggregate query decides; M2M edits go through a save that bumps updated_at)."""
    version = SupportProgram.objects.aggregate(n=Count("pk"), top=Max("pk"), last=Max("updated_at"))
    key = (as_of, version["n"], version["top"], version["last"])
    with _COMPILED_LOCK:
        found = _COMPILED.get(key)
    if found is not None:
        return found
    compiled = CompiledPrograms(rules_for(open_programs(as_of=as_of)))
    with _COMPILED_LOCK:
        _COMPILED.clear()
        _COMPILED[key] = compiled
    return compiled


def forget_compiled() -> None:
    """Drop the cached compiled programs (tests freeze time, so updated_at alone cannot tell)."""
    with _COMPILED_LOCK:
        _COMPILED.clear()


def programs_for_firm(*, firm: Firm, as_of: dt.date | None = None, top: int = 10) -> list[matching.Match]:
    """Programs for you: open programs the firm is eligible for, best fit first, with reasons."""
    day = as_of or timezone.localdate()
    firm = Firm.objects.select_related("cluster", "ksic").prefetch_related("sectors").get(pk=firm.pk)
    return compiled_open_programs(as_of=day).top(profile_for(firm), as_of=day, top=top)


def explain(
    *, firm: Firm, program: SupportProgram, as_of: dt.date | None = None, ignore_archive: bool = False
) -> matching.Match:
    """Why (not) this program for this firm."""
    day = as_of or timezone.localdate()
    firm = Firm.objects.select_related("cluster", "ksic").prefetch_related("sectors").get(pk=firm.pk)
    program = SupportProgram.objects.prefetch_related("sectors", "clusters").get(pk=program.pk)
    return matching.evaluate(profile_for(firm), rule_for(program), as_of=day, ignore_archive=ignore_archive)


def sites_for_firm(*, firm: Firm) -> list[DemonstrationSite]:
    """Active sites in the firm's sectors (or open to all), in its cluster first."""
    sector_ids = list(firm.sectors.values_list("pk", flat=True))
    sites = list(
        DemonstrationSite.objects.filter(is_active=True)
        .filter(Q(sectors__in=sector_ids) | Q(sectors__isnull=True))
        .distinct()
        .select_related("cluster")
        .prefetch_related("sectors")
    )
    sites.sort(key=lambda s: (s.cluster_id != firm.cluster_id, s.name))
    return sites


def unread_notices(*, firm: Firm) -> QuerySet[ProgramNotice]:
    return ProgramNotice.objects.filter(firm=firm, read_at__isnull=True).select_related("program")


def firm_profiles(firms: QuerySet[Firm]) -> dict[int, matching.FirmProfile]:
    """Matcher profiles for many firms with two queries (no per-firm M2M managers)."""
    sectors: dict[int, set[str]] = defaultdict(set)
    links = Firm.sectors.through.objects.filter(firm_id__in=firms.values("pk"))
    for firm_id, code in links.values_list("firm_id", "sector__code"):
        sectors[firm_id].add(code)
    rows = firms.values_list("pk", "size_class", "founded_on", "cluster__slug", "ksic__code", "district")
    return {
        pk: matching.FirmProfile(
            key=str(pk),
            sectors=frozenset(sectors.get(pk, ())),
            size=size,
            founded_on=founded,
            region=None if district == SeoulDistrict.OUTSIDE else "서울",
            cluster=cluster,
            ksic=ksic,
        )
        for pk, size, founded, cluster, ksic, district in rows.iterator(chunk_size=5000)
    }


def unreached_firms(*, program: SupportProgram, as_of: dt.date | None = None) -> list[tuple[Firm, matching.Match]]:
    """Eligible firms that neither applied nor were notified: whom the program has not reached."""
    day = as_of or timezone.localdate()
    (rule,) = rules_for(SupportProgram.objects.filter(pk=program.pk))
    reached = set(program.applications.values_list("firm_id", flat=True)) | set(
        program.notices.values_list("firm_id", flat=True)
    )
    eligible: dict[int, matching.Match] = {}
    for pk, profile in firm_profiles(Firm.objects.exclude(pk__in=reached)).items():
        match = matching.evaluate(profile, rule, as_of=day, ignore_archive=True)
        if match.eligible:
            eligible[pk] = match
    firms = Firm.objects.in_bulk(list(eligible))
    out = [(firms[pk], match) for pk, match in eligible.items()]
    out.sort(key=lambda pair: (-pair[1].score, pair[0].name))
    return out


# -- uptake ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UptakeRow:
    label: str
    applied: int
    selected: int
    completed: int


def uptake(*, program: SupportProgram | None = None, by: str = "program") -> list[UptakeRow]:
    """Applications, selections and completions per program, sector, size, stage or cluster."""
    live = ProgramApplication.objects.exclude(status=ApplicationStatus.WITHDRAWN)
    if program is not None:
        live = live.filter(program=program)
    selected_states = [ApplicationStatus.SELECTED, ApplicationStatus.COMPLETED]
    if by == "program":
        rows = (
            live.values("program__title")
            .annotate(
                applied=Count("pk"),
                selected=Count("pk", filter=Q(status__in=selected_states)),
                completed=Count("pk", filter=Q(status=ApplicationStatus.COMPLETED)),
            )
            .order_by("-applied", "program__title")
        )
        return [UptakeRow(r["program__title"], r["applied"], r["selected"], r["completed"]) for r in rows]
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    today = timezone.localdate()
    apps_qs = live.select_related("firm__cluster").prefetch_related("firm__sectors")
    for application in apps_qs:
        firm = application.firm
        if by == "sector":
            labels = [s.name for s in firm.sectors.all()] or ["미지정"]
        elif by == "size":
            labels = [str(firm.get_size_class_display())]
        elif by == "stage":
            labels = [str(firm.growth_stage(as_of=application.applied_on or today).label)]
        elif by == "cluster":
            labels = [firm.cluster.name if firm.cluster else "클러스터 밖"]
        else:
            raise ValueError(by)
        for label in labels:
            counts[label]["applied"] += 1
            counts[label]["selected"] += application.status in selected_states
            counts[label]["completed"] += application.status == ApplicationStatus.COMPLETED
    return [
        UptakeRow(label, c["applied"], c["selected"], c["completed"])
        for label, c in sorted(counts.items(), key=lambda kv: (-kv[1]["applied"], kv[0]))
    ]


# -- sites -------------------------------------------------------------------------------------


def site_bookings(*, site: DemonstrationSite, start: dt.datetime, end: dt.datetime) -> QuerySet[SiteBooking]:
    """Bookings that hold slots in [start, end) (requested or approved)."""
    return (
        SiteBooking.objects.filter(site=site, status__in=HOLDING, starts_at__lt=end, ends_at__gt=start)
        .select_related("firm")
        .order_by("starts_at")
    )


def bookings_for_firm(*, firm_ids: Any) -> QuerySet[SiteBooking]:
    return SiteBooking.objects.filter(firm_id__in=firm_ids).select_related("site", "firm").order_by("-starts_at")
