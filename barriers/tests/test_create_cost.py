"""The keyed create without a lock on its key: the key's answer is stored by a compare-and-set
in the same transaction as the work, so a request taken over (it ran past IN_FLIGHT_TIMEOUT)
commits nothing and answers 409, and the one that took the key over does the work once."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from barriers import audit
from barriers.models import Barrier, BarrierEvent
from barriers.tests.factories import BODY
from core.idempotency import IN_FLIGHT_TIMEOUT, _claim, _insert_if_new, idempotent, request_fingerprint
from core.models import IdempotencyKey
from firms.models import Firm
from firms.tests.factories import brn_for

pytestmark = pytest.mark.django_db
PAYLOAD = {"title": "드론 배송 규제", "body": BODY, "sector_codes": ["mobility"]}


def _keyed_post(client: Client, key: str, payload: dict = PAYLOAD):
    return client.post(
        "/api/barriers", data=json.dumps(payload), content_type="application/json", headers={"Idempotency-Key": key}
    )


def test_a_request_taken_over_while_it_ran_commits_nothing_and_answers_409():
    factory = RequestFactory()
    seen: dict[str, object] = {}

    @idempotent("tests.takeover", principal=lambda request: "tests:takeover")
    def slow_view(request: HttpRequest) -> HttpResponse:
        Firm.objects.create(name="사라질 기업", business_registration_number=brn_for(41_001))
        # Meanwhile this request "hung" past the timeout and a retry took the key over.
        record = IdempotencyKey.objects.get(principal="tests:takeover", key="k-1")
        IdempotencyKey.objects.filter(pk=record.pk).update(started_at=record.started_at - IN_FLIGHT_TIMEOUT * 2)
        retry = factory.post("/x", data="{}", content_type="application/json", headers={"Idempotency-Key": "k-1"})
        seen["taker"] = _claim(
            principal="tests:takeover", scope="tests.takeover", key="k-1", fingerprint=request_fingerprint(retry)
        )
        return JsonResponse({"ok": True}, status=201)

    request = factory.post("/x", data="{}", content_type="application/json", headers={"Idempotency-Key": "k-1"})
    response = slow_view(request)
    assert isinstance(seen["taker"], IdempotencyKey)  # the retry did take the key over
    assert response.status_code == 409
    assert json.loads(response.content)["code"] == "idempotency_request_in_flight"
    assert not Firm.objects.filter(name="사라질 기업").exists()  # the taken-over work rolled back


def test_a_completed_key_is_not_taken_over_by_a_stale_read(firm_member, sectors):
    """A retry that read the key as an abandoned in-flight one, but finds it completed when it
    tries to take it over (the first request stored its answer meanwhile), replays the answer."""
    client = Client()
    client.force_login(firm_member)
    first = _keyed_post(client, "stale-1")
    assert first.status_code == 201
    record = IdempotencyKey.objects.get(key="stale-1")
    old = record.started_at - IN_FLIGHT_TIMEOUT - dt.timedelta(seconds=1)
    IdempotencyKey.objects.filter(pk=record.pk).update(started_at=old)
    # The take-over's compare-and-set as a retry holding the stale (in-flight) read would send it.
    taken = IdempotencyKey.objects.filter(pk=record.pk, started_at=old, state=IdempotencyKey.IN_FLIGHT).update(
        state=IdempotencyKey.IN_FLIGHT
    )
    assert taken == 0
    again = _keyed_post(client, "stale-1")
    assert again.status_code == 201 and again.content == first.content
    assert Barrier.objects.count() == 1


def test_keyed_and_unkeyed_creates_store_the_same_rows_and_answers(firm_member, sectors):
    """The keyed path (no savepoint, the firm's name read lazily) writes what the plain one does."""
    client = Client()
    client.force_login(firm_member)
    plain = client.post("/api/barriers", data=json.dumps(PAYLOAD), content_type="application/json")
    keyed = _keyed_post(client, "same-1")
    assert plain.status_code == keyed.status_code == 201
    a, b = plain.json(), keyed.json()
    for shaped in (a, b):
        shaped.pop("id")
        shaped.pop("created_at", None)
        shaped.pop("updated_at", None)
    assert a == b
    first, second = Barrier.objects.order_by("pk")
    skip = {"id", "created_at", "updated_at"}
    fields = [f.attname for f in Barrier._meta.concrete_fields if f.attname not in skip]
    assert [getattr(first, f) for f in fields] == [getattr(second, f) for f in fields]
    assert list(first.sectors.values_list("code", flat=True)) == list(second.sectors.values_list("code", flat=True))
    e1, e2 = BarrierEvent.objects.get(barrier=first), BarrierEvent.objects.get(barrier=second)
    assert (e1.kind, e1.verb, e1.seq, e1.prev_hash) == (e2.kind, e2.verb, e2.seq, e2.prev_hash)
    # The stored answer is the answer, byte for byte.
    assert IdempotencyKey.objects.get(key="same-1").response_body.encode() == keyed.content


def test_a_refused_keyed_create_writes_nothing_and_releases_the_key(firm_member, sectors):
    client = Client()
    client.force_login(firm_member)
    bad = _keyed_post(client, "bad-1", {**PAYLOAD, "sector_codes": ["no-such-sector"]})
    assert bad.status_code == 400 and bad.json()["field"] == "sectors"
    assert not Barrier.objects.exists() and not BarrierEvent.objects.exists()
    assert not IdempotencyKey.objects.filter(key="bad-1").exists()
    # The same connection goes on working (no broken transaction left behind).
    assert _keyed_post(client, "bad-1").status_code == 201


def test_keyed_create_statements(firm_member, sectors):
    """The key's claim is one statement; no lock on it, no savepoint around the filing."""
    client = Client()
    client.force_login(firm_member)
    _keyed_post(client, "warm-1")
    with CaptureQueriesContext(connection) as captured:
        assert _keyed_post(client, "count-1").status_code == 201
    statements = [q["sql"].upper() for q in captured.captured_queries]
    assert not any("FOR UPDATE" in s for s in statements)
    assert sum(s.startswith("SAVEPOINT") for s in statements) == 1  # the key's transaction (here nested)
    assert sum("CORE_IDEMPOTENCYKEY" in s for s in statements) == 2  # claim, store


@pytest.mark.parametrize("submit", [False, True])
@pytest.mark.parametrize("key", [None, "shape-1"])
def test_the_create_answer_is_the_schema_validated_answer_byte_for_byte(firm_member, firm, sectors, submit, key):
    """The create handler renders its answer without django-ninja validating it against
    BarrierOut again: the bytes are those of a read of the same barrier (which is validated),
    keys in the schema's order, times as the renderer writes them — a firm name that needs
    escaping included."""
    Firm.objects.filter(pk=firm.pk).update(name='따옴표 "기업" \\ 백슬래시 🚀')
    client = Client()
    client.force_login(firm_member)
    payload = {**PAYLOAD, "submit": submit, "harm_cost_won": 1_000_000}
    headers = {"Idempotency-Key": key} if key else {}
    created = client.post("/api/barriers", data=json.dumps(payload), content_type="application/json", headers=headers)
    assert created.status_code == 201, created.content
    assert created["Content-Type"] == "application/json; charset=utf-8"
    read = client.get(f"/api/barriers/{created.json()['id']}")
    assert read.status_code == 200
    assert created.content == read.content
    assert created["ETag"] == read["ETag"]
    assert created.json()["firm"]["name"] == '따옴표 "기업" \\ 백슬래시 🚀'
    assert created.json()["status"] == ("submitted" if submit else "draft")


@pytest.mark.parametrize("submit", [False, True])
def test_a_new_barriers_chain_verifies(firm_member, sectors, submit):
    """On PostgreSQL the filing event's hash is taken by the database, in the statement that
    inserts the barrier; it is the hash Python computes, and the chain verifies."""
    client = Client()
    client.force_login(firm_member)
    created = _keyed_post(client, f"chain-{submit}", {**PAYLOAD, "submit": submit})
    assert created.status_code == 201
    barrier_id = created.json()["id"]
    events = list(BarrierEvent.objects.filter(barrier_id=barrier_id).order_by("seq"))
    assert [(e.seq, e.verb) for e in events] == ([(1, "file"), (2, "submit")] if submit else [(1, "file")])
    assert events[0].prev_hash == audit.GENESIS and events[0].actor_ref == firm_member.pk
    assert all(audit.event_hash(e) == e.hash for e in events)
    assert audit.verify_chains(barrier_ids=[barrier_id]).broken == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement filing is PostgreSQL's")
def test_a_keyed_create_writes_barrier_sectors_and_filing_event_in_one_statement(firm_member, sectors):
    client = Client()
    client.force_login(firm_member)
    _keyed_post(client, "warm-2")
    with CaptureQueriesContext(connection) as captured:
        assert _keyed_post(client, "one-1").status_code == 201
    statements = [q["sql"] for q in captured.captured_queries]
    writes = [s for s in statements if '"barriers_' in s]
    assert len(writes) == 1
    assert all(t in writes[0] for t in ('"barriers_barrier"', '"barriers_barrier_sectors"', '"barriers_barrierevent"'))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="asynchronous commit is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_the_claim_commits_on_its_own_without_changing_the_session():
    """The key's claim, its own transaction, skips the WAL flush for itself only: it is visible
    to other connections at once, and the next transactions commit synchronously again."""
    claim = {"principal": "tests:async", "scope": "tests", "key": "a-1", "fingerprint": "f" * 64}
    assert _insert_if_new(**claim, now=timezone.now()) is not None
    assert _insert_if_new(**claim, now=timezone.now()) is None  # taken: the second one finds it
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT state FROM core_idempotencykey WHERE key = %s", ["a-1"])
            assert cursor.fetchone() == (IdempotencyKey.IN_FLIGHT,)
    finally:
        other.close()
