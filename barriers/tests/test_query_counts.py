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
