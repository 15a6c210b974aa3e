"""Filing many barriers at once (일괄 접수) for association and city staff.

``file_barriers_in_bulk`` does what ``file_barrier`` followed by ``submit_barrier`` does for one
barrier — the filing event, the ``submit`` transition checked against ``barriers.transitions``,
the hash-chained audit events (``barriers.audit``) and the city's triage clock — but for
thousands of rows in a handful of bulk inserts, inside one transaction: all rows are filed or
none. The caller (``bulk_filing``) has validated and normalised every row already; this module
checks again what must never be wrong in the database (permissions per firm, sectors, the
submit rules), so it is safe to call on its own.

What it does not do per barrier: e-mail the city once per barrier (the caller sends one summary)
and enqueue routing per barrier (the caller routes the batch in one background task).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import require
from barriers import audit, deadlines
from barriers.models import (
    Barrier,
    BarrierClock,
    BarrierEvent,
    BarrierStatus,
    ClockStep,
    EventKind,
    Privacy,
    RequestKind,
)
from barriers.services.intake import MIN_BODY_TO_SUBMIT
from barriers.transitions import VERBS, can_move
from core.errors import ValidationFailed
from firms.models import Association, Firm, Sector

BATCH_SIZE = 500
# Whoever may file for a firm in bulk: registered by the bulk_filing app (city staff for any firm,
# association staff for their members).
FILE_FOR_ACTION = "bulk_filing.file_for"
EMPTY_NOTE_DIGEST = audit.note_digest("")


@dataclass(frozen=True)
class BulkBarrier:
    """One validated row: the filer's fields as ``file_barrier`` takes them, already clean."""

    firm_id: int
    title: str
    body: str
    sector_ids: tuple[int, ...]
    kind: str = RequestKind.PROPOSAL
    privacy: str = Privacy.PUBLIC_ANONYMOUS
    seal_from_agency: bool = False
    statutes_named: str = ""
    desired_change: str = ""
    harm_cost_won: int | None = None
    harm_delay_months: int | None = None
    harm_lost_market: str = ""
    row_number: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _check(rows: Sequence[BulkBarrier], actor: Any) -> None:
    """The database-level rules, once more: firms the actor may file for, known sectors, and the
    submit rules (a title, a body of some substance, at least one sector)."""
    firms = Firm.objects.in_bulk({row.firm_id for row in rows})
    for firm_id in {row.firm_id for row in rows}:
        firm = firms.get(firm_id)
        if firm is None:
            raise ValidationFailed(_("등록되지 않은 기업이 있습니다."), field="firm")
        require(actor, FILE_FOR_ACTION, firm)
    known_sectors = set(Sector.objects.values_list("pk", flat=True))
    for row in rows:
        where = {"row": row.row_number or "?"}
        if not row.title:
            raise ValidationFailed(_("%(row)s행: 제목이 없습니다.") % where, field="title")
        if len(row.body) < MIN_BODY_TO_SUBMIT:
            raise ValidationFailed(_("%(row)s행: 내용이 너무 짧습니다.") % where, field="body")
        if not row.sector_ids or not set(row.sector_ids) <= known_sectors:
            raise ValidationFailed(_("%(row)s행: 분야가 올바르지 않습니다.") % where, field="sectors")
        if row.kind not in RequestKind.values or row.privacy not in Privacy.values:
            raise ValidationFailed(_("%(row)s행: 선택 항목이 올바르지 않습니다.") % where, field="kind")


