"""Reads for Open311: service requests are exactly what the public register shows.

The source is ``register.selectors.public_publications()`` — barriers whose filer allowed
publication, triaged or later, that a city official published after redaction — and every text
comes from the ``Publication`` (the redacted title and body), never from the barrier's own
rows. The filing firm is never named (a sealed or anonymous filer could otherwise be singled
out); the request id is the register's random public id, not the database key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from barriers import deadlines
from barriers.models import BarrierAnswer, BarrierStatus, RequestKind
from barriers.transitions import OPEN
from open311.catalog import SEPARATOR
from open311.formats import iso
from register.models import Publication
from register.selectors import OWED_STEPS, public_overdue_days, public_publications

MAX_REQUESTS = 1_000
MAX_RANGE = dt.timedelta(days=90)
CITY = "서울특별시"


@dataclass
class RequestFilter:
    service_code: tuple[str, str] | None = None  # (sector code, kind)
    statuses: frozenset[str] = field(default_factory=frozenset)  # "open" / "closed"
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    public_ids: tuple[str, ...] = ()


def open311_status(status: str) -> str:
    return "open" if status in OPEN else "closed"


def requests(filters: RequestFilter) -> QuerySet[Publication]:
    """Published requests matching ``filters``, newest first, at most ``MAX_REQUESTS``."""
    qs = public_publications().select_related("barrier", "barrier__lead_agency")
    if filters.service_code is not None:
        sector, kind = filters.service_code
        qs = qs.filter(barrier__sectors__code=sector, barrier__kind=kind)
    if filters.statuses == {"open"}:
        qs = qs.filter(barrier__status__in=OPEN)
    elif filters.statuses == {"closed"}:
        qs = qs.exclude(barrier__status__in=OPEN)
    if filters.start is not None:
        qs = qs.filter(barrier__submitted_at__gte=filters.start)
    if filters.end is not None:
        qs = qs.filter(barrier__submitted_at__lte=filters.end)
    if filters.public_ids:
        qs = qs.filter(public_id__in=filters.public_ids)
    answers = Prefetch("barrier__answers", queryset=BarrierAnswer.objects.order_by("-created_at", "-pk"))
    return (
        qs.prefetch_related("barrier__sectors", answers)
        .order_by("-barrier__submitted_at", "-pk")
        .distinct()[:MAX_REQUESTS]
    )


def _status_notes(barrier: Any, *, now: dt.datetime, closures: frozenset[dt.date] | None) -> str:
    notes = [str(BarrierStatus(barrier.status).label)]
    answers = list(barrier.answers.all())
    if answers:
        notes.append(_("회신: %(outcome)s") % {"outcome": answers[0].get_outcome_display()})
    overdue = public_overdue_days(barrier, now=now, closures=closures)
    if overdue:
        notes.append(_("처리 기한 %(n)s일 경과") % {"n": overdue})
    return " · ".join(notes)


def as_request(
    publication: Publication, *, now: dt.datetime | None = None, closures: frozenset[dt.date] | None = None
) -> dict[str, Any]:
    """One published barrier as a GeoReport v2 service request (every field of the spec)."""
    moment = now or timezone.now()
    barrier = publication.barrier
    sectors = sorted(barrier.sectors.all(), key=lambda s: (s.ordering, s.code))
    sector = sectors[0] if sectors else None
    is_open = barrier.status in OPEN
    expected = barrier.due_at if is_open and barrier.due_step in OWED_STEPS else None
    updated = max(filter(None, [barrier.status_changed_at, publication.updated_at, publication.published_at]))
    return {
        "service_request_id": publication.public_id,
        "status": open311_status(barrier.status),
        "status_notes": _status_notes(barrier, now=moment, closures=closures),
        "service_name": f"{sector.name} · {RequestKind(barrier.kind).label}" if sector else "",
        "service_code": f"{sector.code}{SEPARATOR}{barrier.kind}" if sector else "",
        "description": f"{publication.title}\n\n{publication.body}",
        "agency_responsible": barrier.lead_agency.name if barrier.lead_agency is not None else CITY,
        "service_notice": "",
        "requested_datetime": iso(barrier.submitted_at),
        "updated_datetime": iso(updated),
        "expected_datetime": iso(expected),
        # Regulatory barriers have no street location: the fields are present and empty.
        "address": "",
        "address_id": "",
        "zipcode": "",
        "lat": None,
        "long": None,
        "media_url": "",
    }


def as_requests(publications: Iterable[Publication]) -> list[dict[str, Any]]:
    now = timezone.now()
    closures = deadlines.extra_closures(around=now)
    return [as_request(p, now=now, closures=closures) for p in publications]


def public_id_of(barrier_id: int) -> str | None:
    """The register's public id of a barrier, when it is published (else None)."""
    return public_publications().filter(barrier_id=barrier_id).values_list("public_id", flat=True).first()
