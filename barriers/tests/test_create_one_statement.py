"""A keyed draft filed in one statement on PostgreSQL (``idempotent(one_statement=True)``): the
Idempotency-Key, already done with its answer, the barrier, its sectors and its first audit event
are written by one statement outside any transaction (no BEGIN, no COMMIT). What it stores is
what the usual way stores; a key already there, a firm renamed since its name was last shown, a
submission or bad input take the usual way, and two requests with one key file once.

These tests run outside a test transaction (``transaction=True``): inside one, the filing cannot
be one statement of its own and always takes the usual way (the other tests cover that way)."""

from __future__ import annotations

import datetime as dt
import functools
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from barriers import audit
from barriers.models import Barrier, BarrierEvent
from barriers.tests.factories import BODY
from barriers.tests.together import run_together
from core.idempotency import IN_FLIGHT_TIMEOUT, request_fingerprint
from core.models import IdempotencyKey
from firms.models import Firm

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement filing is PostgreSQL's"),
    pytest.mark.django_db(transaction=True),
]
API = "/api/barriers"
PAYLOAD = {"title": "드론 배송 규제", "body": BODY, "sector_codes": ["mobility", "ai"], "harm_cost_won": 5_000}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, key: str | None, payload: dict = PAYLOAD):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(API, data=json.dumps(payload), content_type="application/json", headers=headers)


def _warm(client: Client) -> None:
    # The first keyed create of a firm in this process takes the usual way: it learns the name.
    assert _post(client, "warm-up").status_code == 201


def test_a_keyed_draft_is_one_statement_and_no_transaction(firm_member, sectors):
    client = _client(firm_member)
    _warm(client)
    with CaptureQueriesContext(connection) as captured:
        created = _post(client, "one-1")
    assert created.status_code == 201, created.content
    statements = [q["sql"] for q in captured.captured_queries]
    writes = [s for s in statements if '"core_idempotencykey"' in s or '"barriers_' in s]
    assert len(writes) == 1
    tables = ('"core_idempotencykey"', '"barriers_barrier"', '"barriers_barrier_sectors"', '"barriers_barrierevent"')
    assert all(table in writes[0] for table in tables)
    assert not any(s.upper().startswith(("BEGIN", "COMMIT", "SAVEPOINT")) for s in statements)
    record = IdempotencyKey.objects.get(key="one-1")
    assert record.state == IdempotencyKey.DONE and record.response_status == 201
    assert record.response_body.encode() == created.content
    assert record.response_headers == {"Content-Type": created["Content-Type"], "ETag": created["ETag"]}


def test_the_one_statement_stores_what_the_usual_way_stores(firm_member, sectors):
    """The same draft filed in one statement (keyed) and the usual way (no key): the same rows,
    the same answer but for the id, and each answer is what a read of its barrier answers."""
    client = _client(firm_member)
    _warm(client)
    keyed = _post(client, "same-1")
    plain = _post(client, None)
    assert keyed.status_code == plain.status_code == 201
    one, usual = Barrier.objects.get(pk=keyed.json()["id"]), Barrier.objects.get(pk=plain.json()["id"])
    skip = {"id", "created_at", "updated_at"}
    fields = [f.attname for f in Barrier._meta.concrete_fields if f.attname not in skip]
    assert [getattr(one, f) for f in fields] == [getattr(usual, f) for f in fields]
    assert sorted(one.sectors.values_list("code", flat=True)) == sorted(usual.sectors.values_list("code", flat=True))
    e1, e2 = BarrierEvent.objects.get(barrier=one), BarrierEvent.objects.get(barrier=usual)
    same = ("kind", "verb", "seq", "prev_hash", "actor_id", "actor_ref", "from_status", "to_status", "data", "note")
    assert [getattr(e1, f) for f in same] == [getattr(e2, f) for f in same]
    assert audit.verify_chains(barrier_ids=[one.pk, usual.pk]).broken == []
    a, b = keyed.json(), plain.json()
    assert a.pop("id") != b.pop("id")
    assert a == b
    for answer, barrier in ((keyed, one), (plain, usual)):
        read = client.get(f"{API}/{barrier.pk}")
        assert read.content == answer.content and read["ETag"] == answer["ETag"]