def _insert(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (attname → database-ready value) with one ``executemany`` per batch.

    ``bulk_create`` prepares every value of every field through the ORM, which for the 20,000
    events and 10,000 clocks of a 10,000-row upload costs more than the database does. The
    values here are prepared once per distinct value by the caller; a field the caller does not
    give (one added later) takes its default, prepared through its own field as the ORM would.
    """
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    given = rows[0].keys()
    constant: dict[str, Any] = {}
    per_row: list[Any] = []
    for f in fields:
        if f.attname in given:
            continue
        if f.has_default() and callable(f.default) and f.default not in (dict, list):
            per_row.append(f)  # a default that differs per row (a random id, a timestamp)
        else:
            constant[f.attname] = f.get_db_prep_save(f.get_default(), connection)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({marks})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH_SIZE * 4):
            batch = []
            for row in rows[start : start + BATCH_SIZE * 4]:
                extra = {f.attname: f.get_db_prep_save(f.get_default(), connection) for f in per_row}
                batch.append(
                    [
                        row[f.attname] if f.attname in row else extra.get(f.attname, constant.get(f.attname))
                        for f in fields
                    ]
                )
            cursor.executemany(sql, batch)


def _prepared(model: type[models.Model], name: str, value: Any) -> Any:
    """``value`` as the database takes it for ``model.name`` (time zones, JSON adapters)."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field.get_db_prep_save(value, connection)


def _chain_link(
    *,
    barrier_id: int,
    seq: int,
    prev: str,
    kind: str,
    verb: str,
    actor_id: int,
    frm: str,
    to: str,
    now: dt.datetime,
    data: dict[str, Any],
) -> tuple[dict[str, Any], str]:
    """One audit event in its chain position, as ``audit.append_event`` would write it: the
    row's values (``data`` and ``created_at`` still to prepare) and its hash. ``data`` holds only
    JSON-native values, so it reads back exactly as hashed."""
    digest = hashlib.sha256(
        audit.canonical(
            barrier_id=barrier_id,
            seq=seq,
            kind=kind,
            verb=verb,
            from_status=frm,
            to_status=to,
            data=data,
            created_at=now,
            actor_ref=actor_id,
            note_digest=EMPTY_NOTE_DIGEST,
            prev_hash=prev,
        )
    ).hexdigest()
    row = {
        "barrier_id": barrier_id,
        "actor_id": actor_id,
        "kind": kind,
        "verb": verb,
        "from_status": frm,
        "to_status": to,
        "note": "",
        "data": data,
        "seq": seq,
        "actor_ref": actor_id,
        "note_digest": EMPTY_NOTE_DIGEST,
        "prev_hash": prev,
        "hash": digest,
    }
    return row, digest


@transaction.atomic
def file_barriers_in_bulk(
    *,
    actor: Any,
    rows: Sequence[BulkBarrier],
    via_association: Association | None = None,
    source: dict[str, Any] | None = None,
) -> list[int]:
    """File and submit (접수) every row for its firm, all or nothing; returns the new barrier ids
    in row order. ``source`` (e.g. the upload id) is recorded in each barrier's audit events."""
    if not rows:
        return []
    _check(rows, actor)
    verb = VERBS["submit"]
    if not can_move(BarrierStatus.DRAFT, "submit"):  # the workflow table decides, not this module
        raise ValidationFailed(_("접수할 수 없는 상태입니다."), code="transition_not_allowed")
    now = timezone.now()
    actor_id: int = actor.pk  # a signed-in person files (Barrier.filed_by is required)

    due_by_kind: dict[str, tuple[dt.datetime, Any]] = {}
    for kind in {row.kind for row in rows}:
        period = deadlines.period_for(step=ClockStep.TRIAGE, kind=kind, agency=None)
        due_by_kind[kind] = (deadlines.compute_due(started_at=now, period=period), period)

    barriers = []
    for row in rows:
        due, _period = due_by_kind[row.kind]
        barrier = Barrier(
            firm_id=row.firm_id,
            filed_by_id=actor_id,
            title=row.title,
            body=row.body,
            statutes_named=row.statutes_named,
            desired_change=row.desired_change,
            harm_cost_won=row.harm_cost_won,
            harm_delay_months=row.harm_delay_months,
            harm_lost_market=row.harm_lost_market,
            privacy=row.privacy,
            seal_from_agency=row.seal_from_agency,
            kind=row.kind,
            filed_via_association=via_association,
            # The state after file (version 1) and submit (version 2), as the two events record.
            status=verb.target,
            status_changed_at=now,
            submitted_at=now,
            version=2,
            due_step=ClockStep.TRIAGE,
        )
        barrier.set_due(due)
        barriers.append(barrier)
    Barrier.objects.bulk_create(barriers, batch_size=BATCH_SIZE)

    _insert(
        Barrier.sectors.through,
        [{"barrier_id": b.pk, "sector_id": s} for b, row in zip(barriers, rows, strict=True) for s in row.sector_ids],
    )

    data = {"bulk": True, **(source or {})}
    at = _prepared(BarrierEvent, "created_at", now)
    events: list[dict[str, Any]] = []
    clocks: list[dict[str, Any]] = []
    started = _prepared(BarrierClock, "started_at", now)
    due_prepared = {kind: _prepared(BarrierClock, "due_at", due) for kind, (due, _p) in due_by_kind.items()}
    for barrier, row in zip(barriers, rows, strict=True):
        filed_data = {**data, "row": row.row_number}
        filed, filed_hash = _chain_link(
            barrier_id=barrier.pk,
            actor_id=actor_id,
            now=now,
            seq=1,
            prev=audit.GENESIS,
            kind=EventKind.DRAFT_UPDATED,
            verb="file",
            frm=BarrierStatus.DRAFT,
            to=BarrierStatus.DRAFT,
            data=filed_data,
        )
        submitted, _hash = _chain_link(
            barrier_id=barrier.pk,
            actor_id=actor_id,
            now=now,
            seq=2,
            prev=filed_hash,
            kind=EventKind.TRANSITION,
            verb="submit",
            frm=BarrierStatus.DRAFT,
            to=verb.target,
            data=data,
        )
        for event in (filed, submitted):
            event["data"] = _prepared(BarrierEvent, "data", event["data"])
            event["created_at"] = at
        events += [filed, submitted]
        _due, period = due_by_kind[row.kind]
        clocks.append(
            {
                "barrier_id": barrier.pk,
                "step": ClockStep.TRIAGE.value,
                "agency_id": None,
                "started_at": started,
                "period_days": period.days,
                "counting": period.counting.value,
                "due_at": due_prepared[row.kind],
            }
        )
    # Each event is written exactly once, with its chain fields computed above (what
    # BarrierEvent.save guards); no event is ever updated.
    _insert(BarrierEvent, events)
    _insert(BarrierClock, clocks)
    return [b.pk for b in barriers]
