"""Writes of the insights app: dashboard snapshots (pre-computed pages)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max, Min, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from barriers.models import Barrier, BarrierEvent
from core.business_days import SEOUL
from insights import selectors
from insights.forms import DashboardFilterForm
from insights.models import BarrierMeasure, DashboardSnapshot
from insights.selectors import Audience


def snapshot_key(audience: Audience, language: str) -> str:
    return f"{audience.value}:{language}"


def dashboard_context(
    *, audience: Audience, data: selectors.Dashboard | selectors.BarrierSection, form: DashboardFilterForm
) -> dict[str, object]:
    return {
        "data": data,
        "form": form,
        "is_city": audience is Audience.CITY,
        "csv_url_name": "insights:city_csv" if audience is Audience.CITY else "insights:csv",
        "xlsx_url_name": "insights:city_xlsx" if audience is Audience.CITY else "insights:xlsx",
        "computed_at": timezone.localtime(),
    }


MEASURE_BATCH = 2000
# Growth stages move with time and firms change cluster or size: re-measure everything daily.
FULL_MEASURE_EVERY = dt.timedelta(days=1)


def _measure_rows(records: list[selectors.PlainBarrierRecord], *, now: dt.datetime) -> list[BarrierMeasure]:
    ranks = selectors.BusinessDayRanks.spanning(records, extra_holidays=frozenset())
    rows = []
    for record in records:
        submitted, answered, closed = record.submitted_at, record.first_answered_at, record.closed_at
        assert submitted is not None and record.barrier_id is not None  # barrier_records: submitted only
        sectors = record.sector if isinstance(record.sector, tuple) else (record.sector,)
        accepted_on = record.accepted_at.astimezone(SEOUL).date() if record.accepted_at else None
        common = {
            "barrier_id": record.barrier_id,
            "submitted_on": submitted.astimezone(SEOUL).date(),
            "agency": record.agency,
            "cluster": record.cluster,
            "size": record.size,
            "stage": record.stage,
            "first_answer_days": ranks.between(submitted, answered) if answered else None,
            "close_days": ranks.between(submitted, closed) if closed else None,
            "on_time": (answered <= record.due_at) if answered and record.due_at else None,
            "outcome": record.outcome if answered else "",
            "answer_due_at": record.due_at if answered is None and closed is None else None,
            "escalated": record.escalated,
            "accepted": accepted_on is not None,
            "promulgation_days": (
                (record.promulgated_on - accepted_on).days if accepted_on and record.promulgated_on else None
            ),
            "refreshed_at": now,
        }
        for index, sector in enumerate(sectors or ("—",)):
            rows.append(BarrierMeasure(kind="sector", primary=index == 0, sector=sector, **common))
        associations = record.association if isinstance(record.association, tuple) else (record.association,)
        for association in associations or ("—",):
            rows.append(BarrierMeasure(kind="association", primary=False, sector="", association=association, **common))
    return rows


@transaction.atomic
def refresh_barrier_measures(*, full: bool = False, now: dt.datetime | None = None) -> int:
    """Bring ``BarrierMeasure`` up to date with the workflow; return how many barriers were measured.

    Incremental by default: barriers saved, or with an audit event, since the last refresh
    (answers, outcome milestones and reactions all write events). ``full`` re-measures every
    barrier (daily: growth stages move with time and firms change cluster or size). Batches keep
    memory flat at a million barriers.
    """
    now = now or timezone.now()
    bounds = BarrierMeasure.objects.aggregate(last=Max("refreshed_at"), oldest=Min("refreshed_at"))
    stale = bounds["oldest"] is not None and bounds["oldest"] < now - FULL_MEASURE_EVERY
    last = None if full or stale else bounds["last"]
    submitted = Barrier.objects.filter(submitted_at__isnull=False)
    if last is None:
        BarrierMeasure.objects.all().delete()
        ids = list(submitted.order_by("pk").values_list("pk", flat=True))
    else:
        changed = set(submitted.filter(updated_at__gte=last).values_list("pk", flat=True))
        changed |= set(
            BarrierEvent.objects.filter(created_at__gte=last, barrier__submitted_at__isnull=False)
            .values_list("barrier_id", flat=True)
            .distinct()
        )
        ids = sorted(changed)
    for start in range(0, len(ids), MEASURE_BATCH):
        batch = ids[start : start + MEASURE_BATCH]
        if last is not None:
            BarrierMeasure.objects.filter(barrier_id__in=batch).delete()
        BarrierMeasure.objects.bulk_create(
            _measure_rows(selectors.barrier_records(ids=batch), now=now), batch_size=MEASURE_BATCH
        )
    if not ids and last is None:
        return 0
    return len(ids)


def refresh_snapshot(
    *, audience: Audience, language: str, now: dt.datetime | None = None, refresh_measures: bool = True
) -> DashboardSnapshot:
    """Compute the unfiltered dashboard for one audience and language and store its rendered body
    (first bringing the barrier measures up to date, unless the caller just did)."""
    now = now or timezone.now()
    if refresh_measures:
        refresh_barrier_measures(now=now)
    with translation.override(language):
        data = selectors.dashboard(audience=audience, now=now)
        context = dashboard_context(audience=audience, data=data, form=DashboardFilterForm())
        context["computed_at"] = timezone.localtime(now)
        html = render_to_string("insights/_dashboard_body.html", context)
    snapshot, _created = DashboardSnapshot.objects.update_or_create(
        key=snapshot_key(audience, language),
        defaults={"computed_at": now, "html": html, "refresh_requested_at": None},
    )
    return snapshot


def claim_snapshot_refresh(*, key: str, now: dt.datetime | None = None) -> bool:
    """True for exactly one caller per stale snapshot, across processes: the one that should queue
    its refresh. Recomputing takes seconds at scale; when every visitor of a stale dashboard did it
    inline, they all held web threads at once and every page stalled.

    A claim older than ``SNAPSHOT_MAX_AGE`` can be taken again: the refresh it queued was lost or
    the worker is down, and asking again is how the dashboard recovers when the worker returns.
    """
    now = now or timezone.now()
    unclaimed = Q(refresh_requested_at__isnull=True) | Q(refresh_requested_at__lte=now - selectors.SNAPSHOT_MAX_AGE)
    return DashboardSnapshot.objects.filter(unclaimed, key=key).update(refresh_requested_at=now) == 1


def warm_filtered_tables(*, language: str, now: dt.datetime | None = None) -> int:
    """Recompute the barrier table of every single-dimension filter into the shared cache, so a
    visitor choosing "by sector" gets stored figures (as old as the snapshot) at any scale."""
    now = now or timezone.now()
    count = 0
    with translation.override(language):
        for audience in Audience:
            for dimension in selectors.DIMENSIONS:
                selectors.cached_barrier_table(audience=audience, as_of=now, dimension=dimension, refresh=True)
                count += 1
    return count