def test_a_replay_is_the_stored_answer_and_files_nothing(firm_member, sectors):
    client = _client(firm_member)
    _warm(client)
    first = _post(client, "replay-1")
    again = _post(client, "replay-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true" and again.content == first.content
    assert _post(client, "replay-1", {**PAYLOAD, "title": "다른 제목"}).status_code == 422
    assert Barrier.objects.filter(title=PAYLOAD["title"]).count() == 2  # warm-up and replay-1


def test_a_key_in_flight_is_409_and_the_statement_writes_nothing(firm_member, sectors):
    client = _client(firm_member)
    _warm(client)
    before = Barrier.objects.count()
    request = Client().post(API, data=json.dumps(PAYLOAD), content_type="application/json").wsgi_request
    IdempotencyKey.objects.create(
        principal=f"user:{firm_member.pk}",
        scope="barriers.create",
        key="busy-1",
        fingerprint=request_fingerprint(request),
        started_at=timezone.now(),
    )
    response = _post(client, "busy-1")
    assert response.status_code == 409 and response.json()["code"] == "idempotency_request_in_flight"
    assert Barrier.objects.count() == before


def test_an_abandoned_key_is_taken_over_the_usual_way(firm_member, sectors):
    """The statement finds the key there (a request that died in flight) and writes nothing; the
    usual way takes the key over and files once."""
    client = _client(firm_member)
    _warm(client)
    IdempotencyKey.objects.create(
        principal=f"user:{firm_member.pk}",
        scope="barriers.create",
        key="abandoned-1",
        fingerprint="x" * 64,
        started_at=timezone.now() - IN_FLIGHT_TIMEOUT - dt.timedelta(seconds=1),
    )
    before = Barrier.objects.count()
    response = _post(client, "abandoned-1")
    assert response.status_code == 201 and not response.has_header("Idempotent-Replayed")
    record = IdempotencyKey.objects.get(key="abandoned-1")
    assert record.state == IdempotencyKey.DONE and record.response_body.encode() == response.content
    assert Barrier.objects.count() == before + 1


def test_a_renamed_firm_is_answered_with_its_new_name(firm_member, firm, sectors):
    """The name shown is the one this process last saw; the statement writes only if it is still
    the firm's, so a renamed firm's filing goes the usual way and shows (and stores) the new name."""
    client = _client(firm_member)
    _warm(client)
    Firm.objects.filter(pk=firm.pk).update(name="새 이름 주식회사")
    created = _post(client, "renamed-1")
    assert created.status_code == 201
    assert created.json()["firm"]["name"] == "새 이름 주식회사"
    assert IdempotencyKey.objects.get(key="renamed-1").response_body.encode() == created.content
    # And the next one is one statement again, with the new name.
    with CaptureQueriesContext(connection) as captured:
        again = _post(client, "renamed-2")
    assert again.json()["firm"]["name"] == "새 이름 주식회사"
    assert not any(q["sql"].upper().startswith("BEGIN") for q in captured.captured_queries)


def test_a_keyed_submission_and_bad_input_take_the_usual_way(firm_member, sectors):
    client = _client(firm_member)
    _warm(client)
    submitted = _post(client, "submit-1", {**PAYLOAD, "submit": True})
    assert submitted.status_code == 201 and submitted.json()["status"] == "submitted"
    events = BarrierEvent.objects.filter(barrier_id=submitted.json()["id"]).order_by("seq")
    assert [e.verb for e in events] == ["file", "submit"]
    assert IdempotencyKey.objects.get(key="submit-1").response_body.encode() == submitted.content
    count = Barrier.objects.count()
    bad = _post(client, "bad-1", {**PAYLOAD, "sector_codes": ["no-such-sector"]})
    assert bad.status_code == 400 and bad.json()["field"] == "sectors"
    assert Barrier.objects.count() == count and not IdempotencyKey.objects.filter(key="bad-1").exists()
    assert _post(client, "bad-1").status_code == 201  # the key stayed free


def test_concurrent_requests_with_one_key_file_once(firm_member, sectors):
    _warm(_client(firm_member))
    clients = [_client(firm_member) for _ in range(8)]  # a test client each: they keep cookies
    results = run_together(*[functools.partial(_post, client, "together-1") for client in clients])
    statuses = [getattr(r, "status_code", r) for r in results]
    assert set(statuses) <= {201, 409}, statuses
    fresh = [r for r in results if getattr(r, "status_code", 0) == 201 and not r.has_header("Idempotent-Replayed")]
    assert len(fresh) == 1, statuses
    replays = [r for r in results if getattr(r, "status_code", 0) == 201 and r.has_header("Idempotent-Replayed")]
    assert all(r.content == fresh[0].content for r in replays)
    assert Barrier.objects.filter(pk=fresh[0].json()["id"]).exists()
    assert IdempotencyKey.objects.filter(key="together-1").count() == 1
    assert Barrier.objects.count() == 2  # the warm-up and this one
