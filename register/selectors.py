"""Read side of the register: the one public queryset every page, feed and export starts from.

``public_publications`` is the only door: a publication that is not withdrawn, of a barrier whose
filer allowed publication, that was triaged and has not left the register's states since (a
filer who withdraws the barrier takes it out). List, search, counts, feeds and CSV all filter
*that* queryset further, so nothing outside it can leak through any of them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import F, Prefetch, Q, QuerySet, Value
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from agencies.models import Agency
from barriers import deadlines
from barriers.models import (
    AnswerOutcome,
    Barrier,
    BarrierAnswer,
    BarrierStatus,
    ClockStep,
    OutcomeMilestone,
    Privacy,
)
from barriers.sector_table import sectors_by_code
from barriers.selectors import overdue_days
from barriers.transitions import ALLOWED, OPEN
from core.anonymity import Cell, Level, disclosable_profile, population_counts
from core.business_days import SEOUL
from core.errors import NotFound
from core.reference_tables import ReferenceTable
from firms.models import Firm, Sector, SizeClass
from register import search
from register.models import Publication

S = BarrierStatus


def _reachable_from(start: str) -> frozenset[str]:
    seen = {start}
    todo = [start]
    while todo:
        for nxt in ALLOWED[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return frozenset(seen)


# Triaged or any later state, except a filer's withdrawal (derived from the workflow table).
REGISTER_STATES: frozenset[str] = _reachable_from(S.TRIAGED) - {S.WITHDRAWN}
PUBLIC_PRIVACY: frozenset[str] = frozenset({Privacy.PUBLIC_NAMED, Privacy.PUBLIC_ANONYMOUS})
# Steps whose clock a public body runs: overdue there is an answer (or decision) not yet given.
# The filer's own steps (information, reaction) are never flagged in public.
OWED_STEPS: frozenset[str] = frozenset(
    {ClockStep.TRIAGE, ClockStep.AGENCY_ANSWER, ClockStep.SECOND_ANSWER, ClockStep.ESCALATION}
)
PAGE_SIZE = 20


def publishable_q(prefix: str = "") -> Q:
    """The barrier conditions for being in the register (``prefix`` e.g. ``"barrier__"``)."""
    return Q(
        **{
            f"{prefix}privacy__in": PUBLIC_PRIVACY,
            f"{prefix}status__in": REGISTER_STATES,
            f"{prefix}triaged_at__isnull": False,
        }
    )


def is_publishable(barrier: Any) -> bool:
    """The same rule as ``publishable_q`` for one barrier in memory."""
    return barrier.privacy in PUBLIC_PRIVACY and barrier.status in REGISTER_STATES and barrier.triaged_at is not None


def public_publications() -> QuerySet[Publication]:
    """Every publication the public may read (the only source of the register's pages)."""
    return Publication.objects.filter(publishable_q("barrier__"), withdrawn_at__isnull=True)


def overdue_q(now: dt.datetime) -> Q:
    """A public body's step is past its due time (an answer or decision not yet given)."""
    return Q(barrier__status__in=OPEN, barrier__due_step__in=OWED_STEPS, barrier__due_at__lt=now)


# -- the list ------------------------------------------------------------------------------------


class Sort:
    NEWEST = "newest"
    DUE = "due"
    AFFECTED = "affected"
    UNRESOLVED = "unresolved"

    CHOICES: tuple[tuple[str, str], ...] = (
        (NEWEST, "최근 공개순"),
        (DUE, "처리 기한 임박순"),
        (AFFECTED, "같은 애로 기업 많은 순"),
        (UNRESOLVED, "오래 미해결된 순"),
    )


_ORDERINGS: dict[str, tuple[Any, ...]] = {
    Sort.NEWEST: (F("published_at").desc(), F("id").desc()),
    # Exactly the barrier_queue_order index: due date (nulls last), firms affected, age.
    Sort.DUE: (
        F("barrier__due_on").asc(nulls_last=True),
        F("barrier__affected_firm_count").desc(),
        F("barrier__submitted_at").asc(),
        F("barrier__id").asc(),
    ),
    Sort.AFFECTED: (F("barrier__affected_firm_count").desc(), F("barrier__id").desc()),
    # Unresolved first (no closing time), oldest filing first; closed ones last, latest closed first.
    Sort.UNRESOLVED: (
        F("barrier__closed_at").desc(nulls_first=True),
        F("barrier__submitted_at").asc(),
        F("barrier__id").asc(),
    ),
}


@dataclass(frozen=True)
class RegisterFilter:
    """What a visitor narrowed the register to (all optional)."""

    q: str = ""
    sector: str = ""
    agency: str = ""  # Agency.code
    status: str = ""
    year: int | None = None
    overdue: bool = False
    sort: str = Sort.NEWEST


def register_ids(filters: RegisterFilter | None = None, *, now: dt.datetime | None = None) -> QuerySet[Any]:
    """Ids of published barriers matching ``filters``, in the chosen order.

    Ids first, rows after (``load_publications``): the database then sorts and pages over narrow
    rows and joins firms, agencies and answers for one page only, not for every match."""
    f = filters or RegisterFilter()
    moment = now or timezone.now()
    qs = public_publications()
    if f.q:
        terms = search.terms_of(f.q)
        if not terms:
            return qs.none().values_list("id", flat=True)
        qs = qs.filter(search.matching(terms))
    # Codes are resolved to ids first: one join less in the page and count queries.
    if f.sector:
        sector_id = next((pk for pk, s in sectors_by_id().items() if s.code == f.sector), None)
        qs = qs.filter(barrier__sectors=sector_id) if sector_id else qs.none()
    if f.agency:
        agency_id = Agency.objects.filter(code=f.agency).values_list("id", flat=True).first()
        qs = qs.filter(barrier__lead_agency_id=agency_id) if agency_id else qs.none()
    if f.status:
        qs = qs.filter(barrier__status=f.status)
    if f.year:
        start = dt.datetime(f.year, 1, 1, tzinfo=SEOUL)
        qs = qs.filter(barrier__submitted_at__gte=start, barrier__submitted_at__lt=start.replace(year=f.year + 1))
    if f.overdue:
        qs = qs.filter(overdue_q(moment))
    ordering = _ORDERINGS.get(f.sort, _ORDERINGS[Sort.NEWEST])
    return qs.order_by(*ordering).values_list("id", flat=True)


class SearchNewest:
    """The ids of a plain search (no other filter), newest first, as the paginator pages them.

    The matches are ordered on the publications alone and only the page's candidates are then
    checked against the barrier's public conditions. In one query, PostgreSQL joins every match
    to its barrier before sorting whenever it underestimates how many rows a query of several
    words matches (it multiplies the words' frequencies; "드론 비행": 298 estimated, 5,488 found,
    17,500 buffers). A live publication of a barrier that left the register is rare, so one
    round usually fills the page; otherwise it reads further. The count is the joined query's,
    so count and pages agree exactly."""

    def __init__(self, ids: QuerySet[Any], terms: list[str]) -> None:
        self.ids = ids
        self.candidates = (
            Publication.objects.filter(withdrawn_at__isnull=True)
            .filter(search.matching(terms))
            .order_by(*_ORDERINGS[Sort.NEWEST])
            .values_list("id", "barrier_id")
        )

    def order_by(self) -> QuerySet[Any]:
        return self.ids.order_by()

    def count(self) -> int:
        return self.ids.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> list[int]:
        start, stop = key.start or 0, key.stop
        assert stop is not None and key.step is None, "pages are bounded slices"
        reach = stop + PAGE_SIZE
        while True:
            candidates = list(self.candidates[:reach])
            listed = set(
                Barrier.objects.filter(publishable_q(), id__in=[b for _p, b in candidates]).values_list("id", flat=True)
            )
            found = [pk for pk, barrier_id in candidates if barrier_id in listed]
            if len(found) >= stop or len(candidates) < reach:
                return found[start:stop]
            reach *= 4


def register_page_ids(filters: RegisterFilter, *, now: dt.datetime | None = None) -> QuerySet[Any] | SearchNewest:
    """What the register's list pages: ``register_ids``, or for a plain search sorted newest
    first (the usual search) ``SearchNewest`` over the same matches."""
    ids = register_ids(filters, now=now)
    plain = RegisterFilter(q=filters.q, sort=filters.sort) == filters
    terms = search.terms_of(filters.q) if filters.q else []
    newest = filters.sort not in _ORDERINGS or filters.sort == Sort.NEWEST  # as register_ids orders
    if plain and newest and terms:
        return SearchNewest(ids, terms)
    return ids


def load_publications(ids: Iterable[int]) -> list[Publication]:
    """The publications with ``ids``, in that order, with everything a list row shows."""
    wanted = list(ids)
    found: dict[int, Publication] = {}
    for chunk_start in range(0, len(wanted), 1_000):
        chunk = wanted[chunk_start : chunk_start + 1_000]
        rows = (
            Publication.objects.filter(id__in=chunk)
            .select_related("barrier", "barrier__lead_agency", "barrier__firm", "barrier__firm__cluster")
            .defer("body", "desired_change", "search_tokens", "extra_terms", *(f"barrier__{n}" for n in _BARRIER_LONG))
            .prefetch_related(_latest_answers())
        )
        found.update((p.id, p) for p in rows)
        _attach_sectors([found[i] for i in chunk if i in found])
    return [found[i] for i in wanted if i in found]


def rows_fingerprint(ids: list[int], *, now: dt.datetime) -> str:
    """A cache key for the list rows of the publications ``ids`` as ``rows_for`` shows them at
    ``now``: one query reads what the rows show that can change — the publication's edit time,
    the barrier's version (every transition bumps it: status, answers, deadlines, agencies,
    sectors), the co-signing firms' count — plus the lead agencies' names (cached table), the
    Seoul day and which rows are past due (the overdue days), and the language."""
    from barriers.agency_table import agency_refs

    state = (
        list(
            Publication.objects.filter(id__in=ids).values_list(
                "id",
                "public_id",
                "updated_at",
                "withdrawn_at",
                "barrier__version",
                "barrier__status",
                "barrier__due_at",
                "barrier__due_step",
                "barrier__affected_firm_count",
                "barrier__lead_agency_id",
                "barrier__privacy",
                "barrier__seal_from_agency",
                "barrier__firm_id",
            )
        )
        if ids
        else []
    )
    agencies = agency_refs(row[9] for row in state)
    late = [row[0] for row in state if row[6] is not None and row[6] < now]
    parts = (
        get_language(),
        now.astimezone(SEOUL).date().isoformat(),
        ids,
        sorted(state),
        sorted(late),
        sorted((pk, ref["code"], ref["name"]) for pk, ref in agencies.items()),
    )
    return "register:rows:v1:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _attach_sectors(publications: list[Publication]) -> None:
    """Set ``register_sectors`` on each barrier and its firm: both lists from one query of the
    two link tables, mapped onto the handful of sectors (instead of two prefetch queries that
    join and build a Sector per link: a third of a list page's Python time at 200,000)."""
    if not publications:
        return
    barriers = {p.barrier_id: p.barrier for p in publications}
    # One firm with several barriers on the page comes as one Firm object per row: each gets the
    # list (keeping only the last one sent every other row's identity to the database, one query
    # per anonymous row).
    firms: dict[int, list[Firm]] = {}
    for p in publications:
        firms.setdefault(p.barrier.firm_id, []).append(p.barrier.firm)
    links = (
        Barrier.sectors.through.objects.filter(barrier_id__in=list(barriers))
        .annotate(kind=Value("b"))
        .values_list("kind", "barrier_id", "sector_id")  # type: ignore[misc]  # the stubs miss annotations
        .union(
            Firm.sectors.through.objects.filter(firm_id__in=list(firms))
            .annotate(kind=Value("f"))
            .values_list("kind", "firm_id", "sector_id"),  # type: ignore[misc]
            all=True,
        )
    )
    sectors = sectors_by_id()
    chosen: dict[tuple[str, int], list[Sector]] = {}
    for kind, owner_id, sector_id in links:
        if sector_id in sectors:
            chosen.setdefault((kind, owner_id), []).append(sectors[sector_id])
    order = {pk: n for n, pk in enumerate(sectors)}  # Sector's own ordering, as .all() gives it
    for pk, barrier in barriers.items():
        barrier.register_sectors = sorted(chosen.get(("b", pk), []), key=lambda s: order[s.pk])  # type: ignore[attr-defined]
    for pk, same_firm in firms.items():
        firm_sectors = sorted(chosen.get(("f", pk), []), key=lambda s: order[s.pk])
        for firm in same_firm:
            firm.register_sectors = firm_sectors  # type: ignore[attr-defined]


_AGENCY_CHOICES = ReferenceTable(
    "register:agency-choices:v2",
    lambda: list(Agency.objects.filter(is_active=True).order_by("name").values_list("code", "name")),
    watch=[Agency],
)


def sectors_by_id() -> dict[int, Sector]:
    """Every sector in its display order (six rows of reference data, cached)."""
    return {sector.pk: sector for sector in sectors_by_code().values()}


def agency_choices() -> list[tuple[str, str]]:
    """(code, name) of every active agency by name, for the filter bar (cached)."""
    return list(_AGENCY_CHOICES.get())


def _sectors_of(obj: Any) -> list[Any]:
    """A barrier's or firm's sectors: attached by ``load_publications`` or read through the relation."""
    attached = getattr(obj, "register_sectors", None)
    return list(attached) if attached is not None else list(obj.sectors.all())


def register_list(
    filters: RegisterFilter | None = None, *, now: dt.datetime | None = None, limit: int = PAGE_SIZE
) -> list[Publication]:
    """The first ``limit`` published barriers matching ``filters`` (feeds, CSV)."""
    return load_publications(register_ids(filters, now=now)[:limit])


# Long barrier texts no public page reads (the register shows the redacted copies only).
_BARRIER_LONG = ("title", "body", "statutes_named", "desired_change", "harm_lost_market")


def _latest_answers() -> Prefetch:
    return Prefetch(
        "barrier__answers",
        queryset=BarrierAnswer.objects.only(
            "id", "barrier_id", "outcome", "reason_code", "round", "created_at"
        ).order_by("-created_at", "-pk"),
        to_attr="register_answers",
    )


COUNT_CAP = 1_000


class CappedPaginator(Paginator):
    """Counts at most ``COUNT_CAP`` matches: an exact count of a large register reads every row
    (seconds at 200,000), while nobody pages past fifty pages; a visitor narrows the filters
    instead. ``capped`` says the true number is larger (shown as "1,000건 이상")."""

    @cached_property
    def count(self) -> int:
        # Without the order: any COUNT_CAP + 1 matches will do, so the database stops at the
        # first ones it finds instead of sorting every match (0.5 s for "overdue + sector").
        counted = self.object_list.order_by()[: COUNT_CAP + 1].count()  # type: ignore[attr-defined]
        self.capped = counted > COUNT_CAP
        return min(counted, COUNT_CAP)

    capped = False


def register_total() -> int:
    """How many barriers the register shows in all (shared for five minutes)."""
    total = cache.get("register:total")
    if total is None:
        total = public_publications().count()
        cache.set("register:total", total, 300)
    return int(total)


def register_years() -> list[int]:
    """Filing years present in the register, newest first (for the year filter; shared for ten
    minutes, since reading them means reading the whole register)."""
    years = cache.get("register:years")
    if years is None:
        dates = public_publications().datetimes("barrier__submitted_at", "year", order="DESC", tzinfo=SEOUL)
        years = [d.year for d in dates]
        cache.set("register:years", years, 600)
    return list(years)


# -- one row, as pages, feeds and CSV show it -----------------------------------------------------


@dataclass(frozen=True)
class PublicIdentity:
    """Who filed, as far as the register may say: the firm's name, or its sector and size class,
    or less (k-anonymity), or nothing."""

    firm_name: str | None = None
    sector: str | None = None
    size: str | None = None

    @property
    def label(self) -> str:
        if self.firm_name:
            return self.firm_name
        if self.sector and self.size:
            return _("%(sector)s 분야 %(size)s") % {"sector": self.sector, "size": self.size}
        if self.sector:
            return _("%(sector)s 분야 기업") % {"sector": self.sector}
        return _("기업 정보 비공개")


def anonymity_counts() -> Mapping[Cell, int]:
    """Firms per sector × size × cluster, shared for five minutes: firms rarely leave, so a stale
    count can only be smaller than the truth, which shows less, never more."""
    counts = cache.get("register:anonymity_counts")
    if counts is None:
        counts = population_counts()
        cache.set("register:anonymity_counts", counts, 300)
    return counts


def public_identity(barrier: Any, *, counts: Mapping[Cell, int] | None = None) -> PublicIdentity:
    """The identity line of a published barrier. Named only when the filer chose "with firm name"
    and did not seal the firm from the agency (a sealed firm is never named in public, since the
    agency reads the register too); otherwise k-anonymous sector and size."""
    firm = barrier.firm
    if barrier.privacy == Privacy.PUBLIC_NAMED and not barrier.seal_from_agency:
        return PublicIdentity(firm_name=firm.name)
    firm_sectors = {s.code: s for s in _sectors_of(firm)}
    barrier_sectors = [s for s in _sectors_of(barrier) if s.code in firm_sectors]
    chosen = barrier_sectors[0] if barrier_sectors else next(iter(sorted(firm_sectors.values(), key=_code)), None)
    if chosen is None:
        return PublicIdentity()
    disclosure = disclosable_profile(
        sector=chosen.code,
        size=firm.size_class,
        cluster=firm.cluster.slug if firm.cluster_id else None,
        counts=counts if counts is not None else anonymity_counts(),
    )
    if disclosure.level == Level.NOTHING:
        return PublicIdentity()
    size = SizeClass(disclosure.size).label if disclosure.size else None
    return PublicIdentity(sector=chosen.name, size=str(size) if size else None)


def _code(sector: Any) -> str:
    return str(sector.code)


@dataclass
class RegisterRow:
    """One published barrier on a list page, in a feed or a CSV line."""

    publication: Publication
    identity: PublicIdentity
    overdue_days: int
    latest_answer: BarrierAnswer | None

    @property
    def barrier(self) -> Any:
        return self.publication.barrier

    @property
    def sector_names(self) -> list[str]:
        return [s.name for s in _sectors_of(self.publication.barrier)]

    # The enums' labels: get_status_display() and get_outcome_display() rebuild (and translate)
    # the whole choices table on every call, fifteen translations per row for the status alone.
    @property
    def status_label(self) -> str:
        return _choice_label(BarrierStatus, self.publication.barrier.status)

    @property
    def outcome_label(self) -> str:
        return _choice_label(AnswerOutcome, self.latest_answer.outcome) if self.latest_answer else ""


def _choice_label(choices: Any, value: str) -> str:
    """What ``get_FOO_display()`` shows: the label, or the stored value when it is not a choice."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def rows_for(publications: Iterable[Publication], *, now: dt.datetime | None = None) -> list[RegisterRow]:
    """Rows with identity (k-anonymous), overdue business days and latest answer, for a page."""
    moment = now or timezone.now()
    closures = deadlines.extra_closures(around=moment)
    counts: Mapping[Cell, int] | None = None
    rows = []
    for publication in publications:
        barrier = publication.barrier
        if counts is None and (barrier.privacy != Privacy.PUBLIC_NAMED or barrier.seal_from_agency):
            counts = anonymity_counts()
        answers = getattr(barrier, "register_answers", None)
        if answers is None:  # not prefetched (a single publication)
            answers = list(barrier.answers.order_by("-created_at", "-pk")[:1])
        latest = answers[0] if answers else None
        rows.append(
            RegisterRow(
                publication=publication,
                identity=public_identity(barrier, counts=counts),
                overdue_days=public_overdue_days(barrier, now=moment, closures=closures),
                latest_answer=latest,
            )
        )
    return rows


def public_overdue_days(barrier: Any, *, now: dt.datetime, closures: frozenset[dt.date] | None = None) -> int:
    """Business days a public body is late (0 when on time, or when it is the filer's turn)."""
    if barrier.due_step not in OWED_STEPS:
        return 0
    return overdue_days(barrier, as_of=now, closures=closures)


# -- one barrier ----------------------------------------------------------------------------------


def publication_by_public_id(public_id: str) -> Publication:
    """The live publication behind a permalink; NotFound for anything not (or no longer) public."""
    publication = (
        public_publications()
        .select_related("barrier", "barrier__lead_agency", "barrier__firm", "barrier__firm__cluster")
        .prefetch_related("barrier__sectors", "barrier__firm__sectors")
        .filter(public_id=public_id.upper())
        .first()
    )
    if publication is None:
        raise NotFound(_("공개된 규제 애로를 찾을 수 없습니다."))
    return publication


@dataclass
class PublicAnswer:
    answer: BarrierAnswer
    body: str
    legal_basis: str
    plan_change: str
    plan_statute: str


@dataclass
class PublicMilestone:
    milestone: OutcomeMilestone
    note: str


def public_answers(publication: Publication) -> list[PublicAnswer]:
    """The barrier's answers in their redacted form, oldest first. An answer without a redacted
    copy yet is left out (``services.mask_new_parts`` makes the copy before the page reads this)."""
    return [
        PublicAnswer(
            answer=copy.answer,
            body=copy.body,
            legal_basis=copy.legal_basis,
            plan_change=copy.plan_change,
            plan_statute=copy.plan_statute,
        )
        for copy in publication.answers.select_related("answer", "answer__agency").order_by(
            "answer__created_at", "answer__pk"
        )
    ]


def public_milestones(publication: Publication) -> list[PublicMilestone]:
    """The outcome ledger, redacted notes, in date order."""
    return [
        PublicMilestone(milestone=copy.milestone, note=copy.note)
        for copy in publication.milestones.select_related("milestone").order_by(
            "milestone__happened_on", "milestone__pk"
        )
    ]


# -- the official's queue -------------------------------------------------------------------------


def awaiting_publication() -> QuerySet[Any]:
    """Barriers that may be published and are not (never published, or withdrawn), oldest triage
    first."""
    live = Publication.objects.filter(withdrawn_at__isnull=True).values("barrier_id")
    return (
        Barrier.objects.filter(publishable_q())
        .exclude(pk__in=live)
        .select_related("firm", "lead_agency", "publication")
        .order_by("triaged_at", "pk")
    )


def needing_review() -> QuerySet[Publication]:
    """Live publications with an answer or ledger note masked automatically that no official has
    looked at yet."""
    return (
        public_publications()
        .filter(Q(answers__automatic=True) | Q(milestones__automatic=True))
        .distinct()
        .select_related("barrier")
        .order_by("published_at")
    )
