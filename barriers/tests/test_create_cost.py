"""The keyed create without a lock on its key: the key's answer is stored by a compare-and-set
in the same transaction as the work, so a request taken over (it ran past IN_FLIGHT_TIMEOUT)
commits nothing and answers 409, and the one that took the key over does the work once."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from barriers.models import Barrier, BarrierEvent
from barriers.tests.factories import BODY
from core.idempotency import IN_FLIGHT_TIMEOUT, _claim, idempotent, request_fingerprint
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
