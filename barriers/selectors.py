"""Read side of the barriers app: visibility-filtered querysets, the work queue, the timeline."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import F, Model, Prefetch, Q, QuerySet, prefetch_related_objects
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import can
from accounts.roles import roles_of
from agencies.models import Agency
from barriers import deadlines
from barriers.models import (
    QUEUE_STATES,
    AnswerOutcome,
    AnswerTemplate,
    Attachment,
    Barrier,
    BarrierClock,
    BarrierStatus,
    DeclineReason,
    EventKind,
    InternalNote,
)
from barriers.permissions import ASSOCIATION_COVERS
from barriers.sector_table import forget_cached_sectors, sectors_by_code
from barriers.transitions import FILED, OPEN
from core.business_days import overdue_business_days
from core.errors import NotFound
from firms.models import AssociationMembership, Firm

M = TypeVar("M", bound=Model)
# A queryset, or a function that builds it when first needed (see ``page_of``).
Rows = QuerySet[Barrier] | Callable[[], QuerySet[Barrier]]


def barriers_for_user(user: Any) -> QuerySet[Barrier]:
    """Every barrier ``user`` may see (the queryset twin of the ``barrier.view`` rule)."""
    roles = roles_of(user)
    qs = Barrier.objects.all()
    if roles.admin:
        return qs
    if not roles.authenticated:
        return qs.none()
    q = Q(firm_id__in=roles.firm_ids)
    if roles.association_ids:
        member_firms = AssociationMembership.objects.filter(association_id__in=roles.association_ids).values("firm_id")
        q |= Q(firm_id__in=member_firms)
    if roles.city_official:
        q |= Q(status__in=FILED)
    if roles.agency_ids:
        cooperating = Barrier.cooperating_agencies.through.objects.filter(agency_id__in=roles.agency_ids).values(
            "barrier_id"
        )
        q |= Q(forwarded_at__isnull=False) & (Q(lead_agency_id__in=roles.agency_ids) | Q(pk__in=cooperating))
    return qs.filter(q)


def barrier_for_user(user: Any, barrier_id: int) -> Barrier:
    """The barrier if ``user`` may see it; otherwise NotFound (never reveals that it exists)."""
    # At most one row: no ORDER BY (``first()`` would add one, for nothing).
    found = list(barriers_for_user(user).select_related("firm", "filed_by", "lead_agency").filter(pk=barrier_id)[:1])
    if not found:
        raise NotFound(_("규제 애로를 찾을 수 없습니다."))
    barrier = found[0]
    _prefetch_links(barrier)
    return barrier


def _prefetch_links(barrier: Barrier) -> None:
    """Fill ``barrier.sectors`` and ``barrier.cooperating_agencies`` as ``prefetch_related`` would,
    from one query of the two link tables and the cached sector and agency tables (two prefetch
    queries, each joining and building full rows, were a tenth of a barrier page's time).
    The agencies carry id, code and name (the rest loads on access)."""
    from barriers.agency_table import AGENCIES

    connection = connections[router.db_for_read(Barrier)]
    quote = connection.ops.quote_name
    sector_links = Barrier.sectors.through._meta
    agency_links = Barrier.cooperating_agencies.through._meta
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 's', {quote(sector_links.get_field('sector').column)} FROM {quote(sector_links.db_table)} "
            f"WHERE {quote(sector_links.get_field('barrier').column)} = %s UNION ALL "
            f"SELECT 'a', {quote(agency_links.get_field('agency').column)} FROM {quote(agency_links.db_table)} "
            f"WHERE {quote(agency_links.get_field('barrier').column)} = %s",
            [barrier.pk, barrier.pk],
        )
        links = cursor.fetchall()
    sector_ids = {int(pk) for kind, pk in links if kind == "s"}
    agency_ids = {int(pk) for kind, pk in links if kind == "a"}
    sectors = [sector for sector in sectors_by_code().values() if sector.pk in sector_ids]
    if len(sectors) < len(sector_ids):  # a sector added since the table was cached
        forget_cached_sectors()
        sectors = [sector for sector in sectors_by_code().values() if sector.pk in sector_ids]
    table = AGENCIES.get()
    if not agency_ids <= table.keys():  # an agency added since the table was cached
        AGENCIES.forget()
        table = AGENCIES.get()
    alias = connection.alias
    agencies = sorted(
        (
            _loaded(Agency, alias, (("id", pk), ("code", table[pk]["code"]), ("name", table[pk]["name"])))
            for pk in agency_ids
            if pk in table
        ),
        key=lambda agency: (agency.name, agency.pk),  # Agency's ordering (name)
    )
    prefetched_cache = barrier.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, objects in (("sectors", sectors), ("cooperating_agencies", agencies)):
        prefetched = getattr(barrier, name).all()
        prefetched._result_cache = objects  # what prefetch_related_objects stores
        prefetched._prefetch_done = True
        prefetched_cache[name] = prefetched


def visible_barriers(user: Any, *, filters: QueueFilter, as_of: dt.datetime) -> QuerySet[Barrier]:
    """What ``user`` may see, narrowed by ``filters`` (the overdue filter as of ``as_of``), newest
    first: the "my barriers" list of the API."""
    qs = _narrowed(barriers_for_user(user), filters)
    if filters.overdue:
        qs = qs.filter(status__in=OPEN, due_at__lt=as_of)  # as overdue_barriers
    return qs.order_by("-created_at", "-pk")


def _narrowed(qs: QuerySet[Barrier], filters: QueueFilter) -> QuerySet[Barrier]:
    """``qs`` narrowed by the filters the work queue and the API list share (not "overdue",
    which each reads against its own states)."""
    if filters.sector:
        qs = qs.filter(sectors__code=filters.sector)
    if filters.agency_id:
        qs = qs.filter(lead_agency_id=filters.agency_id)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.q:
        qs = qs.filter(title__icontains=filters.q)
    return qs


def overdue_barriers(*, as_of: dt.datetime | None = None) -> QuerySet[Barrier]:
    """Open barriers whose running step is past its due time, most overdue first."""
    moment = as_of or timezone.now()
    return Barrier.objects.filter(status__in=OPEN, due_at__lt=moment).order_by("due_at", "pk")


# Long texts a list never shows: left out of list queries (a body may hold 20,000 characters).
LIST_DEFERRED = ("body", "statutes_named", "desired_change", "harm_lost_market")
# What a list row (``presenters.summary``) and the permission rules it asks read: the only
# columns an API list page loads (with ``select_related("firm")``; the lead agencies come from
# the cached ``agency_table``).
SUMMARY_FIELDS = (
    "id",
    "title",
    "status",
    "kind",
    "firm_id",
    "firm__name",
    "lead_agency_id",
    "affected_firm_count",
    "submitted_at",
    "forwarded_at",
    "due_at",
    "due_step",
    "seal_from_agency",
    "version",
)
# How far a list page counts the rows that match: a page reports "more than COUNT_CAP" rather
# than counting the city's 75,000 open barriers on every read.
COUNT_CAP = 1000


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows and how many rows match in all.

    ``count`` is exact unless ``count_capped``; then more than ``count`` rows match (counting
    stopped there). ``has_more``: another page follows this one (always exact)."""

    rows: list[Barrier]
    count: int
    count_capped: bool
    has_more: bool
    number: int = 1
    page_size: int = 20

    # What the page templates' pager (``barriers/_pager.html``) reads, as of a Django ``Page``.
    @property
    def has_next(self) -> bool:
        return self.has_more

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_more or self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def num_pages(self) -> int | None:
        """The number of pages, unknown (None) when the count stopped at the cap."""
        if self.count_capped:
            return None
        return max(1, -(-self.count // self.page_size))

    def __iter__(self) -> Iterator[Barrier]:
        return iter(self.rows)


def page_of(
    qs: Rows,
    *,
    page: int,
    page_size: int,
    count_cap: int | None = None,
    count_in_order: bool = False,
    known_over_cap: bool = False,
    fetch: Callable[[int, int], list[Barrier]] | None = None,
) -> Page:
    """Rows ``page`` (1-based) of ``qs``, counting matches up to ``count_cap`` — or to the end of
    this page when it lies further, so ``count`` never falls short of what has been shown.

    ``count_in_order``: count the first rows in ``qs``'s own order rather than in any order. The
    capped count reads the same index as the page then; right when an index holds exactly the
    matching rows in that order (the city's whole queue: ``barrier_open_queue_order``), wrong
    when a filter leaves few matches spread along it (then any order lets PostgreSQL pick the
    filter's own index).

    ``known_over_cap``: the caller knows more than ``count_cap`` rows match, so a page within
    the cap is answered "more than ``count_cap``" without counting.

    ``qs`` may be a function that builds the queryset, and ``fetch(start, stop)`` a cheaper way
    to read rows ``start:stop`` of it (``summary_rows``): then the queryset is only built when
    the rows must be counted.

    One query when the page is the last one (the count follows from its rows), two otherwise."""
    start = (page - 1) * page_size
    if fetch is not None:
        rows = fetch(start, start + page_size + 1)  # one row more tells whether a page follows
    else:
        rows = list(_queryset(qs)[start : start + page_size + 1])
    has_more = len(rows) > page_size
    rows = rows[:page_size]
    if not has_more and (rows or start == 0):
        return Page(
            rows=rows, count=start + len(rows), count_capped=False, has_more=False, number=page, page_size=page_size
        )
    cap = COUNT_CAP if count_cap is None else count_cap
    limit = max(cap, start + page_size + 1)
    if known_over_cap and limit == cap:
        return Page(rows=rows, count=limit, count_capped=True, has_more=True, number=page, page_size=page_size)
    counted_qs = _queryset(qs) if count_in_order else _queryset(qs).order_by()
    counted = counted_qs.values("pk")[: limit + 1].count()
    return Page(
        rows=rows,
        count=min(counted, limit),
        count_capped=counted > limit,
        has_more=has_more,
        number=page,
        page_size=page_size,
    )


def _queryset(qs: Rows) -> QuerySet[Barrier]:
    return qs if isinstance(qs, QuerySet) else qs()


class _CompiledQueries(threading.local):
    """Per thread (a compiler belongs to its thread's connection): shape key → compiled query."""

    def __init__(self) -> None:
        self.queries: dict[Hashable, tuple[str, str | None, tuple[Any, ...], Any, list[Any], int]] = {}


_COMPILED = _CompiledQueries()
COMPILED_QUERIES_MAX = 256


def compiled_rows(key: Hashable | None, make: Callable[[], QuerySet[Any]]) -> list[tuple[Any, ...]]:
    """The rows (tuples) of ``make()``, a ``values_list`` queryset, compiled to SQL once per
    ``key`` and thread.

    Building and compiling the work queue's query cost more Python time than running it
    (~3 ms of a 13 ms request). Its SQL depends only on what ``key`` must say: the viewer's
    ``Roles`` (the visibility rules read nothing else of the user), the filters and the slice —
    never the time or anything else that changes between requests (callers pass ``None``, no
    reuse, for such queries, e.g. the overdue filter). Bounded: the table is emptied when it
    holds ``COMPILED_QUERIES_MAX`` shapes."""
    entry = _COMPILED.queries.get(key) if key is not None else None
    if entry is None:
        qs = make()
        compiler = qs.query.get_compiler(using=qs.db)
        sql: str | None
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # e.g. ``none()``: nothing to run
            sql, params = None, ()
        fields = [column[0] for column in compiler.select[: compiler.col_count]] if sql else []
        entry = (qs.db, sql or None, tuple(params), compiler, compiler.get_converters(fields), len(fields))
        if key is not None:
            if len(_COMPILED.queries) >= COMPILED_QUERIES_MAX:
                _COMPILED.queries.clear()
            _COMPILED.queries[key] = entry
    alias, sql, params, compiler, converters, width = entry
    if sql is None:
        return []
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        rows = [tuple(row[:width]) for row in cursor.fetchall()]
    if converters:
        rows = [tuple(row) for row in compiler.apply_converters(rows, converters)]
    return rows


# ``SUMMARY_FIELDS`` but the firm's name, which is read last (it goes to the row's firm).
_ROW_FIELDS = [f.attname for f in Barrier._meta.concrete_fields if f.attname in SUMMARY_FIELDS]
_ROW_COLUMNS = (*_ROW_FIELDS, "firm__name")


def summary_rows(
    user: Any, build: Callable[[], QuerySet[Barrier]], *, key: Hashable | None, start: int, stop: int
) -> list[Barrier]:
    """Rows ``start:stop`` of ``build()`` with only ``SUMMARY_FIELDS`` (``firm`` holds id and
    name). ``key``: what ``build`` depends on besides the viewer's roles (the list and its
    filters), or None when it depends on more (e.g. the time): see ``compiled_rows``."""
    roles = roles_of(user)
    shape = None if key is None else ("summary", key, roles, start, stop)
    tuples = compiled_rows(shape, lambda: build().values_list(*_ROW_COLUMNS)[start:stop])
    alias = router.db_for_read(Barrier)
    rows = []
    for values in tuples:
        barrier = _loaded(Barrier, alias, zip(_ROW_FIELDS, values[:-1], strict=True))
        barrier._state.fields_cache[_FIRM_CACHE] = _loaded(Firm, alias, (("id", barrier.firm_id), ("name", values[-1])))
        rows.append(barrier)
    return rows


_FIRM_CACHE = Barrier._meta.get_field("firm").cache_name


def _loaded(model: type[M], alias: str, values: Iterable[tuple[str, Any]]) -> M:
    """An instance of ``model`` as loaded from ``alias`` with only these field values (the others
    are deferred: read on first access, as with ``only()``). What ``Model.from_db`` makes, without
    its walk over every field of the model: a list page makes 40 of these, and that walk was a
    tenth of the work queue's Python time. No model here has ``pre_init``/``post_init``
    receivers, the only other thing ``__init__`` would do."""
    instance = model.__new__(model)
    instance.__dict__.update(values)
    state = instance._state = ModelState()
    state.adding = False
    state.db = alias
    return instance


def prefetch_for_identity(rows: list[Barrier], viewer: Any) -> None:
    """Load what ``barrier.view_identity`` asks of a page of rows in one query per kind of role,
    not one per row: for association staff, which rows' firms are members of their associations
    (``permissions.ASSOCIATION_COVERS``); for an agency official, the co-operating agencies of the
    rows its agency does not lead."""
    roles = roles_of(viewer)
    if roles.admin or roles.city_official:
        return
    if roles.association_ids:
        firm_ids = {b.firm_id for b in rows if b.firm_id not in roles.firm_ids}
        covered = (
            set(
                AssociationMembership.objects.filter(
                    firm_id__in=firm_ids, association_id__in=roles.association_ids
                ).values_list("firm_id", flat=True)
            )
            if firm_ids
            else set()
        )
        for b in rows:
            setattr(b, ASSOCIATION_COVERS, (roles.association_ids, b.firm_id in covered))
    if not roles.agency_ids:
        return
    others = [b for b in rows if b.lead_agency_id not in roles.agency_ids]
    if others:
        prefetch_related_objects(others, Prefetch("cooperating_agencies", queryset=Agency.objects.only("id")))


def _sector_links(barrier_ids: list[int]) -> list[tuple[int, int]]:
    """``(barrier_id, sector_id)`` of the barriers' sector links. Plain SQL: one list page asks
    this of every page it shows, and building the ORM query cost more than running it."""
    through = Barrier.sectors.through
    meta = through._meta
    connection = connections[router.db_for_read(through)]
    quote = connection.ops.quote_name
    barrier_col = quote(meta.get_field("barrier").column)
    sector_col = quote(meta.get_field("sector").column)
    placeholders = ", ".join(["%s"] * len(barrier_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {barrier_col}, {sector_col} FROM {quote(meta.db_table)} WHERE {barrier_col} IN ({placeholders})",
            [int(pk) for pk in barrier_ids],
        )
        return [(int(barrier_id), int(sector_id)) for barrier_id, sector_id in cursor.fetchall()]


def firm_for_filing(firm_id: int) -> Firm | None:
    """The firm a barrier is filed for, with only what filing and its answer use (id, name), or
    None. Plain SQL: every filing asks this, and building the ORM query cost four times more
    than running it."""
    if not 0 < firm_id < 2**63:  # beyond any stored id (and the column's range): none such
        return None
    meta = Firm._meta
    connection = connections[router.db_for_read(Firm)]
    quote = connection.ops.quote_name
    pk_col, name_col = quote(meta.pk.column), quote(meta.get_field("name").column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {pk_col}, {name_col} FROM {quote(meta.db_table)} WHERE {pk_col} = %s", [int(firm_id)])
        row = cursor.fetchone()
    return Firm.from_db(connection.alias, ["id", "name"], row) if row else None


def sector_codes_of(barrier_ids: list[int]) -> dict[int, list[str]]:
    """The sector codes of each barrier, in the Sector ordering: one query on the link table, the
    sectors themselves from the cached table (``sector_table``)."""
    links = _sector_links(barrier_ids) if barrier_ids else []

    def positions() -> dict[int, tuple[int, str]]:
        return {sector.pk: (position, sector.code) for position, sector in enumerate(sectors_by_code().values())}

    by_id = positions()
    if any(sector_id not in by_id for _barrier_id, sector_id in links):
        forget_cached_sectors()  # a sector added since the table was cached (in another process)
        by_id = positions()
    found: dict[int, list[tuple[int, str]]] = {barrier_id: [] for barrier_id in barrier_ids}
    for barrier_id, sector_id in links:
        found[barrier_id].append(by_id[sector_id])
    return {barrier_id: [code for _position, code in sorted(pairs)] for barrier_id, pairs in found.items()}


@dataclass(frozen=True)
class QueueFilter:
    sector: str = ""
    agency_id: int | None = None
    status: str = ""
    overdue: bool = False
    q: str = ""
    assignee_id: int | None = None

    @property
    def is_empty(self) -> bool:
        return self == QueueFilter()


def work_queue(user: Any, *, as_of: dt.datetime | None = None, filters: QueueFilter | None = None) -> QuerySet[Barrier]:
    """The official's queue by urgency: overdue days, then the number of affected firms, then age
    (oldest filing first). The city sees everything filed; an agency what was forwarded to it.

    The sort key is the running step's due *date* in Seoul (``Barrier.due_on``), stored by the
    only code that sets a due time (``services._core.start_clock``/``stop_clock``, the deadline
    extension, bulk intake) — not the overdue days themselves, which grow with the calendar: a
    stored day count would need every open row rewritten each business day, and would be wrong
    in between. The due date gives the same order on any day without a rewrite:

    - overdue rows: every due date the clocks set is a business day, so of two due dates the
      earlier one has strictly more business days overdue (the later date is one of them), and
      equal dates have equal overdue days — ascending due date is descending overdue days;
    - rows not yet overdue (0 overdue days) are ordered the same way, as if "due in 3 days" were
      "−3 days overdue": the one falling due soonest first, *then* affected firms and age. This
      is the one place the order refines the issue's wording, where they would tie at 0;
    - rows without a running clock (no due date) come last.

    The indexes barrier_queue_order and barrier_open_queue_order hold exactly this order, so the
    database reads the first page in index order instead of sorting every open row."""
    moment = as_of or timezone.now()
    f = filters or QueueFilter()
    qs = _narrowed(barriers_for_user(user).filter(status__in=QUEUE_STATES), f)
    if f.overdue:
        qs = qs.filter(due_at__lt=moment)
    if f.assignee_id:
        qs = qs.filter(assignee_id=f.assignee_id)
    # Exactly the order of the indexes barrier_queue_order / barrier_open_queue_order (see above).
    return (
        qs.defer(*LIST_DEFERRED)
        .select_related("firm", "lead_agency", "assignee")
        .order_by(F("due_on").asc(nulls_last=True), "-affected_firm_count", "submitted_at", "id")
    )


WHOLE_QUEUE_OVER_CAP_KEY = "barriers:whole-queue-over-cap:v1"
WHOLE_QUEUE_OVER_CAP_SECONDS = 30


def work_queue_page(
    user: Any,
    qs: Rows,
    *,
    filters: QueueFilter | None,
    page: int,
    page_size: int,
    fetch: Callable[[int, int], list[Barrier]] | None = None,
) -> Page:
    """One page of ``qs`` (``work_queue(user, filters=filters)``, possibly narrowed to fewer
    columns, or a function that builds it), its count capped at ``COUNT_CAP``; ``fetch`` as
    for ``page_of``.

    The whole queue of the city (or an admin) is every row of the partial index
    barrier_open_queue_order, so the count reads that index in the queue's order: ~1,000 index
    entries. Counted in any order, PostgreSQL picks an index where the open rows lie among
    drafts and closed ones (with 100,000 barriers: 25 ms against 0.5 ms); once over the cap, not
    counted at all for ``WHOLE_QUEUE_OVER_CAP_SECONDS``. A filtered queue, or an agency's, is
    counted in any order: its own index finds the few matching rows directly."""
    roles = roles_of(user)
    whole = (roles.city_official or roles.admin) and (filters is None or filters.is_empty)
    if not whole:
        return page_of(qs, page=page, page_size=page_size, fetch=fetch)
    # The whole queue is the same for every city official. Once counted past the cap, each
    # process remembers that for WHOLE_QUEUE_OVER_CAP_SECONDS and skips the count: it only said
    # "more than COUNT_CAP", which stays true until ~75,000 open barriers fall below 1,000.
    known = bool(cache.get(WHOLE_QUEUE_OVER_CAP_KEY))
    result = page_of(qs, page=page, page_size=page_size, count_in_order=True, known_over_cap=known, fetch=fetch)
    if result.count_capped and not known and result.count == COUNT_CAP:
        cache.set(WHOLE_QUEUE_OVER_CAP_KEY, True, WHOLE_QUEUE_OVER_CAP_SECONDS)
    return result


def overdue_days(
    barrier: Barrier, *, as_of: dt.datetime | None = None, closures: frozenset[dt.date] | None = None
) -> int:
    """Business days past the due time of the running step (0 when on time). Pass ``closures``
    (``deadlines.extra_closures``) when computing this for a whole page."""
    if barrier.due_at is None or barrier.status not in OPEN:
        return 0
    moment = as_of or timezone.now()
    if barrier.due_at >= moment:
        return 0
    extra = closures if closures is not None else deadlines.extra_closures(around=moment)
    return overdue_business_days(barrier.due_at, moment, extra_holidays=extra)


# -- timeline ----------------------------------------------------------------------------------


@dataclass
class TimelineEntry:
    when: dt.datetime
    actor: str
    title: str
    note: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    internal: bool = False


EVENT_TITLES: dict[str, str] = {
    "file": "초안 작성",
    "submit": "접수",
    "triage": "검토·분류",
    "forward": "소관기관 전달",
    "transfer": "이송",
    "request_information": "추가 정보 요청",
    "provide_information": "추가 정보 제출",
    "answer": "회신",
    "accept_answer": "회신 수용(종결)",
    "request_second_review": "재검토 요청",
    "escalate": "규제개혁위원회 상정",
    "close": "종결",
    "withdraw": "취하",
    "extend_deadline": "처리기간 연장",
    "record_outcome": "개선 이행 기록",
    "add_attachment": "파일 첨부",
    "assign": "담당자 지정",
}


def _actor_label(actor: Any, barrier: Barrier, *, shows_identity: bool) -> str:
    if actor is None:
        return _("시스템")
    roles = roles_of(actor)
    if roles.city_official or roles.admin:
        return _("서울시")
    if roles.agency_ids:
        return (
            barrier.lead_agency.name
            if barrier.lead_agency and barrier.lead_agency_id in roles.agency_ids
            else _("소관기관")
        )
    if shows_identity:
        return f"{actor.name} ({barrier.firm.name})"
    return _("신청 기업")


def barrier_timeline(barrier: Barrier, viewer: Any) -> list[TimelineEntry]:
    """What ``viewer`` may see of the audit trail, oldest first: internal notes only for officials,
    and no firm or filer names for an agency the identity is sealed from."""
    shows_identity = can(viewer, "barrier.view_identity", barrier)
    entries: list[TimelineEntry] = []
    events = barrier.events.select_related("actor").exclude(kind=EventKind.DRAFT_UPDATED, verb="")
    # One user object per actor (the viewer's own where it is them): roles_of caches on the
    # object, so the roles of each actor are read once, not once per event.
    actors: dict[int, Any] = {viewer.pk: viewer} if getattr(viewer, "pk", None) else {}
    for event in events:
        if event.kind == EventKind.DRAFT_UPDATED:
            continue
        if event.kind in (EventKind.COSIGNED, EventKind.COSIGN_WITHDRAWN):
            continue  # co-signers are shown (or not) by their own rules: selectors_cosigning
        detail: dict[str, Any] = {}
        if event.verb == "answer":
            detail = {"outcome": AnswerOutcome(event.data.get("outcome")).label} if event.data.get("outcome") else {}
            if event.data.get("reason_code"):
                detail["reason"] = DeclineReason(event.data["reason_code"]).label
        if event.verb == "escalate":
            detail = {"level": event.data.get("level")}
        if event.verb == "extend_deadline":
            detail = {"to": event.data.get("to")}
        entries.append(
            TimelineEntry(
                when=event.created_at,
                actor=_actor_label(
                    actors.setdefault(event.actor_id, event.actor) if event.actor_id is not None else None,
                    barrier,
                    shows_identity=shows_identity,
                ),
                title=EVENT_TITLES.get(event.verb, event.verb),
                note=event.note,
                detail=detail,
            )
        )
    for note in visible_notes(barrier, viewer):
        entries.append(
            TimelineEntry(
                when=note.created_at,
                actor=note.agency.name if note.agency else _("서울시"),
                title=_("내부 메모"),
                note=note.body,
                internal=True,
            )
        )
    entries.sort(key=lambda e: e.when)
    return entries


def visible_notes(barrier: Barrier, viewer: Any) -> QuerySet[InternalNote]:
    """Internal notes: none for the filer; the city sees all; an agency sees its own agency's."""
    if not can(viewer, "barrier.notes", barrier):
        return InternalNote.objects.none()
    roles = roles_of(viewer)
    qs = barrier.internal_notes.select_related("agency")
    if roles.city_official or roles.admin:
        return qs
    return qs.filter(agency_id__in=roles.agency_ids)


def running_clock(barrier: Barrier) -> BarrierClock | None:
    return barrier.clocks.filter(stopped_at__isnull=True).first()


def attachments_for(barrier: Barrier, viewer: Any) -> list[tuple[Attachment, str]]:
    """Attachments with the name ``viewer`` may see (a neutral one when the identity is sealed)."""
    if not can(viewer, "barrier.view", barrier):
        return []
    shows_identity = can(viewer, "barrier.view_identity", barrier)
    result = []
    for number, attachment in enumerate(barrier.attachments.all(), start=1):
        shown = attachment.original_name if shows_identity else f"{_('첨부')}{number}.{attachment.file_type}"
        result.append((attachment, shown))
    return result


def available_actions(barrier: Barrier, viewer: Any) -> list[str]:
    """The verbs ``viewer`` may take on ``barrier`` now (state and permission both allow)."""
    from barriers.transitions import verbs_from

    actions = [verb for verb in verbs_from(barrier.status) if can(viewer, f"barrier.{verb}", barrier)]
    if barrier.status == BarrierStatus.DRAFT and can(viewer, "barrier.edit_draft", barrier):
        actions.append("edit_draft")
    if barrier.due_at is not None and barrier.status in OPEN and can(viewer, "barrier.extend_deadline", barrier):
        actions.append("extend_deadline")
    if barrier.status in OPEN and can(viewer, "barrier.add_attachment", barrier):
        actions.append("add_attachment")
    if can(viewer, "barrier.notes", barrier):
        actions.append("add_note")
    latest = barrier.answers.order_by("-created_at", "-pk").first() if barrier.first_answered_at else None
    accepted = latest is not None and latest.outcome in (AnswerOutcome.ACCEPTED, AnswerOutcome.PARTLY_ACCEPTED)
    if accepted and can(viewer, "barrier.record_outcome", barrier):
        actions.append("record_outcome")
    return actions


def answer_templates_for(barrier: Barrier) -> QuerySet[AnswerTemplate]:
    """Answer templates the lead agency may start from: its own and the shared ones."""
    return AnswerTemplate.objects.filter(is_active=True).filter(
        Q(agency__isnull=True) | Q(agency_id=barrier.lead_agency_id)
    )


def barriers_citing_statute(*, statute: Any, article: Any | None, user: Any, limit: int = 50) -> QuerySet[Barrier]:
    """Barriers ``user`` may see that name the statute (or an alias), and the article when given.

    Matches the filer's free-text statute field and the body; routing's resolved references will
    replace this text match once barriers store them.
    """
    names = [statute.name, *statute.aliases.values_list("name", flat=True)]
    named = Q()
    for name in names:
        named |= Q(statutes_named__icontains=name) | Q(body__icontains=name)
    barriers = barriers_for_user(user).filter(named)
    if article is not None:
        barriers = barriers.filter(Q(statutes_named__icontains=article.number) | Q(body__icontains=article.number))
    return barriers.order_by("-submitted_at")[:limit]
