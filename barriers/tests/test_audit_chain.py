"""The audit trail is append-only and hash-chained: edits behind the application's back are caught
by ``verify_audit``, the database refuses them, and erasing personal notes keeps the chain valid."""

from __future__ import annotations

import functools

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from barriers import audit, services
from barriers.models import AuditImmutable, BarrierEvent, EventKind
from barriers.services._core import record_event
from barriers.tests.factories import BODY
from barriers.tests.together import run_together

pytestmark = pytest.mark.django_db


def _events(barrier):
    return list(BarrierEvent.objects.filter(barrier=barrier).order_by("seq"))


def _drop_trigger():
    # What someone with direct database access could do first; rolled back with the test.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")  # superuser: triggers off
        else:
            cursor.execute("DROP TRIGGER IF EXISTS barriers_event_append_only")


def test_each_event_links_to_the_previous_one(answered):
    events = _events(answered)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == audit.GENESIS
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    assert all(audit.event_hash(e) == e.hash for e in events)
    result = audit.verify_chains()
    assert result.broken == [] and result.events == len(events) >= 5


def test_verify_audit_command_passes_on_an_untouched_trail(answered, capsys):
    call_command("verify_audit")
    assert "audit chain OK" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("_case", "sql", "reason"),
    [
        ("note rewritten", "UPDATE barriers_barrierevent SET note = 'tampered' WHERE id = %s", "note"),
        ("status rewritten", "UPDATE barriers_barrierevent SET to_status = 'closed' WHERE id = %s", "hash"),
        ("actor swapped", "UPDATE barriers_barrierevent SET actor_ref = actor_ref + 1 WHERE id = %s", "hash"),
        ("event deleted", "DELETE FROM barriers_barrierevent WHERE id = %s", "sequence"),
    ],
)
def test_an_edit_behind_the_applications_back_is_caught(answered, _case, sql, reason):
    events = _events(answered)
    target = events[2]
    _drop_trigger()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM barriers_notification WHERE event_id = %s", [target.pk])
        cursor.execute(sql, [target.pk])
    result = audit.verify_chains()
    assert len(result.broken) == 1
    link = result.broken[0]
    assert link.barrier_id == answered.pk
    assert reason in link.reason
    expected = target.pk if _case != "event deleted" else events[3].pk
    assert link.event_id == expected
    with pytest.raises(CommandError, match="1 chain"):
        call_command("verify_audit")


def test_a_rehashed_forgery_breaks_the_next_link(answered):
    """Recomputing the edited row's own hash does not help: the next event points at the old one."""
    events = _events(answered)
    target = events[1]
    _drop_trigger()
    forged = BarrierEvent.objects.get(pk=target.pk)
    forged.to_status = "closed"
    new_hash = audit.event_hash(forged)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE barriers_barrierevent SET to_status = 'closed', hash = %s WHERE id = %s", [new_hash, target.pk]
        )
    [link] = audit.verify_chains().broken
    assert link.event_id == events[2].pk and "prev_hash" in link.reason


def test_the_database_refuses_updates_of_chained_fields(answered):
    target = _events(answered)[1]
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE barriers_barrierevent SET verb = 'x' WHERE id = %s", [target.pk])
    assert audit.verify_chains().broken == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the DELETE trigger exists on PostgreSQL only")
def test_postgresql_refuses_deleting_an_event(answered):
    target = _events(answered)[1]
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM barriers_barrierevent WHERE id = %s", [target.pk])


def test_python_refuses_changes_and_deletes(answered):
    event = _events(answered)[0]
    event.note = "changed"
    with pytest.raises(AuditImmutable):
        event.save()
    with pytest.raises(AuditImmutable):
        event.delete()
    with pytest.raises(AuditImmutable):
        BarrierEvent.objects.filter(pk=event.pk).update(note="x")
    with pytest.raises(AuditImmutable):
        BarrierEvent.objects.filter(pk=event.pk).delete()


def test_erasing_personal_notes_keeps_the_chain_valid(firm_member, submitted):
    withdrawn = services.withdraw_barrier(
        barrier_id=submitted.pk, actor=firm_member, reason="담당자 홍길동 010-1234-5678"
    )
    erased = audit.redact_notes(BarrierEvent.objects.filter(barrier=withdrawn))
    assert erased == 1
    event = BarrierEvent.objects.get(barrier=withdrawn, verb="withdraw")
    assert event.note == "" and event.redacted_at is not None
    result = audit.verify_chains()
    assert result.broken == [] and result.redacted == 1


def test_a_deleted_users_link_may_go_and_the_chain_stays_valid(firm_member, submitted):
    """``actor`` is SET_NULL when a user is deleted: the database allows exactly that change and
    the chain still verifies (it covers ``actor_ref``, the id as written)."""
    assert BarrierEvent.objects.filter(actor=firm_member).exists()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE barriers_barrierevent SET actor_id = NULL WHERE actor_id = %s", [firm_member.pk])
    assert not BarrierEvent.objects.filter(actor=firm_member).exists()
    assert audit.verify_chains().broken == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real row locks (PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_do_not_fork_the_chain(sectors, firm, firm_member, city_official, agency):
    barrier = services.file_barrier(actor=firm_member, firm=firm, title="동시 기록", body=BODY, sector_codes=["ai"])

    def write(i: int) -> None:
        with transaction.atomic():
            record_event(barrier, kind=EventKind.ASSIGNED, verb="assign", actor=None, now=timezone.now(), data={"i": i})

    outcomes = run_together(*[functools.partial(write, i) for i in range(8)], timeout=30)
    assert [o for o in outcomes if isinstance(o, BaseException)] == []
    events = _events(barrier)
    assert [e.seq for e in events] == list(range(1, 10))
    assert audit.verify_chains(barrier_ids=[barrier.pk]).broken == []
