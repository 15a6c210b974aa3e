"""Query budgets: the queue, the list and the create endpoint cost a fixed number of queries,
however many barriers a page shows (saleor-style django_assert_max_num_queries)."""

from __future__ import annotations

import json

import pytest

from accounts.testing import signed_in_client
from barriers.tests.factories import barrier_in

pytestmark = pytest.mark.django_db


# Every API request: session, user, OTP device (officials), roles, one upsert for both rate limits.
FRAMEWORK = 5


@pytest.mark.parametrize(("rows", "page_size"), [(5, 50), (40, 50), (40, 20)])
def test_queue_query_count_does_not_grow_with_the_page(
    city_official, firm, agency, rows, page_size, django_assert_max_num_queries
):
    for i in range(rows):
        barrier_in(["submitted", "triaged", "forwarded"][i % 3], firm=firm, agency=agency, due_in_days=i - 10)
    client = signed_in_client(city_official)
    client.get("/api/barriers/queue")  # the cached tables (sectors, closures) are warm from now on
    # The rows and their sectors; the (capped) count only when another page follows.
    more = rows > page_size
    with django_assert_max_num_queries(FRAMEWORK + 2 + more):
        response = client.get(f"/api/barriers/queue?page_size={page_size}")
    body = response.json()
    assert response.status_code == 200 and len(body["results"]) == min(rows, page_size)
    assert (body["count"], body["has_more"]) == (rows, more)


@pytest.mark.parametrize("rows", [5, 40])
def test_agency_queue_query_count(agency_official, firm, agency, rows, django_assert_max_num_queries):
    for i in range(rows):
        barrier_in("forwarded", firm=firm, agency=agency, seal_from_agency=bool(i % 2))
    client = signed_in_client(agency_official)
    client.get("/api/barriers/queue")
    with django_assert_max_num_queries(FRAMEWORK + 2):
        response = client.get("/api/barriers/queue?page_size=50")
    assert len(response.json()["results"]) == rows


def test_create_query_budget(firm_member, django_assert_max_num_queries):
    client = signed_in_client(firm_member)
    payload = {"title": "제목", "body": "가" * 40, "sector_codes": ["ai"]}
    client.post("/api/barriers", data=json.dumps(payload), content_type="application/json")  # warms the sectors
    # Session, user, roles, one upsert for both rate limits, firm, the barrier, its sectors and
    # the first audit event (no lock or head read: the chain is new; sectors from the cache), and
    # the transaction's two statements (a savepoint here, inside the test's transaction).
    with django_assert_max_num_queries(10):
        response = client.post("/api/barriers", data=json.dumps(payload), content_type="application/json")
    assert response.status_code == 201


def test_keyed_create_query_budget(firm_member, django_assert_max_num_queries):
    client = signed_in_client(firm_member)
    payload = {"title": "제목", "body": "가" * 40, "sector_codes": ["ai"]}

    def post(key: str):  # type: ignore[no-untyped-def]
        return client.post(
            "/api/barriers", data=json.dumps(payload), content_type="application/json", headers={"Idempotency-Key": key}
        )

    post("warm")  # warms the sectors
    # Session, user, roles, the rate-limit upsert; the key's claim (one INSERT .. ON CONFLICT DO
    # NOTHING, no transaction of its own); the key's transaction (a savepoint here, BEGIN/COMMIT
    # in production) holding the barrier, its sectors, the first event and the key's answer (a
    # compare-and-set: no lock on the key, no savepoint around the filing). The firm's name: one
    # read here; on PostgreSQL it comes back with the barrier's INSERT, which also writes the
    # sectors (9 statements in all there).
    with django_assert_max_num_queries(11):
        response = post("counted")
    assert response.status_code == 201


def test_create_with_submit_query_budget(firm_member, django_assert_max_num_queries):
    client = signed_in_client(firm_member)
    payload = {"title": "제목", "body": "가" * 40, "sector_codes": ["ai"], "submit": True}
    client.post("/api/barriers", data=json.dumps(payload), content_type="application/json")  # warms the tables
    # As the create, plus the submit's audit event and triage clock: the row is written once,
    # already submitted (no UPDATE after the INSERT, no chain head or sector read).
    with django_assert_max_num_queries(11):
        response = client.post("/api/barriers", data=json.dumps(payload), content_type="application/json")
    assert response.status_code == 201 and response.json()["status"] == "submitted"


def test_submit_query_budget(firm_member, django_assert_max_num_queries):
    client = signed_in_client(firm_member)
    payload = {"title": "제목", "body": "가" * 40, "sector_codes": ["ai"]}
    ids = [
        client.post("/api/barriers", data=json.dumps(payload), content_type="application/json").json()["id"]
        for _ in range(2)
    ]
    client.post(f"/api/barriers/{ids[0]}/submit", data="{}", content_type="application/json")  # warm
    # Session, user, roles, the rate-limit upsert; the locked row (with its firm), its sectors,
    # the chain head, the event, the clock, the row's update and the transaction's two
    # statements; then only the attachments for the answer (no second read of the barrier).
    with django_assert_max_num_queries(12):
        response = client.post(f"/api/barriers/{ids[1]}/submit", data="{}", content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "submitted"


def test_triage_query_budget(city_official, agency, django_assert_max_num_queries):
    from barriers.tests.factories import barrier_in

    first, second = barrier_in("submitted"), barrier_in("submitted")
    client = signed_in_client(city_official)
    payload = json.dumps({"kind": "proposal", "lead_agency_code": agency.code})
    client.post(f"/api/barriers/{first.pk}/triage", data=payload, content_type="application/json")  # warm
    # The framework's, the agency, the locked row (with firm and filer), the chain head, the
    # event, the row's update, the co-operating agencies and sectors as set, the transaction's
    # two statements; the identity view's log row and the attachments for the answer; routing's
    # proposal (none here) and the RoutingDecision it keeps for every triage.
    with django_assert_max_num_queries(16):
        response = client.post(f"/api/barriers/{second.pk}/triage", data=payload, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "triaged"
