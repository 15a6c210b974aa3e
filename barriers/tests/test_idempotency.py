"""``Idempotency-Key`` on barrier create, as the IETF draft says: a replay returns the stored
response, the same key with another payload is a 422, a request still in flight is a 409;
10 serial and 10 concurrent replays create exactly one barrier."""

from __future__ import annotations

import datetime as dt
import functools
import json

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.utils import timezone

from barriers.models import Barrier, BarrierEvent
from barriers.tests.factories import BODY
from barriers.tests.together import run_together
from core.idempotency import IN_FLIGHT_TIMEOUT, purge_expired_keys, request_fingerprint
from core.models import IdempotencyKey

pytestmark = pytest.mark.django_db
API = "/api/barriers"
PAYLOAD = {"title": "드론 배송 규제", "body": BODY, "sector_codes": ["mobility"], "submit": True}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, payload: dict, key: str | None = "key-1"):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(API, data=json.dumps(payload), content_type="application/json", headers=headers)


def test_ten_serial_replays_create_one_barrier_and_return_the_same_response(firm_member):
    client = _client(firm_member)
    responses = [_post(client, PAYLOAD) for _ in range(10)]
    assert {r.status_code for r in responses} == {201}
    assert len({r.content for r in responses}) == 1
    assert [r.has_header("Idempotent-Replayed") for r in responses] == [False] + [True] * 9
    assert {r["ETag"] for r in responses} == {responses[0]["ETag"]}
    assert Barrier.objects.count() == 1
    assert BarrierEvent.objects.filter(verb="submit").count() == 1


def test_the_payload_is_compared_by_meaning_not_spelling(firm_member):
    client = _client(firm_member)
    first = _post(client, PAYLOAD)
    reordered = dict(reversed(list(PAYLOAD.items())))
    again = client.post(
        API, data=json.dumps(reordered, indent=2), content_type="application/json", headers={"Idempotency-Key": "key-1"}
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert Barrier.objects.count() == 1


def test_the_same_key_with_another_payload_is_422(firm_member):
    client = _client(firm_member)
    assert _post(client, PAYLOAD).status_code == 201
    other = _post(client, {**PAYLOAD, "title": "다른 제목"})
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert Barrier.objects.count() == 1


def test_a_request_still_in_flight_is_409(firm_member):
    client = _client(firm_member)
    factory = RequestFactory()
    request = factory.post(API, data=json.dumps(PAYLOAD), content_type="application/json")
    IdempotencyKey.objects.create(
        principal=f"user:{firm_member.pk}",
        scope="barriers.create",
        key="key-1",
        fingerprint=request_fingerprint(request),
        started_at=timezone.now(),
    )
    response = _post(client, PAYLOAD)
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_request_in_flight"
    assert response["Retry-After"] == "1"
    assert Barrier.objects.count() == 0


def test_an_abandoned_in_flight_key_is_taken_over(firm_member):
    """The process that held the key died: its work never committed (same transaction)."""
    IdempotencyKey.objects.create(
        principal=f"user:{firm_member.pk}",
        scope="barriers.create",
        key="key-1",
        fingerprint="x" * 64,
        started_at=timezone.now() - IN_FLIGHT_TIMEOUT - dt.timedelta(seconds=1),
    )
    response = _post(_client(firm_member), PAYLOAD)
    assert response.status_code == 201 and not response.has_header("Idempotent-Replayed")
    assert IdempotencyKey.objects.get().state == IdempotencyKey.DONE


def test_keys_belong_to_one_user(firm_member, firm, second_firm_member):
    assert _post(_client(firm_member), PAYLOAD).status_code == 201
    theirs = _post(_client(second_firm_member), PAYLOAD)
    assert theirs.status_code == 201 and not theirs.has_header("Idempotent-Replayed")
    assert Barrier.objects.count() == 2


def test_a_refused_request_releases_the_key(firm_member):
    client = _client(firm_member)
    bad = _post(client, {**PAYLOAD, "sector_codes": ["warp"]})
    assert bad.status_code == 400
    assert not IdempotencyKey.objects.exists()
    fixed = _post(client, PAYLOAD)
    assert fixed.status_code == 201
    assert Barrier.objects.count() == 1


def test_without_a_key_every_post_creates(firm_member):
    client = _client(firm_member)
    assert [_post(client, PAYLOAD, key=None).status_code for _ in range(2)] == [201, 201]
    assert Barrier.objects.count() == 2


@pytest.mark.parametrize(("_case", "key"), [("too long", "k" * 256), ("not ascii", "키"), ("empty", " ")])
def test_a_malformed_key_is_400(firm_member, _case, key):
    response = _post(_client(firm_member), PAYLOAD, key=key)
    assert response.status_code == 400
    assert response.json()["field"] == "Idempotency-Key"
    assert Barrier.objects.count() == 0


def test_expired_keys_are_purged(firm_member):
    assert _post(_client(firm_member), PAYLOAD).status_code == 201
    assert purge_expired_keys() == 0
    assert purge_expired_keys(now=timezone.now() + dt.timedelta(days=2)) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_replays_create_one_barrier(sectors, firm, firm_member):
    clients = [_client(firm_member) for _ in range(10)]  # a test client each: they keep cookies
    results = run_together(*[functools.partial(_post, c, PAYLOAD, key="concurrent-1") for c in clients])
    statuses = [getattr(r, "status_code", r) for r in results]
    assert set(statuses) <= {201, 409}, statuses
    fresh = [r for r in results if getattr(r, "status_code", 0) == 201 and not r.has_header("Idempotent-Replayed")]
    assert len(fresh) == 1, statuses
    in_flight = [r for r in results if getattr(r, "status_code", 0) == 409]
    assert all(r.json()["code"] == "idempotency_request_in_flight" for r in in_flight)
    assert Barrier.objects.count() == 1
    # Once the first has finished, every further replay gets its stored response.
    later = _post(_client(firm_member), PAYLOAD, key="concurrent-1")
    assert later.status_code == 201 and later.content == fresh[0].content
    assert Barrier.objects.count() == 1
