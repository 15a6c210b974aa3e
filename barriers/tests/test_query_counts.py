"""Query budgets: the queue, the list and the create endpoint cost a fixed number of queries,
however many barriers a page shows (saleor-style django_assert_max_num_queries)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from barriers.tests.factories import barrier_in

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("rows", [5, 40])
def test_queue_query_count_does_not_grow_with_the_page(
    city_official, firm, agency, rows, django_assert_max_num_queries
):
    for i in range(rows):
        barrier_in(["submitted", "triaged", "forwarded"][i % 3], firm=firm, agency=agency, due_in_days=i - 10)
    client = client_for(city_official)
    with django_assert_max_num_queries(9):
        response = client.get("/api/barriers/queue?page_size=50")
    assert response.status_code == 200 and len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [5, 40])
def test_agency_queue_query_count(agency_official, firm, agency, rows, django_assert_max_num_queries):
    for i in range(rows):
        barrier_in("forwarded", firm=firm, agency=agency, seal_from_agency=bool(i % 2))
    client = client_for(agency_official)
    with django_assert_max_num_queries(9):
        response = client.get("/api/barriers/queue?page_size=50")
    assert len(response.json()["results"]) == rows


def test_create_query_budget(firm_member, django_assert_max_num_queries):
    client = client_for(firm_member)
    payload = {"title": "제목", "body": "가" * 40, "sector_codes": ["ai"]}
    # Session, user, roles, one upsert for both rate limits, firm, sectors, the barrier, its
    # sectors and the first audit event (no lock or head read: the chain is new) — 11 in all.
    with django_assert_max_num_queries(12):
        response = client.post("/api/barriers", data=json.dumps(payload), content_type="application/json")
    assert response.status_code == 201
