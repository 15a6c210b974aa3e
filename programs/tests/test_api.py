import datetime as dt
import json

import pytest
import time_machine

from programs.models import ProgramApplication, SiteBooking
from programs.tests.factories import SiteFactory, SupportProgramFactory

API = "/api/programs"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 6, 15, 3, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def program(sectors):
    return SupportProgramFactory(title="핀테크 해외 진출", sectors=["fintech"])


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_list_and_detail(client, program):
    body = client.get(f"{API}/", {"q": "핀테크"}).json()
    assert body["count"] == 1 and body["results"][0]["is_open"] is True
    assert client.get(f"{API}/{program.pk}").json()["title"] == "핀테크 해외 진출"
    assert client.get(f"{API}/999999").status_code == 404


@pytest.mark.parametrize(
    "params",
    [{"page": -1}, {"page": 10**20}, {"limit": 10**9}, {"kind": "nope"}, {"q": "a\x00b"}, {"q": "x" * 101}],
)
def test_list_rejects_bad_params_with_400(client, program, params):
    response = client.get(f"{API}/", params)
    assert response.status_code == 400
    assert response.json()["code"] == "validation_failed"


def test_apply_via_api(client, firm, firm_member, program):
    client.force_login(firm_member)
    response = post(client, f"{API}/{program.pk}/applications", {"firm_id": firm.pk})
    assert response.status_code == 201
    again = post(client, f"{API}/{program.pk}/applications", {"firm_id": firm.pk})
    assert again.status_code == 409 and again.json()["code"] == "already_applied"
    assert ProgramApplication.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [{"firm_id": "x"}, {"firm_id": 1, "note": "a\u0000b"}, {"firm_id": 1, "note": "가" * 3000}, {"firm_id": [1]}, {}],
)
def test_apply_bad_bodies_are_400(client, firm_member, program, body):
    client.force_login(firm_member)
    assert post(client, f"{API}/{program.pk}/applications", body).status_code == 400
    assert not ProgramApplication.objects.exists()


def test_apply_requires_sign_in_and_membership(client, firm, other_firm_member, program):
    assert post(client, f"{API}/{program.pk}/applications", {"firm_id": firm.pk}).status_code == 401
    client.force_login(other_firm_member)
    response = post(client, f"{API}/{program.pk}/applications", {"firm_id": firm.pk})
    assert response.status_code == 403


def test_for_firm_and_explain(client, firm, firm_member, other_firm_member, program):
    client.force_login(firm_member)
    matches = client.get(f"{API}/for-firm/{firm.pk}").json()
    assert matches[0]["program_id"] == program.pk and matches[0]["reasons"]
    explained = client.get(f"{API}/{program.pk}/explain", {"firm_id": firm.pk}).json()
    assert explained["eligible"] is True
    client.force_login(other_firm_member)
    assert client.get(f"{API}/for-firm/{firm.pk}").status_code == 404


def test_booking_via_api_with_conflict_and_cancel(client, firm, firm_member):
    site = SiteFactory()
    client.force_login(firm_member)
    body = {
        "firm_id": firm.pk,
        "starts_at": "2026-06-16T10:00:00+09:00",
        "ends_at": "2026-06-16T12:00:00+09:00",
        "purpose": "실증",
    }
    created = post(client, f"{API}/sites/{site.pk}/bookings", body)
    assert created.status_code == 201
    clash = post(client, f"{API}/sites/{site.pk}/bookings", body)
    assert clash.status_code == 409 and clash.json()["code"] == "slot_taken"
    too_many = post(
        client,
        f"{API}/sites/{site.pk}/bookings",
        {**body, "participants": 99, "starts_at": "2026-06-17T10:00:00+09:00", "ends_at": "2026-06-17T11:00:00+09:00"},
    )
    assert too_many.status_code == 400 and too_many.json()["code"] == "capacity_exceeded"
    listed = client.get(f"{API}/sites/{site.pk}/bookings", {"start": "2026-06-15"}).json()
    assert len(listed) == 1 and listed[0]["firm_id"] == firm.pk
    booking_id = created.json()["id"]
    assert post(client, f"{API}/bookings/{booking_id}/cancel", {}).json()["status"] == "cancelled"
    assert post(client, f"{API}/bookings/{booking_id}/explode", {}).status_code in {400, 404}
    assert SiteBooking.objects.get().status == "cancelled"


def test_public_booking_list_hides_firms(client, firm, firm_member):
    site = SiteFactory()
    client.force_login(firm_member)
    post(
        client,
        f"{API}/sites/{site.pk}/bookings",
        {
            "firm_id": firm.pk,
            "starts_at": "2026-06-16T10:00:00+09:00",
            "ends_at": "2026-06-16T11:00:00+09:00",
            "purpose": "x",
        },
    )
    client.logout()
    listed = client.get(f"{API}/sites/{site.pk}/bookings", {"start": "2026-06-15"}).json()
    assert listed[0]["firm_id"] is None


def test_uptake_is_for_officials(client, firm_member, city_official, program):
    client.force_login(firm_member)
    assert client.get(f"{API}/uptake").status_code == 403
    client.force_login(city_official)
    assert client.get(f"{API}/uptake", {"by": "sector"}).status_code == 200
    assert client.get(f"{API}/uptake", {"by": "nope"}).status_code == 400
