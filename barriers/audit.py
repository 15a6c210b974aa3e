"""The tamper-evident audit trail: barrier events are append-only and hash-chained per barrier.

Why per barrier and not one global chain: every write to a barrier already holds that barrier's
row lock (``locked_barrier``), so appending to its chain adds no contention, while one global
chain would serialise every writer of the whole service on one lock. Each chain is still complete
on its own: ``seq`` runs 1, 2, 3… without gaps, so a deleted or inserted event breaks it, and a
``UniqueConstraint(barrier, seq)`` makes a fork impossible even for a writer that skipped the lock.

What the hash covers (``canonical``): barrier, seq, kind, verb, statuses, ``data``, the time,
the previous hash, the actor's id as written (``actor_ref``) and the SHA-256 of the note
(``note_digest``) — not the note itself. So the retention rules (``privacy``) can erase personal
text (``redact_notes``: the note becomes empty and ``redacted_at`` is set) and the chain still
verifies; a note changed in any other way no longer matches its digest and is reported.

Guards: ``BarrierEvent.save``/``delete`` and its queryset refuse changes in Python; database
triggers (migration ``audit_hash_chain``) refuse UPDATE of chained columns on SQLite and
PostgreSQL and DELETE on PostgreSQL. ``manage.py verify_audit`` recomputes every chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from barriers.models import Barrier, BarrierEvent

GENESIS = "0" * 64
CHAIN_VERSION = "haechi-audit-v1"


def note_digest(note: str) -> str:
    return hashlib.sha256(note.encode("utf-8")).hexdigest()


def _timestamp(value: dt.datetime) -> str:
    # UTC with microseconds: what both SQLite and PostgreSQL store and give back unchanged.
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(
    *,
    barrier_id: int,
    seq: int,
    kind: str,
    verb: str,
    from_status: str,
    to_status: str,
    data: Any,
    created_at: dt.datetime,
    actor_ref: int | None,
    note_digest: str,
    prev_hash: str,
) -> bytes:
    """The bytes an event's hash is taken over: sorted-key JSON without spaces, UTF-8."""
    fields = {
        "v": CHAIN_VERSION,
        "barrier": barrier_id,
        "seq": seq,
        "kind": kind,
        "verb": verb,
        "from": from_status,
        "to": to_status,
        "data": data,
        "at": _timestamp(created_at),
        "actor": actor_ref,
        "note": note_digest,
        "prev": prev_hash,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def event_hash(event: BarrierEvent) -> str:
    """The hash ``event`` should carry, recomputed from its stored fields."""
    return hashlib.sha256(_canonical_of(event, barrier_id=event.barrier_id)).hexdigest()


def _canonical_of(event: BarrierEvent, *, barrier_id: int) -> bytes:
    assert event.seq is not None
    return canonical(
        barrier_id=barrier_id,
        seq=event.seq,
        kind=event.kind,
        verb=event.verb,
        from_status=event.from_status,
        to_status=event.to_status,
        data=event.data,
        created_at=event.created_at,
        actor_ref=event.actor_ref,
        note_digest=event.note_digest,
        prev_hash=event.prev_hash,
    )


def _unsaved_event(
    *,
    head: ChainHead,
    kind: str,
    verb: str,
    actor: Any,
    from_status: str,
    to_status: str,
    now: dt.datetime,
    note: str,
    data: dict[str, Any] | None,
) -> BarrierEvent:
    """The event after ``head`` with every hashed field set (not its barrier, hash or id)."""
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    return BarrierEvent(
        actor_id=actor_id,
        kind=kind,
        verb=verb,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=_json_roundtrip(data or {}),
        created_at=now,
        seq=head.seq + 1,
        actor_ref=actor_id,
        note_digest=note_digest(note),
        prev_hash=head.hash,
    )


def _json_roundtrip(data: Any) -> Any:
    # Hash what the database will give back (tuples become lists, dates strings, …).
    return json.loads(json.dumps(data, default=str))


@dataclass(frozen=True)
class ChainHead:
    """The last link of a barrier's chain as the caller knows it for certain: it wrote that event
    (or created the barrier, ``NEW_CHAIN``) in the current transaction while holding the row."""

    seq: int
    hash: str

    @classmethod
    def of(cls, event: BarrierEvent) -> ChainHead:
        assert event.seq is not None
        return cls(event.seq, event.hash)


# A barrier created in the running transaction: nobody else can see it yet, and it has no events.
NEW_CHAIN = ChainHead(0, GENESIS)


# No savepoint of its own: services call this inside their transaction, and a failure here fails
# the whole business action anyway (two round trips saved per event).
@transaction.atomic(savepoint=False)
def append_event(
    barrier: Barrier,
    *,
    kind: str,
    verb: str,
    actor: Any,
    from_status: str,
    to_status: str,
    now: dt.datetime,
    note: str = "",
    data: dict[str, Any] | None = None,
    head: ChainHead | None = None,
    row_locked: bool = False,
) -> BarrierEvent:
    """Write the next event of ``barrier``'s chain. Holds the barrier's row lock until the
    transaction ends, so two transactions cannot both read the same chain head.

    ``head``: only when the caller knows the head for certain — it created the barrier in this
    transaction (``NEW_CHAIN``) or wrote that very event in this transaction (``ChainHead.of``),
    so the row is already its own. The lock and the head read (two queries) are then skipped; a
    wrong head still cannot fork the chain: ``UniqueConstraint(barrier, seq)`` refuses it.
    ``row_locked``: the caller took the row lock in this transaction (``locked_barrier``), so
    only the head is read."""
    if head is None:
        if not row_locked:
            # Taking the lock here keeps append_event safe on its own for callers without one.
            Barrier.objects.select_for_update().filter(pk=barrier.pk).values_list("pk", flat=True).first()
        # A statement of its own after the lock: it sees the head the previous holder committed.
        last = BarrierEvent.objects.filter(barrier_id=barrier.pk).order_by("-seq").values_list("seq", "hash").first()
        head = ChainHead(last[0], last[1]) if last and last[0] is not None else NEW_CHAIN
    event = _unsaved_event(
        head=head,
        kind=kind,
        verb=verb,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        now=now,
        note=note,
        data=data,
    )
    event.barrier = barrier
    event.hash = event_hash(event)
    event.save(force_insert=True)
    return event


@dataclass(frozen=True)
class ChainStartSql:
    """The INSERT of a new barrier's first event, for the statement that inserts the barrier
    (``chain_start_sql``): ``sql`` with its ``params``; ``event`` is the event as written, its
    ``pk``, ``barrier_id`` and ``hash`` set by ``finish`` from what the statement returned."""

    sql: str
    params: list[Any]
    event: BarrierEvent
    # ``verify_ahead``: the canonical bytes around the id, checked before the statement.
    verified_around_id: tuple[bytes, bytes] | None = None

    def finish(self, *, barrier: Barrier, event_id: int, event_hash_hex: str, db: str) -> BarrierEvent:
        event = self.event
        event.barrier = barrier
        event.pk = event_id
        event.hash = event_hash_hex
        event._state.adding = False
        event._state.db = db
        # The database computed the hash over the bytes Python would hash: check that it did (a
        # mismatch rolls the filing back instead of writing a chain that does not verify). Bytes
        # checked ahead need not be built again: the hash of those bytes with the id is the check.
        if self.verified_around_id is not None:
            before, after = self.verified_around_id
            expected = hashlib.sha256(before + str(barrier.pk).encode() + after).hexdigest()
        else:
            expected = event_hash(event)
        if expected != event_hash_hex:
            raise AssertionError(f"audit hash of the first event of barrier #{barrier.pk} computed differently")
        return event


def chain_start_sql(
    connection: Any,
    *,
    source: str,
    barrier_id: str,
    kind: str,
    verb: str,
    actor: Any,
    status: str,
    now: dt.datetime,
    data: dict[str, Any] | None = None,
    verify_ahead: bool = False,
) -> ChainStartSql:
    """``append_event(..., head=NEW_CHAIN)`` as SQL (PostgreSQL) for a statement whose
    ``source`` (a CTE) yields the new barrier's id as ``barrier_id`` (e.g. ``new_barrier."id"``):
    the barrier and its first event in one round trip. The id is known only inside the
    statement, so the hash is taken there: SHA-256 over the canonical bytes with the id spliced
    in where ``canonical`` writes it (``RETURNING`` gives back the event's id and hash).
    ``verify_ahead``: check the splice now, for a statement that commits on its own."""
    event = _unsaved_event(
        head=NEW_CHAIN,
        kind=kind,
        verb=verb,
        actor=actor,
        from_status=status,
        to_status=status,
        now=now,
        note="",
        data=data,
    )
    text = _canonical_of(event, barrier_id=0)
    # Keys are sorted: "actor" and "at" (a number and a time) come first, so the first
    # '"barrier":0,' is the key itself (inside a JSON string a quote is always escaped).
    head, marker, tail = text.partition(b'"barrier":0,')
    if not marker:
        raise AssertionError("canonical form without the barrier id")
    if verify_ahead and _canonical_of(event, barrier_id=1) != head + b'"barrier":1,' + tail:
        # The splice must give the bytes ``canonical`` writes for any id: checked here, before the
        # statement, by a caller whose statement commits on its own (``finish`` checks too late).
        raise AssertionError("the barrier id is not where the canonical form writes it")
    fields = _chain_start_fields(connection)
    values: list[Any] = []
    for field in fields:
        if field.name == "hash":
            values.append((head + b'"barrier":', b"," + tail))
        else:
            values.append(field.get_db_prep_save(getattr(event, field.attname), connection))
    template = _chain_start_template(connection, tuple(value is None for value in values))
    params: list[Any] = []
    for field, value in zip(fields, values, strict=True):
        if field.name == "hash":
            params += value
        elif value is not None:
            params.append(value)
    sql = template.format(source=source, barrier_id=barrier_id)
    around = (head + b'"barrier":', b"," + tail) if verify_ahead else None
    return ChainStartSql(sql, params, event, around)


# (database alias) → the fields whose values the first event's INSERT takes, in order.
_CHAIN_START_FIELDS: dict[str, list[Any]] = {}
# (database alias, which values are NULL) → the first event's INSERT … SELECT with {source} and
# {barrier_id} left open (building it cost more than running it). NULL is written out: fewer
# parameters keep the filing's statement within what the driver keeps parsed.
_CHAIN_START_TEMPLATES: dict[tuple[str, tuple[bool, ...]], str] = {}


def _chain_start_fields(connection: Any) -> list[Any]:
    fields = _CHAIN_START_FIELDS.get(connection.alias)
    if fields is None:
        meta = BarrierEvent._meta
        fields = _CHAIN_START_FIELDS[connection.alias] = [
            field for field in meta.local_concrete_fields if not field.primary_key and field.name != "barrier"
        ]
    return fields


def _chain_start_template(connection: Any, nulls: tuple[bool, ...]) -> str:
    key = (connection.alias, nulls)
    template = _CHAIN_START_TEMPLATES.get(key)
    if template is None:
        meta = BarrierEvent._meta
        quote = connection.ops.quote_name
        columns, values = [], []
        by_name = dict(zip((f.name for f in _chain_start_fields(connection)), nulls, strict=True))
        for field in meta.local_concrete_fields:
            if field.primary_key:
                continue
            columns.append(quote(field.column))
            if field.name == "barrier":
                values.append("{barrier_id}")
            elif field.name == "hash":
                values.append("encode(sha256(%s::bytea || convert_to({barrier_id}::text, 'UTF8') || %s::bytea), 'hex')")
            elif by_name[field.name]:
                values.append(f"NULL::{field.db_type(connection)}")
            else:
                # Typed: in INSERT … SELECT an untyped literal would be taken as text.
                values.append(f"%s::{field.db_type(connection)}")
        template = _CHAIN_START_TEMPLATES[key] = (
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {{source}} "
            f"RETURNING {quote(meta.pk.column)}, {quote(meta.get_field('hash').column)}"
        )
    return template


def redact_notes(events: models.QuerySet[BarrierEvent], *, now: dt.datetime | None = None) -> int:
    """Erase the personal text of ``events`` (the note); the chain keeps verifying because it
    covers the note's digest, not the note. Returns how many notes were erased."""
    targets = events.filter(redacted_at__isnull=True).exclude(note="")
    # The one sanctioned write to an event: bypasses BarrierEventQuerySet.update on purpose.
    return models.QuerySet.update(targets, note="", redacted_at=now or timezone.now())


@dataclass(frozen=True)
class BrokenLink:
    """The first event of a chain that does not verify, and why."""

    barrier_id: int
    event_id: int
    seq: int | None
    reason: str

    def __str__(self) -> str:
        return f"barrier #{self.barrier_id} event id={self.event_id} seq={self.seq}: {self.reason}"


@dataclass
class VerifyResult:
    barriers: int = 0
    events: int = 0
    redacted: int = 0
    broken: list[BrokenLink] | None = None


def _check_chain(barrier_id: int, events: Iterable[BarrierEvent]) -> tuple[int, int, BrokenLink | None]:
    expected_seq, prev, count, redacted = 1, GENESIS, 0, 0
    for event in events:
        count += 1

        def broken(reason: str, event: BarrierEvent = event) -> BrokenLink:
            return BrokenLink(barrier_id, event.pk, event.seq, reason)

        if event.seq != expected_seq:
            return count, redacted, broken(f"sequence gap or reorder: expected seq {expected_seq}, found {event.seq}")
        if event.prev_hash != prev:
            return count, redacted, broken("prev_hash does not match the previous event's hash")
        if event_hash(event) != event.hash:
            return count, redacted, broken("hash does not match the event's fields (edited after writing)")
        if event.redacted_at is None:
            if note_digest(event.note) != event.note_digest:
                return count, redacted, broken("note does not match its digest (edited after writing)")
        else:
            redacted += 1
            if event.note:
                return count, redacted, broken("a redacted event still carries a note")
        if event.actor_id is not None and event.actor_id != event.actor_ref:
            return count, redacted, broken("actor changed after writing")
        expected_seq, prev = expected_seq + 1, event.hash
    return count, redacted, None


def _chains(barrier_ids: Iterable[int] | None, batch: int) -> Iterator[tuple[int, list[BarrierEvent]]]:
    qs = BarrierEvent.objects.order_by("barrier_id", "seq", "pk")
    if barrier_ids is not None:
        qs = qs.filter(barrier_id__in=list(barrier_ids))
    current: int | None = None
    chain: list[BarrierEvent] = []
    for event in qs.iterator(chunk_size=batch):
        if event.barrier_id != current:
            if current is not None:
                yield current, chain
            current, chain = event.barrier_id, []
        chain.append(event)
    if current is not None:
        yield current, chain


def verify_chains(*, barrier_ids: Iterable[int] | None = None, stop_at_first: bool = False) -> VerifyResult:
    """Recompute every chain (or those of ``barrier_ids``); the result lists the first broken
    link of each broken chain, ordered by barrier."""
    result = VerifyResult(broken=[])
    assert result.broken is not None
    for barrier_id, chain in _chains(barrier_ids, batch=2000):
        count, redacted, broken = _check_chain(barrier_id, chain)
        result.barriers += 1
        result.events += count
        result.redacted += redacted
        if broken is not None:
            result.broken.append(broken)
            if stop_at_first:
                break
    return result
