"""List pages of the API: the capped count and ``has_more``, sectors per row, the firm shown to a
co-operating agency, filters, and the cached tables (policies, closures, sectors) seeing edits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from accounts.testing import signed_in_client
from barriers import deadlines, selectors, services
from barriers.models import Barrier, NonWorkingDay
from barriers.tests.factories import BODY, barrier_in
from core.business_days import SEOUL, Period
from firms.models import Sector

pytestmark = pytest.mark.django_db
API = "/api/barriers"


@pytest.fixture
def seven_open(firm, agency):
    """Seven open barriers in a known urgency order (most overdue first)."""
    return [barrier_in("triaged", firm=firm, agency=agency, due_in_days=i - 10) for i in range(7)]


def page(client: Client, query: str) -> dict:
    response = client.get(f"{API}/queue?{query}")
    assert response.status_code == 200, response.content
    return response.json()


def test_count_is_exact_below_the_cap(city_official, seven_open):
    body = page(signed_in_client(city_official), "page_size=3")
    assert (body["count"], body["count_capped"], body["has_more"]) == (7, False, True)
    assert [r["id"] for r in body["results"]] == [b.pk for b in seven_open[:3]]


def test_count_stops_at_the_cap_and_says_so(city_official, seven_open, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    client = signed_in_client(city_official)
    first = page(client, "page_size=2")
    assert (first["count"], first["count_capped"], first["has_more"]) == (3, True, True)
    # A page past the cap counts to its own end at least: the count never falls short of what
    # has been shown (page 3 of 2 shows rows 5–6, one more follows: all 7 counted).
    third = page(client, "page_size=2&page=3")
    assert (third["count"], third["count_capped"], third["has_more"]) == (7, False, True)
    assert [r["id"] for r in third["results"]] == [b.pk for b in seven_open[4:6]]
    last = page(client, "page_size=2&page=4")
    assert (last["count"], last["count_capped"], last["has_more"]) == (7, False, False)
    assert [r["id"] for r in last["results"]] == [seven_open[6].pk]
    beyond = page(client, "page_size=2&page=10")
    assert (beyond["count"], beyond["count_capped"], beyond["has_more"], beyond["results"]) == (7, False, False, [])


def test_capped_count_applies_to_the_list_too(city_official, seven_open, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    body = signed_in_client(city_official).get(f"{API}?page_size=1").json()
    assert (body["count"], body["count_capped"], body["has_more"]) == (2, True, True)


def test_page_of_counts_without_a_second_query_on_the_last_page(city_official, seven_open, django_assert_num_queries):
    qs = selectors.work_queue(city_official)
    with django_assert_num_queries(1):
        last = selectors.page_of(qs, page=1, page_size=10)
    assert (last.count, last.count_capped, last.has_more) == (7, False, False)


def test_rows_carry_their_sectors_in_sector_order(city_official, firm_member, firm):
    barrier = services.file_barrier(
        actor=firm_member, firm=firm, title="두 분야", body=BODY, sector_codes=["ai", "fintech"], submit=True
    )
    bare = barrier_in("submitted", firm=firm)
    bare.sectors.clear()
    rows = {r["id"]: r for r in page(signed_in_client(city_official), "")["results"]}
    order = list(Sector.objects.filter(code__in=["ai", "fintech"]).values_list("code", flat=True))
    assert rows[barrier.pk]["sectors"] == order == ["fintech", "ai"]
    assert rows[bare.pk]["sectors"] == []


def test_cooperating_agency_sees_the_firm_unless_sealed(
    firm, agency, other_agency, other_agency_official, django_assert_max_num_queries
):
    """``other_agency`` co-operates on cases ``agency`` leads: it sees them in its queue, with
    the firm unless the filer sealed it — decided for the whole page in one query."""
    barriers = []
    for i in range(6):
        barrier = barrier_in("forwarded", firm=firm, agency=agency, seal_from_agency=bool(i % 2), due_in_days=i)
        barrier.cooperating_agencies.add(other_agency)
        barriers.append(barrier)
    barrier_in("forwarded", firm=firm, agency=agency)  # not co-operating: not in its queue
    client = signed_in_client(other_agency_official)
    client.get(f"{API}/queue")  # warm the session and the cached tables
    with django_assert_max_num_queries(9):
        body = page(client, "")
    assert [r["id"] for r in body["results"]] == [b.pk for b in barriers]
    assert [r["firm"] is None for r in body["results"]] == [bool(i % 2) for i in range(6)]
    assert all(r["firm"] == {"id": firm.pk, "name": firm.name} for r in body["results"][::2])


@pytest.mark.parametrize("filter_name", ["sector", "agency", "status", "overdue"])
def test_queue_filters_select_the_right_rows(filter_name, city_official, firm_member, firm, agency, other_agency):
    late = barrier_in("forwarded", firm=firm, agency=agency, due_in_days=-5)
    mobility = services.file_barrier(
        actor=firm_member, firm=firm, title="모빌리티", body=BODY, sector_codes=["mobility"], submit=True
    )
    other = barrier_in("triaged", firm=firm, agency=other_agency, due_in_days=4)
    query, expected = {
        "sector": ("sector=mobility", [mobility.pk]),
        "agency": (f"agency={other_agency.code}", [other.pk]),
        "status": ("status=forwarded", [late.pk]),
        "overdue": ("overdue=true", [late.pk]),
    }[filter_name]
    body = page(signed_in_client(city_official), query)
    assert [r["id"] for r in body["results"]] == expected
    assert (body["count"], body["count_capped"], body["has_more"]) == (1, False, False)


def test_openapi_documents_the_page_fields(client):
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]["BarrierPageOut"]
    assert {"count", "count_capped", "has_more"} <= set(schema["required"])
    assert "count" in schema["properties"]["count_capped"]["description"]


# -- cached tables see every edit -------------------------------------------------------------------


def test_a_declared_closure_moves_the_due_date_at_once(db):
    start = dt.datetime(2025, 9, 1, 10, 0, tzinfo=SEOUL)  # Monday
    before = deadlines.compute_due(started_at=start, period=Period(10))  # warms the cache
    assert before == dt.datetime(2025, 9, 12, 18, 0, tzinfo=SEOUL)  # Friday of the next week
    closure = NonWorkingDay.objects.create(day=dt.date(2025, 9, 3), name="임시공휴일")
    assert deadlines.compute_due(started_at=start, period=Period(10)) == dt.datetime(2025, 9, 15, 18, 0, tzinfo=SEOUL)
    assert dt.date(2025, 9, 3) in deadlines.extra_closures(around=start)
    closure.delete()
    assert deadlines.compute_due(started_at=start, period=Period(10)) == before


def test_a_new_sector_can_be_filed_under_at_once(firm_member, firm):
    services.file_barrier(actor=firm_member, firm=firm, title="예열", body=BODY, sector_codes=["ai"])  # warms
    Sector.objects.create(code="bio", name="바이오", name_en="Bio", ordering=9)
    barrier = services.file_barrier(actor=firm_member, firm=firm, title="바이오", body=BODY, sector_codes=["bio"])
    assert list(Barrier.objects.get(pk=barrier.pk).sectors.values_list("code", flat=True)) == ["bio"]
