"""JSON API: create with Idempotency-Key, transitions as POSTs, 409s, optimistic concurrency,
bad input, permission per persona, sealed identity, attachments."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts.testing import signed_in_client
from barriers import services
from barriers.models import Barrier, BarrierEvent, BarrierStatus
from barriers.tests.factories import BODY

pytestmark = pytest.mark.django_db
API = "/api/barriers"


def post(client: Client, url: str, data: dict | None = None, **headers):
    return client.post(url, data=json.dumps(data or {}), content_type="application/json", headers=headers)


def test_anonymous_gets_401():
    assert Client().get(API).status_code == 401
    assert post(Client(), API, {"title": "x", "body": "y"}).status_code == 401


def test_reason_codes_are_published():
    response = Client().get(f"{API}/reason-codes")
    assert response.status_code == 200
    labels = {row["label"] for row in response.json()}
    assert {"안전 우려", "타 법령 충돌", "이해관계 대립", "사회적 합의 필요", "이미 개선됨", "권한 밖"} == labels


def test_firm_member_files_and_submits(firm_member, firm):
    client = signed_in_client(firm_member)
    response = post(client, API, {"title": "드론 배송", "body": BODY, "sector_codes": ["mobility"], "submit": True})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "submitted"
    assert body["firm"] == {"id": firm.pk, "name": firm.name}
    assert body["due_step"] == "triage"
    assert response["ETag"] == f'"{body["version"]}"'


def test_idempotency_key_replays_and_conflicts(firm_member):
    client = signed_in_client(firm_member)
    payload = {"title": "드론 배송", "body": BODY, "sector_codes": ["mobility"]}
    first = post(client, API, payload, **{"Idempotency-Key": "k-1"})
    again = post(client, API, payload, **{"Idempotency-Key": "k-1"})
    other = post(client, API, {**payload, "title": "다른 제목"}, **{"Idempotency-Key": "k-1"})
    too_long = post(client, API, payload, **{"Idempotency-Key": "k" * 10_000})
    # IETF Idempotency-Key draft: a replay gets the stored response, a reused key 422.
    assert (first.status_code, again.status_code, other.status_code, too_long.status_code) == (201, 201, 422, 400)
    assert first.content == again.content and again["Idempotent-Replayed"] == "true"
    assert other.json()["code"] == "idempotency_key_reused"
    assert Barrier.objects.count() == 1


@pytest.mark.parametrize(
    ("_case", "payload", "code"),
    [
        ("nul in title", {"title": "\u0000", "body": "\u0000"}, "validation_failed"),
        ("title of 1 MB", {"title": "a" * 1_000_000, "body": BODY}, "validation_failed"),
        ("body over 20,000", {"title": "제목", "body": "나" * 20_001}, "validation_failed"),
        ("unknown sector", {"title": "제목", "body": BODY, "sector_codes": ["warp"]}, "validation_failed"),
        ("array for string", {"title": ["a"], "body": BODY}, "validation_failed"),
        ("negative cost", {"title": "제목", "body": BODY, "harm_cost_won": -5}, "validation_failed"),
        ("other firm", {"title": "제목", "body": BODY, "firm_id": 999999}, "validation_failed"),
    ],
)
def test_bad_create_payloads_are_400(firm_member, _case, payload, code):
    response = post(signed_in_client(firm_member), API, payload)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert Barrier.objects.count() == 0


def test_ten_megabyte_body_is_413(firm_member):
    response = post(signed_in_client(firm_member), API, {"title": "제목", "body": "가" * 3_500_000})
    assert response.status_code == 413
    assert Barrier.objects.count() == 0


def test_filing_for_another_firm_is_403(firm_member, other_firm):
    response = post(signed_in_client(firm_member), API, {"title": "제목", "body": BODY, "firm_id": other_firm.pk})
    assert response.status_code == 403


def test_nested_json_bomb_is_400(firm_member):
    deep = "[" * 100_000 + "]" * 100_000
    response = signed_in_client(firm_member).post(API, data=deep, content_type="application/json")
    assert response.status_code == 400


def test_workflow_over_the_api(submitted, city_official, agency, agency_official, firm_member):
    city, agency_client, filer = (
        signed_in_client(city_official),
        signed_in_client(agency_official),
        signed_in_client(firm_member),
    )
    r = post(city, f"{API}/{submitted.pk}/triage", {"kind": "proposal", "lead_agency_code": agency.code})
    assert r.status_code == 200, r.content
    r = post(city, f"{API}/{submitted.pk}/forward", {})
    assert r.json()["status"] == "forwarded"
    r = post(
        agency_client,
        f"{API}/{submitted.pk}/answer",
        {"outcome": "declined", "body": "불가", "reason_code": "conflicting_law", "legal_basis": "약사법 제50조"},
    )
    assert r.status_code == 200, r.content
    assert r.json()["answers"][0]["reason_label"] == "타 법령 충돌"
    r = post(filer, f"{API}/{submitted.pk}/react", {"satisfied": False, "reasons": "해외 사례"})
    assert r.json()["status"] == "second_review"
    timeline = filer.get(f"{API}/{submitted.pk}/timeline").json()
    assert [e["title"] for e in timeline] == ["접수", "검토·분류", "소관기관 전달", "회신", "재검토 요청"]


def test_illegal_transition_is_409_and_changes_nothing(submitted, city_official):
    before = BarrierEvent.objects.count()
    r = post(signed_in_client(city_official), f"{API}/{submitted.pk}/close", {"note": ""})
    assert r.status_code == 400  # note required first
    r = post(signed_in_client(city_official), f"{API}/{submitted.pk}/escalate", {"note": "상정"})
    assert r.status_code == 409
    assert r.json()["code"] == "transition_not_allowed"
    assert "접수" in r.json()["message"]
    assert BarrierEvent.objects.count() == before
    assert Barrier.objects.get(pk=submitted.pk).status == BarrierStatus.SUBMITTED


def test_two_officials_one_version_one_wins(submitted, city_official, agency):
    from accounts.models import Role
    from accounts.tests.factories import MembershipFactory

    colleague = MembershipFactory(role=Role.CITY_OFFICIAL).user
    version = signed_in_client(city_official).get(f"{API}/{submitted.pk}")["ETag"]
    payload = {"kind": "proposal", "lead_agency_code": agency.code}
    first = post(signed_in_client(city_official), f"{API}/{submitted.pk}/triage", payload, **{"If-Match": version})
    second = post(signed_in_client(colleague), f"{API}/{submitted.pk}/triage", payload, **{"If-Match": version})
    assert (first.status_code, second.status_code) == (200, 409)
    assert second.json()["code"] == "stale_version"


def test_bad_if_match_is_400(submitted, city_official, agency):
    r = post(
        signed_in_client(city_official),
        f"{API}/{submitted.pk}/triage",
        {"kind": "proposal", "lead_agency_code": agency.code},
        **{"If-Match": "abc"},
    )
    assert r.status_code == 400


def test_unknown_agency_is_400(submitted, city_official):
    r = post(
        signed_in_client(city_official), f"{API}/{submitted.pk}/triage", {"kind": "proposal", "lead_agency_code": "x"}
    )
    assert r.status_code == 400 and r.json()["field"] == "lead_agency_code"


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("firm_member", 200),
        ("other_firm_member", 404),
        ("outsider", 404),
        ("association_staff", 404),
        ("city_official", 200),
        ("agency_official", 200),
        ("other_agency_official", 404),
        ("admin_user", 200),
    ],
)
def test_read_permission_per_persona(request, forwarded, persona, expected):
    user = request.getfixturevalue(persona)
    assert signed_in_client(user).get(f"{API}/{forwarded.pk}").status_code == expected
    listed = signed_in_client(user).get(API).json()["results"]
    assert (forwarded.pk in [row["id"] for row in listed]) == (expected == 200)


def test_agency_never_sees_sealed_identity(firm, firm_member, city_official, agency, agency_official):
    barrier = services.file_barrier(
        actor=firm_member, firm=firm, title="봉인", body=BODY, sector_codes=["ai"], seal_from_agency=True, submit=True
    )
    services.triage_barrier(barrier_id=barrier.pk, actor=city_official, kind="proposal", lead_agency=agency)
    services.forward_to_agency(barrier_id=barrier.pk, actor=city_official)
    agency_client = signed_in_client(agency_official)
    for url in (f"{API}/{barrier.pk}", f"{API}/{barrier.pk}/timeline", API, f"{API}/queue"):
        response = agency_client.get(url)
        assert response.status_code == 200
        text = response.content.decode()
        assert firm.name not in text and firm_member.name not in text and firm_member.email not in text
    assert agency_client.get(f"{API}/{barrier.pk}").json()["firm"] is None
    assert signed_in_client(city_official).get(f"{API}/{barrier.pk}").json()["firm"]["name"] == firm.name


def test_queue_is_for_officials_and_sorted_by_urgency(city_official, firm_member, firm, agency):
    from barriers.tests.factories import barrier_in

    late = barrier_in("triaged", firm=firm, agency=agency, due_in_days=-10)
    soon_many = barrier_in("submitted", firm=firm, due_in_days=3, affected_firm_count=9)
    soon_few = barrier_in("submitted", firm=firm, due_in_days=3, affected_firm_count=1)
    later = barrier_in("submitted", firm=firm, due_in_days=20)
    barrier_in("draft", firm=firm)
    assert signed_in_client(firm_member).get(f"{API}/queue").status_code == 403
    rows = signed_in_client(city_official).get(f"{API}/queue").json()["results"]
    assert [r["id"] for r in rows] == [late.pk, soon_many.pk, soon_few.pk, later.pk]
    assert rows[0]["overdue_days"] > 0 and rows[1]["overdue_days"] == 0
    overdue = signed_in_client(city_official).get(f"{API}/queue?overdue=true").json()["results"]
    assert [r["id"] for r in overdue] == [late.pk]


@pytest.mark.parametrize("query", ["page=-1", "page=100000000000000000000", "page_size=1000000000", "status=bogus"])
def test_bad_paging_and_filters_are_400(city_official, query):
    assert signed_in_client(city_official).get(f"{API}?{query}").status_code == 400


def test_patch_draft_with_stale_version(firm_member, firm):
    barrier = services.file_barrier(actor=firm_member, firm=firm, title="초안", body="", sector_codes=["ai"])
    client = signed_in_client(firm_member)
    r = client.patch(
        f"{API}/{barrier.pk}", data=json.dumps({"body": BODY, "version": 1}), content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["body"] == BODY
    r = client.patch(
        f"{API}/{barrier.pk}", data=json.dumps({"title": "x", "version": 1}), content_type="application/json"
    )
    assert r.status_code == 409


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def upload(client, barrier_id, name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(f"{API}/{barrier_id}/attachments", {"file": SimpleUploadedFile(name, data)})


def test_attachment_upload_and_permissioned_download(submitted, firm_member, other_firm_member, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    client = signed_in_client(firm_member)
    r = upload(client, submitted.pk, "../../보고서 ‮fdp.pdf", PDF)
    assert r.status_code == 201, r.content
    attachment = r.json()["attachments"][0]
    assert "/" not in attachment["name"] and "\u202e" not in attachment["name"] and attachment["name"].endswith(".pdf")
    stored = submitted.attachments.get()
    assert (
        stored.file.name.startswith("barriers/") and ".." not in stored.file.name and "보고서" not in stored.file.name
    )
    download = client.get(attachment["url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == PDF
    assert signed_in_client(other_firm_member).get(attachment["url"]).status_code == 404


@pytest.mark.parametrize(
    ("_case", "name", "data"),
    [
        ("png renamed pdf", "scan.pdf", PNG),
        ("html renamed pdf", "x.pdf", b"<html><script>alert(1)</script></html>"),
        ("exe behind bidi", "보고서\u202efdp.exe", b"MZ\x90\x00"),
        ("nul in name", "a.pdf\x00.exe", PDF),
        ("svg", "x.svg", b"<svg onload=alert(1)>"),
        ("empty", "x.pdf", b""),
    ],
)
def test_forged_or_unsafe_attachments_are_refused(submitted, firm_member, tmp_path, settings, _case, name, data):
    settings.MEDIA_ROOT = tmp_path
    r = upload(signed_in_client(firm_member), submitted.pk, name, data)
    assert r.status_code == 400, r.content
    assert submitted.attachments.count() == 0


def test_oversize_attachment_is_refused(submitted, firm_member, tmp_path, settings, monkeypatch):
    from barriers import files

    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(files, "MAX_BYTES", 1024)
    r = upload(signed_in_client(firm_member), submitted.pk, "big.pdf", PDF + b"0" * 2048)
    assert r.status_code == 400


def test_sealed_attachment_name_is_neutral_for_agency(
    firm, firm_member, city_official, agency, agency_official, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    barrier = services.file_barrier(
        actor=firm_member, firm=firm, title="봉인", body=BODY, sector_codes=["ai"], seal_from_agency=True, submit=True
    )
    upload(signed_in_client(firm_member), barrier.pk, f"{firm.name}_사업계획.pdf", PDF)
    services.triage_barrier(barrier_id=barrier.pk, actor=city_official, kind="proposal", lead_agency=agency)
    services.forward_to_agency(barrier_id=barrier.pk, actor=city_official)
    detail = signed_in_client(agency_official).get(f"{API}/{barrier.pk}").json()
    assert detail["attachments"][0]["name"] == "첨부1.pdf"
    download = signed_in_client(agency_official).get(detail["attachments"][0]["url"])
    assert firm.name not in download["Content-Disposition"]
