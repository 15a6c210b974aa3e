"""The work queue's sort key (``Barrier.due_on``, ``affected_firm_count``) stays right through
every service that moves a deadline or the number of affected firms; the queue reads in urgency
order on every day without a rewrite; the HTML queue counts only up to the cap; list pages cost
one query for the association check, not one per row; and the list answers keep the documented
schema now that they are rendered without django-ninja re-validating them."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from accounts.roles import roles_of
from accounts.testing import signed_in_client
from accounts.tests.factories import MembershipFactory
from barriers import selectors, services
from barriers.models import QUEUE_STATES, Barrier, BarrierStatus
from barriers.schemas import BarrierPageOut, BarrierSummaryOut
from barriers.services import cosigning
from barriers.tests.factories import barrier_in
from barriers.transitions import OPEN
from core.business_days import SEOUL
from firms.models import AssociationMembership
from firms.tests.factories import AssociationFactory, FirmFactory

pytestmark = pytest.mark.django_db
API = "/api/barriers"


def key_of(barrier_id: int) -> tuple[dt.datetime | None, dt.date | None, int]:
    """The stored key, read back from the database (not the object the service returned)."""
    row = Barrier.objects.values_list("due_at", "due_on", "affected_firm_count").get(pk=barrier_id)
    return row[0], row[1], row[2]


def assert_key_matches_clock(barrier_id: int) -> dt.date | None:
    due_at, due_on, _firms = key_of(barrier_id)
    expected = due_at.astimezone(SEOUL).date() if due_at is not None else None
    assert due_on == expected, (due_at, due_on)
    return due_on


def test_queue_states_are_the_open_states_after_filing():
    assert set(QUEUE_STATES) == set(OPEN) - {BarrierStatus.DRAFT}


# -- the key follows every transition that moves a deadline ---------------------------------------


def test_every_deadline_move_keeps_the_due_date_key(
    firm, firm_member, city_official, agency, agency_official, other_agency
):
    barrier = services.file_barrier(
        actor=firm_member, firm=firm, title="보도 통행", body="가" * 40, sector_codes=["ai"]
    )
    assert key_of(barrier.pk)[:2] == (None, None)  # a draft has no clock
    pk = barrier.pk
    seen: list[dt.date | None] = []
    steps = [
        lambda: services.submit_barrier(barrier_id=pk, actor=firm_member),
        lambda: services.triage_barrier(barrier_id=pk, actor=city_official, kind="proposal", lead_agency=agency),
        lambda: services.forward_to_agency(barrier_id=pk, actor=city_official),
        lambda: services.extend_deadline(
            barrier_id=pk, actor=agency_official, reason_code="cooperation", reason="관계 부처 협의"
        ),
        lambda: services.request_more_information(barrier_id=pk, actor=agency_official, questions="장소는?"),
        lambda: services.provide_information(barrier_id=pk, actor=firm_member, response="상암동입니다"),
        lambda: services.answer_barrier(
            barrier_id=pk,
            actor=agency_official,
            outcome="declined",
            body="안전 기준이 없습니다",
            reason_code="safety",
            legal_basis="도로교통법 제13조의2",
        ),
        lambda: services.react_to_answer(barrier_id=pk, actor=firm_member, satisfied=False, reasons="해외 사례"),
        lambda: services.answer_barrier(
            barrier_id=pk,
            actor=agency_official,
            outcome="declined",
            body="여전히 어렵습니다",
            reason_code="safety",
            legal_basis="도로교통법 제13조의2",
        ),
        lambda: services.escalate_barrier(barrier_id=pk, actor=city_official, note="실무 검토"),
        lambda: services.forward_to_agency(barrier_id=pk, actor=city_official, agency=other_agency),
    ]
    with time_machine.travel(dt.datetime(2025, 9, 1, 10, 0, tzinfo=SEOUL), tick=True):
        for step in steps:
            moved = step()
            due_on = assert_key_matches_clock(pk)
            assert due_on is not None, moved.status  # every open step after filing runs a clock
            seen.append(due_on)
        # The extension moved the due date on (and the key with it).
        assert seen[3] > seen[2]
        services.withdraw_barrier(barrier_id=pk, actor=firm_member, reason="해결됨")
    assert key_of(pk)[:2] == (None, None)  # withdrawn: no clock, last in any order


def test_closing_clears_the_key(answered, city_official):
    services.escalate_barrier(barrier_id=answered.pk, actor=city_official, note="상정")
    assert assert_key_matches_clock(answered.pk) is not None
    services.close_barrier(barrier_id=answered.pk, actor=city_official, note="종결")
    assert key_of(answered.pk)[:2] == (None, None)


def test_transfer_restarts_the_clock_and_the_key(forwarded, agency_official, other_agency):
    with time_machine.travel(dt.datetime.now(tz=SEOUL) + dt.timedelta(days=9), tick=True):
        services.transfer_barrier(
            barrier_id=forwarded.pk, actor=agency_official, to_agency=other_agency, reason="소관 아님"
        )
    assert assert_key_matches_clock(forwarded.pk) > forwarded.due_on


def test_cosigning_and_withdrawal_keep_the_firm_count_in_the_key(submitted, other_firm, other_firm_member):
    cosigning.cosign_barrier(barrier_id=submitted.pk, actor=other_firm_member, firm=other_firm)
    assert key_of(submitted.pk)[2] == 2
    cosigning.withdraw_cosignature(barrier_id=submitted.pk, actor=other_firm_member)
    assert key_of(submitted.pk)[2] == 1


def test_a_cosignature_moves_a_barrier_up_among_those_due_the_same_day(
    city_official, firm, agency, other_firm, other_firm_member
):
    first = barrier_in("triaged", firm=firm, agency=agency, due_in_days=3, privacy="public_named")
    second = barrier_in("triaged", firm=firm, agency=agency, due_in_days=3, privacy="public_named")
    ids = lambda: [r["id"] for r in signed_in_client(city_official).get(f"{API}/queue").json()["results"]]  # noqa: E731
    assert ids() == [first.pk, second.pk]  # same day, same firms: the older filing first
    cosigning.cosign_barrier(barrier_id=second.pk, actor=other_firm_member, firm=other_firm)
    assert ids() == [second.pk, first.pk]


# -- the order on any day ---------------------------------------------------------------------------


@pytest.fixture
def spread(firm, agency):
    """Barriers due on different days, with different numbers of affected firms."""
    now = dt.datetime.now(tz=SEOUL)
    made = {
        "late_10": barrier_in("forwarded", firm=firm, agency=agency, due_in_days=-10),
        "late_2_many": barrier_in("triaged", firm=firm, agency=agency, due_in_days=-2, affected_firm_count=7),
        "late_2_few": barrier_in("triaged", firm=firm, agency=agency, due_in_days=-2),
        "due_5": barrier_in("submitted", firm=firm, due_in_days=5, affected_firm_count=9),
        "due_30": barrier_in("submitted", firm=firm, due_in_days=30),
    }
    # Pin each due time to 18:00 Seoul on a business day, as the clocks set them.
    for barrier in made.values():
        day = barrier.due_at.astimezone(SEOUL).date()
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        barrier.set_due(dt.datetime.combine(day, dt.time(18), tzinfo=SEOUL))
        barrier.save(update_fields=["due_at", "due_on"])
    del now
    return made


def queue_ids(user) -> list[int]:
    return [b.pk for b in selectors.work_queue(user)]


def test_queue_reads_most_overdue_first_then_firms_then_age(city_official, spread):
    expected = ["late_10", "late_2_many", "late_2_few", "due_5", "due_30"]
    assert queue_ids(city_official) == [spread[name].pk for name in expected]


@pytest.mark.parametrize("days_later", [0, 1, 7, 40])
def test_stored_key_orders_by_overdue_days_on_every_later_day(city_official, spread, days_later):
    """No nightly rewrite: whatever day it is, the stored due date still orders the queue like the
    overdue business days computed that day (ties broken by affected firms, then age)."""
    moment = dt.datetime.now(tz=SEOUL) + dt.timedelta(days=days_later)
    with time_machine.travel(moment, tick=False):
        rows = list(selectors.work_queue(city_official))
        overdue = [selectors.overdue_days(b, as_of=moment) for b in rows]
    assert overdue == sorted(overdue, reverse=True)
    for (a, days_a), (b, days_b) in zip(zip(rows, overdue), zip(rows[1:], overdue[1:]), strict=False):
        if days_a == days_b and days_a > 0:
            assert (a.due_on, -a.affected_firm_count, a.submitted_at) <= (
                b.due_on,
                -b.affected_firm_count,
                b.submitted_at,
            )


def test_rows_without_a_running_clock_come_last(city_official, firm, agency, spread):
    no_clock = barrier_in("triaged", firm=firm, agency=agency)
    no_clock.set_due(None)
    no_clock.save(update_fields=["due_at", "due_on"])
    assert queue_ids(city_official)[-1] == no_clock.pk


# -- the count ----------------------------------------------------------------------------------------


def test_whole_city_queue_counts_in_queue_order_and_filtered_queues_do_not(city_official, agency_official, spread):
    whole = selectors.work_queue(city_official)
    assert selectors.work_queue_page(city_official, whole, filters=None, page=1, page_size=2).count == 5
    # Capped or not, ordered or not, the number is the same; only the access path differs.
    filters = selectors.QueueFilter(overdue=True)
    overdue = selectors.work_queue(city_official, filters=filters)
    page = selectors.work_queue_page(city_official, overdue, filters=filters, page=1, page_size=1)
    assert (page.count, page.has_more) == (3, True)


def test_ordered_count_is_capped_like_the_unordered_one(city_official, spread, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    qs = selectors.work_queue(city_official)
    ordered = selectors.page_of(qs, page=1, page_size=2, count_in_order=True)
    unordered = selectors.page_of(qs, page=1, page_size=2)
    assert (ordered.count, ordered.count_capped) == (unordered.count, unordered.count_capped) == (3, True)


def test_html_queue_counts_only_up_to_the_cap(city_official, spread, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    monkeypatch.setattr("barriers.views.QUEUE_PAGE_SIZE", 2)
    client = signed_in_client(city_official)
    html = client.get(reverse("barriers:queue")).content.decode()
    assert "처리할 규제 애로 3건 이상" in html
    assert "page=2" in html and "1 / " not in html  # the number of pages is unknown: not shown
    last = client.get(reverse("barriers:queue") + "?page=3").content.decode()
    assert "처리할 규제 애로 5건" in last and "이상" not in last.split("<caption>")[1].split("</caption>")[0]
    assert "page=2" in last  # a way back


@pytest.mark.parametrize("raw", ["", "0", "-1", "abc", "99999999999999999999"])
def test_html_queue_reads_any_page_parameter(city_official, spread, raw):
    response = signed_in_client(city_official).get(reverse("barriers:queue") + f"?page={raw}")
    assert response.status_code == 200


# -- association staff: one query for the page, not one per row -----------------------------------------


@pytest.mark.parametrize("rows", [2, 12])
def test_association_list_pages_check_membership_once(association, rows, django_assert_max_num_queries):
    staff = MembershipFactory(role=Role.ASSOCIATION_STAFF, association=association).user
    for _ in range(rows):
        member = FirmFactory()
        AssociationMembership.objects.create(association=association, firm=member)
        barrier_in("submitted", firm=member)
    outsider_firm = FirmFactory()
    barrier_in("submitted", firm=outsider_firm)
    client = signed_in_client(staff)
    client.get(f"{API}?page_size=50")  # the cached tables are warm from now on
    with django_assert_max_num_queries(5 + 3):  # request path, rows, sectors, membership check
        body = client.get(f"{API}?page_size=50").json()
    assert len(body["results"]) == rows
    assert all(r["firm"] is not None for r in body["results"])  # their members: named
    html_client = signed_in_client(staff)
    html_client.get(reverse("barriers:list"))
    with django_assert_max_num_queries(12):
        assert html_client.get(reverse("barriers:list")).status_code == 200


def test_association_check_is_not_reused_for_another_viewer(association, firm, city_official):
    """The page-wide answer is kept with the associations it was computed for."""
    from accounts.permissions import can

    staff = MembershipFactory(role=Role.ASSOCIATION_STAFF, association=association).user
    AssociationMembership.objects.create(association=association, firm=firm)
    other_staff = MembershipFactory(role=Role.ASSOCIATION_STAFF, association=AssociationFactory()).user
    barrier = barrier_in("submitted", firm=firm)
    selectors.prefetch_for_identity([barrier], staff)
    assert can(staff, "barrier.view_identity", barrier)
    assert not can(other_staff, "barrier.view_identity", barrier)


# -- the answers still match their schema ------------------------------------------------------------


@pytest.mark.parametrize("path", ["/queue", ""])
def test_list_answers_match_the_documented_schema(path, city_official, spread):
    client: Client = signed_in_client(city_official)
    response = client.get(f"{API}{path}?page_size=3")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == set(BarrierPageOut.model_fields)
    assert all(set(row) == set(BarrierSummaryOut.model_fields) for row in body["results"])
    # Types and formats as the schema says (raises on any mismatch).
    parsed = BarrierPageOut.model_validate(body)
    assert parsed.count == 5 and len(parsed.results) == 3
    assert parsed.results[0].due_at is not None and parsed.results[0].submitted_at is not None


def test_whole_queue_remembers_it_is_over_the_cap(city_official, spread, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    roles_of(city_official)  # read once per request in real life; not what is counted here
    qs = lambda: selectors.work_queue(city_official)  # noqa: E731
    with django_assert_num_queries(2):  # the rows, then the capped count
        first = selectors.work_queue_page(city_official, qs(), filters=None, page=1, page_size=2)
    with django_assert_num_queries(1):  # the rows only: "more than 3" is remembered
        again = selectors.work_queue_page(city_official, qs(), filters=None, page=1, page_size=2)
    assert (first.count, first.count_capped) == (again.count, again.count_capped) == (3, True)
    # A filtered queue is a different set of rows: it is always counted.
    filters = selectors.QueueFilter(overdue=True)
    with django_assert_num_queries(2):
        filtered = selectors.work_queue_page(
            city_official, selectors.work_queue(city_official, filters=filters), filters=filters, page=1, page_size=1
        )
    assert (filtered.count, filtered.count_capped) == (3, False)
    # Past the cap a page is counted to its own end, as before.
    with django_assert_num_queries(2):
        far = selectors.work_queue_page(city_official, qs(), filters=None, page=2, page_size=2)
    assert (far.count, far.count_capped, far.has_more) == (5, False, True)


def test_list_rows_show_the_current_agency_name(city_official, firm, agency):
    barrier = barrier_in("forwarded", firm=firm, agency=agency)
    client = signed_in_client(city_official)
    assert client.get(f"{API}/queue").json()["results"][0]["lead_agency"] == {"code": agency.code, "name": agency.name}
    agency.name = "새 이름 위원회"
    agency.save()  # the cached agency table is dropped on save
    assert client.get(f"{API}/queue").json()["results"][0]["lead_agency"]["name"] == "새 이름 위원회"
    # An agency created behind the cache's back (no signal) is still found.
    from agencies.models import Agency

    Agency.objects.bulk_create([Agency(code="behind-back", name="신설 기관")])
    Barrier.objects.filter(pk=barrier.pk).update(lead_agency=Agency.objects.get(code="behind-back"))
    assert client.get(f"{API}/queue").json()["results"][0]["lead_agency"]["name"] == "신설 기관"


# -- create -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("firm_id", [0, -3, 999_999, 10**30])
def test_create_for_an_unknown_or_impossible_firm_is_a_400(firm_member, firm_id):
    import json

    response = signed_in_client(firm_member).post(
        API,
        data=json.dumps({"title": "제목", "body": "가" * 40, "firm_id": firm_id}),
        content_type="application/json",
    )
    assert response.status_code in (400, 422), response.content
    assert not Barrier.objects.exists()


def test_create_answers_with_the_firm_name(firm_member, firm):
    import json

    response = signed_in_client(firm_member).post(
        API, data=json.dumps({"title": "제목", "body": "가" * 40, "firm_id": firm.pk}), content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["firm"] == {"id": firm.pk, "name": firm.name}


# -- list pages read with reused SQL and per-page shortcuts -------------------------------------------


@pytest.mark.parametrize("days_later", [0, 3, 40])
def test_list_rows_count_overdue_days_like_the_selector(city_official, spread, days_later):
    """The page computes overdue days once per due date (``presenters.PageClock``): the same
    figures as ``selectors.overdue_days`` for each row."""
    moment = dt.datetime.now(tz=SEOUL) + dt.timedelta(days=days_later)
    with time_machine.travel(moment, tick=False):
        rows = signed_in_client(city_official).get(f"{API}/queue").json()["results"]
        expected = {b.pk: selectors.overdue_days(b, as_of=moment) for b in selectors.work_queue(city_official)}
    assert {row["id"]: row["overdue_days"] for row in rows} == expected
    assert any(days > 0 for days in expected.values())


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 2, 9, 0, 5, 123456, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 2, 18, 0, 0, 1, tzinfo=SEOUL),
        None,
    ],
)
def test_list_times_are_written_as_the_json_renderer_writes_them(value):
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    from barriers.presenters import json_time

    assert json_time(value) == json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def test_reused_queue_sql_never_answers_for_another_viewer(
    city_official, agency_official, firm, agency, other_agency, spread
):
    """The compiled query is kept per shape (roles, filters, slice): the same request by viewers
    with other roles reads their own rows, and new rows appear (the SQL is reused, not the rows)."""
    from accounts.tests.factories import UserFactory

    other_official = UserFactory()
    MembershipFactory(user=other_official, role=Role.AGENCY_OFFICIAL, agency=other_agency)
    for _ in range(2):  # the second round reads every shape from the compiled table
        city = signed_in_client(city_official).get(f"{API}/queue").json()["results"]
        mine = signed_in_client(agency_official).get(f"{API}/queue").json()["results"]
        theirs = signed_in_client(other_official).get(f"{API}/queue").json()["results"]
        assert {row["id"] for row in city} == {b.pk for b in spread.values()}
        assert {row["id"] for row in mine} == {spread["late_10"].pk}  # only what was forwarded to it
        assert theirs == []
    added = barrier_in("forwarded", firm=firm, agency=other_agency)
    theirs = signed_in_client(other_official).get(f"{API}/queue").json()["results"]
    assert [row["id"] for row in theirs] == [added.pk]
    assert signed_in_client(city_official).get(f"{API}?status=forwarded").json()["count"] == 2


def test_barrier_read_fills_sectors_and_cooperating_agencies_like_a_fresh_read(
    city_official, firm, agency, other_agency, django_assert_num_queries
):
    """``barrier_for_user`` fills both relations from one query of the link tables and the cached
    tables: the same objects, in the same order, as reading them afresh; a co-operating agency's
    official sees the barrier through them, with no query of its own."""
    from accounts.permissions import can
    from accounts.tests.factories import UserFactory
    from agencies.models import Agency
    from firms.models import Sector

    barrier = barrier_in("forwarded", firm=firm, agency=agency)
    barrier.sectors.set(list(Sector.objects.order_by("-code"))[:3])
    barrier.cooperating_agencies.set([other_agency, Agency.objects.create(code="coop-c", name="가나다 협조 기관")])
    cooperating_official = UserFactory()
    MembershipFactory(user=cooperating_official, role=Role.AGENCY_OFFICIAL, agency=other_agency)
    fresh = Barrier.objects.get(pk=barrier.pk)
    expected_sectors = [s.code for s in fresh.sectors.all()]
    expected_agencies = [(a.code, a.name) for a in fresh.cooperating_agencies.all()]
    assert len(expected_sectors) == 3 and len(expected_agencies) == 2

    read = selectors.barrier_for_user(city_official, barrier.pk)
    with django_assert_num_queries(0):
        assert [s.code for s in read.sectors.all()] == expected_sectors
        assert [(a.code, a.name) for a in read.cooperating_agencies.all()] == expected_agencies
    seen = selectors.barrier_for_user(cooperating_official, barrier.pk)
    with django_assert_num_queries(0):
        assert can(cooperating_official, "barrier.view", seen)
