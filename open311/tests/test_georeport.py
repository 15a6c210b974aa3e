"""Open311 GeoReport v2: responses checked against the spec's field lists in JSON and XML, the
register's privacy rules, filing with an API key, and every error case."""

from __future__ import annotations

import datetime as dt
import json
import re
from xml.etree import ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

from barriers import services as barrier_services
from barriers.models import Barrier, BarrierStatus, Privacy
from open311.models import Open311Client, Open311Submission, hash_key
from open311.tests.conftest import SECRET_BODY, file_and_triage
from register import services as register_services

pytestmark = pytest.mark.django_db

# GeoReport v2 field lists (wiki.open311.org/GeoReport_v2).
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
DEFINITION_FIELDS = {"service_code", "attributes"}
ATTRIBUTE_FIELDS = {"variable", "code", "datatype", "required", "datatype_description", "order", "description"}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
POST_FIELDS = {"token", "service_notice", "account_id"}
ERROR_FIELDS = {"code", "description"}
ISO_WITH_ZONE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def url(name, fmt="json", **kwargs):
    return reverse(f"open311:{name}", kwargs={"fmt": fmt, **kwargs})


def as_json(response):
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def as_xml(response):
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b"<?xml")
    return ET.fromstring(response.content)


def xml_items(root, child):
    """The list of dicts an XML list carries (nested lists left as elements)."""
    return [{e.tag: (e.text or "") for e in item} for item in root.findall(child)]


def assert_error(response, status, fmt="json"):
    assert response.status_code == status
    if fmt == "xml":
        root = as_xml(response)
        assert root.tag == "errors"
        errors = xml_items(root, "error")
        assert errors and set(errors[0]) == ERROR_FIELDS and errors[0]["code"] == str(status)
        return errors[0]["description"]
    body = as_json(response)
    assert isinstance(body, list) and set(body[0]) == ERROR_FIELDS and body[0]["code"] == status
    return body[0]["description"]


# -- discovery and services ------------------------------------------------------------------------


def test_discovery(client, sectors):
    body = as_json(client.get(url("discovery")))
    assert {"changeset", "contact", "key_service", "endpoints"} <= set(body)
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2/") and set(endpoint["formats"]) == {"application/json", "text/xml"}
    root = as_xml(client.get(url("discovery", "xml")))
    assert root.tag == "discovery" and [f.text for f in root.find("endpoints/endpoint/formats")]


def test_services_one_per_sector_and_kind_in_both_formats(client, sectors):
    from barriers.models import RequestKind
    from firms.models import Sector

    services = as_json(client.get(url("services")))
    assert len(services) == Sector.objects.count() * len(RequestKind.values)
    assert all(set(s) == SERVICE_FIELDS for s in services)
    assert len({s["service_code"] for s in services}) == len(services)
    assert {"service_code": "robots-proposal", "group": "로봇"}.items() <= next(
        s for s in services if s["service_code"] == "robots-proposal"
    ).items()
    root = as_xml(client.get(url("services", "xml")))
    assert root.tag == "services"
    xml_services = xml_items(root, "service")
    assert [s["service_code"] for s in xml_services] == [s["service_code"] for s in services]
    assert all(set(s) == SERVICE_FIELDS for s in xml_services)
    assert xml_services[0]["metadata"] == "true"


def test_service_definition_in_both_formats(client, sectors):
    definition = as_json(client.get(url("service", code="fintech-grievance")))
    assert set(definition) == DEFINITION_FIELDS and definition["service_code"] == "fintech-grievance"
    assert all(set(a) >= ATTRIBUTE_FIELDS for a in definition["attributes"])
    privacy = next(a for a in definition["attributes"] if a["code"] == "privacy")
    assert privacy["datatype"] == "singlevaluelist" and {v["key"] for v in privacy["values"]} == set(Privacy.values)
    root = as_xml(client.get(url("service", "xml", code="fintech-grievance")))
    assert root.tag == "service_definition" and root.findtext("service_code") == "fintech-grievance"
    attributes = root.findall("attributes/attribute")
    assert len(attributes) == len(definition["attributes"])
    assert all({e.tag for e in a} >= ATTRIBUTE_FIELDS for a in attributes)
    assert {v.findtext("key") for v in root.findall("attributes/attribute/values/value")} >= set(Privacy.values)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_code_is_a_404_in_the_error_format(client, sectors, fmt):
    assert "space-proposal" in assert_error(client.get(url("service", fmt, code="space-proposal")), 404, fmt)
    assert_error(client.get(url("requests", fmt), {"service_code": "robots-wish"}), 404, fmt)


@pytest.mark.parametrize("name", ["services", "requests", "discovery"])
def test_wrong_format_extension_is_a_400(client, sectors, name):
    description = assert_error(client.get(url(name, "csv")), 400)
    assert ".csv" in description


# -- requests: only what the register shows ----------------------------------------------------------


def test_published_request_has_every_field_in_both_formats(client, published, firm):
    body = as_json(client.get(url("requests")))
    assert len(body) == 1
    request = body[0]
    assert set(request) == REQUEST_FIELDS
    assert request["service_request_id"] == published.public_id
    assert request["status"] == "open" and "검토·분류 완료" in request["status_notes"]
    assert request["service_code"] == "robots-proposal"
    assert request["agency_responsible"] == published.barrier.lead_agency.name
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert ISO_WITH_ZONE.match(request[field]), (field, request[field])
    root = as_xml(client.get(url("requests", "xml")))
    assert root.tag == "service_requests"
    (xml_request,) = xml_items(root, "request")
    assert set(xml_request) == REQUEST_FIELDS
    assert xml_request["service_request_id"] == published.public_id and xml_request["status"] == "open"
    assert xml_request["description"] == request["description"]
    assert xml_request["lat"] == "" and request["lat"] is None


def test_personal_data_never_leaves_beyond_the_register(client, published, firm):
    for fmt in ("json", "xml"):
        text = client.get(url("requests", fmt)).content.decode()
        text += client.get(url("request", fmt, public_id=published.public_id)).content.decode()
        for secret in ("010-1234-5678", "chulsoo@example.com", "김철수", firm.name, firm.brn_display):
            assert secret not in text, secret
        assert "제13조의2" in text and "3,000만원" in text  # what readers need stays


def test_unpublished_private_and_withdrawn_barriers_are_not_listed(
    client, published, firm, firm_member, city_official, agency
):
    file_and_triage(firm, firm_member, city_official, agency, title="공개 전")  # triaged, not published
    private = file_and_triage(firm, firm_member, city_official, agency, title="비공개", privacy=Privacy.PRIVATE)
    assert [r["service_request_id"] for r in as_json(client.get(url("requests")))] == [published.public_id]
    assert_error(client.get(url("request", public_id="NOTAREALID")), 404)
    register_services.withdraw_publication(barrier_id=published.barrier_id, actor=city_official, reason="요청")
    assert as_json(client.get(url("requests"))) == []
    assert_error(client.get(url("request", "xml", public_id=published.public_id)), 404, "xml")
    assert Barrier.objects.filter(pk=private.pk).exists()


def test_statuses_map_to_open_and_closed_with_filters(client, published, city_official, firm, firm_member, agency):
    other = file_and_triage(firm, firm_member, city_official, agency, title="종결된 애로")
    closed_pub = register_services.publish_barrier(barrier_id=other.pk, actor=city_official)
    barrier_services.close_barrier(barrier_id=other.pk, actor=city_official, note="이미 개선됨")
    rows = {r["service_request_id"]: r for r in as_json(client.get(url("requests")))}
    assert rows[closed_pub.public_id]["status"] == "closed" and rows[published.public_id]["status"] == "open"
    assert rows[closed_pub.public_id]["expected_datetime"] is None
    assert "종결" in rows[closed_pub.public_id]["status_notes"]
    only_closed = as_json(client.get(url("requests"), {"status": "closed"}))
    assert [r["service_request_id"] for r in only_closed] == [closed_pub.public_id]
    both = as_json(client.get(url("requests"), {"status": "open,closed"}))
    assert len(both) == 2
    assert_error(client.get(url("requests"), {"status": "pending"}), 400)


def test_service_code_and_id_filters(client, published):
    assert len(as_json(client.get(url("requests"), {"service_code": "robots-proposal"}))) == 1
    assert as_json(client.get(url("requests"), {"service_code": "fintech-proposal"})) == []
    by_id = as_json(client.get(url("requests"), {"service_request_id": published.public_id}))
    assert [r["service_request_id"] for r in by_id] == [published.public_id]
    assert_error(client.get(url("requests"), {"service_request_id": "<script>"}), 400)


def test_date_filters_and_their_errors(client, published):
    submitted = timezone.localtime(published.barrier.submitted_at)
    day = submitted.date()
    inside = {
        "start_date": (submitted - dt.timedelta(days=1)).isoformat(),
        "end_date": (submitted + dt.timedelta(days=1)).isoformat(),
    }
    assert len(as_json(client.get(url("requests"), inside))) == 1
    after = {"start_date": (day + dt.timedelta(days=2)).isoformat()}
    assert as_json(client.get(url("requests"), after)) == []
    assert len(as_json(client.get(url("requests"), {"start_date": day.isoformat(), "end_date": day.isoformat()}))) == 1
    for fmt in ("json", "xml"):
        assert "90일" in assert_error(
            client.get(
                url("requests", fmt),
                {"start_date": "2026-01-01T00:00:00+09:00", "end_date": "2026-06-01T00:00:00+09:00"},
            ),
            400,
            fmt,
        )
        assert "ISO 8601" in assert_error(client.get(url("requests", fmt), {"start_date": "어제"}), 400, fmt)
    assert_error(client.get(url("requests"), {"start_date": "2026-02-30"}), 400)
    assert_error(client.get(url("requests"), {"start_date": "2026-03-02", "end_date": "2026-03-01"}), 400)


# -- POST: filing with an API key -------------------------------------------------------------------


def post(client, data, fmt="json", **headers):
    return client.post(url("requests", fmt), data, headers=headers)


def test_post_files_a_submitted_barrier_for_the_clients_firm(client, firm_client, firm, sectors):
    response = post(
        client,
        {
            "api_key": firm_client.plain_key,
            "service_code": "fintech-question_law",
            "description": "전자금융거래법상 선불전자지급수단 발행 한도 때문에 소상공인 결제 서비스를"
            " 확대하지 못합니다. 제도 개선을 요청합니다.",
            "attribute[title]": "선불 발행 한도",
            "attribute[privacy]": "private",
            "attribute[seal_from_agency]": "true",
            "email": "someone@example.com",
            "first_name": "길동",
        },
    )
    assert response.status_code == 200, response.content
    (body,) = as_json(response)
    assert set(body) == POST_FIELDS and body["token"]
    barrier = Barrier.objects.get()
    assert barrier.firm == firm and barrier.filed_by == firm_client.user and barrier.status == BarrierStatus.SUBMITTED
    assert barrier.title == "선불 발행 한도" and barrier.kind == "question_law"
    assert list(barrier.sectors.values_list("code", flat=True)) == ["fintech"]
    assert barrier.privacy == Privacy.PRIVATE and barrier.seal_from_agency
    assert "someone@example.com" not in str(Barrier.objects.values().get())  # GeoReport's personal fields are not kept
    token = as_json(client.get(url("token", token=body["token"])))
    assert token == [{"service_request_id": None, "token": body["token"]}]
    assert Open311Client.objects.get().last_used_at is not None


def test_post_in_xml(client, firm_client, sectors):
    response = post(
        client, {"api_key": firm_client.plain_key, "service_code": "ai-grievance", "description": SECRET_BODY}, "xml"
    )
    assert response.status_code == 200
    root = as_xml(response)
    (item,) = xml_items(root, "request")
    assert set(item) == POST_FIELDS and Open311Submission.objects.get().token == item["token"]


def test_token_reports_the_public_id_once_published(client, firm_client, city_official, agency, sectors):
    (body,) = as_json(
        post(client, {"api_key": firm_client.plain_key, "service_code": "robots-proposal", "description": SECRET_BODY})
    )
    barrier = Barrier.objects.get()
    barrier_services.triage_barrier(barrier_id=barrier.pk, actor=city_official, kind="proposal", lead_agency=agency)
    publication = register_services.publish_barrier(barrier_id=barrier.pk, actor=city_official)
    token = as_json(client.get(url("token", token=body["token"])))
    assert token[0]["service_request_id"] == publication.public_id
    assert_error(client.get(url("token", token="abc123")), 404)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_key_errors(client, firm_client, sectors, fmt):
    data = {"service_code": "robots-proposal", "description": SECRET_BODY}
    assert "api_key" in assert_error(post(client, data, fmt), 400, fmt)
    assert_error(post(client, {**data, "api_key": "h311_wrong"}, fmt), 403, fmt)
    firm_client.is_active = False
    firm_client.save()
    assert_error(post(client, {**data, "api_key": firm_client.plain_key}, fmt), 403, fmt)
    assert Barrier.objects.count() == 0


def test_post_request_errors(client, firm_client, sectors):
    key = firm_client.plain_key
    assert_error(post(client, {"api_key": key, "description": SECRET_BODY}), 400)
    assert_error(post(client, {"api_key": key, "service_code": "moon-proposal", "description": SECRET_BODY}), 404)
    assert_error(post(client, {"api_key": key, "service_code": "robots-proposal"}), 400)
    assert "20자" in assert_error(
        post(client, {"api_key": key, "service_code": "robots-proposal", "description": "짧음"}), 400
    )
    assert_error(
        post(
            client,
            {"api_key": key, "service_code": "robots-proposal", "description": SECRET_BODY, "attribute[privacy]": "x"},
        ),
        400,
    )
    assert Barrier.objects.count() == 0


def test_association_client_files_for_members_only(client, association_client, association, sectors):
    from firms.models import AssociationMembership
    from firms.tests.factories import FirmFactory

    member, stranger = FirmFactory(), FirmFactory()
    AssociationMembership.objects.create(firm=member, association=association)
    data = {"api_key": association_client.plain_key, "service_code": "robots-proposal", "description": SECRET_BODY}
    assert "firm_brn" in assert_error(post(client, data), 400)
    assert_error(post(client, {**data, "attribute[firm_brn]": stranger.brn_display}), 403)
    assert post(client, {**data, "attribute[firm_brn]": member.brn_display}).status_code == 200
    assert Barrier.objects.get().firm == member


def test_idempotency_key_replays_the_first_answer(client, firm_client, sectors):
    data = {"api_key": firm_client.plain_key, "service_code": "robots-proposal", "description": SECRET_BODY}
    first = post(client, data, **{"Idempotency-Key": "retry-1"})
    again = post(client, data, **{"Idempotency-Key": "retry-1"})
    assert first.status_code == again.status_code == 200
    assert again.content == first.content and again["Idempotent-Replayed"] == "true"
    assert Barrier.objects.count() == 1
    other = post(client, {**data, "description": SECRET_BODY + " 추가"}, **{"Idempotency-Key": "retry-1"})
    assert other.status_code == 422 and Barrier.objects.count() == 1


def test_csrf_does_not_apply_but_the_key_does(sectors, firm_client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        url("requests"),
        {"api_key": firm_client.plain_key, "service_code": "robots-proposal", "description": SECRET_BODY},
    )
    assert response.status_code == 200


# -- keys ------------------------------------------------------------------------------------------


def test_admin_issues_a_key_shown_once_and_stores_only_its_hash(client, admin_user, firm, firm_member):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:open311_open311client_add"),
        {"name": "새 앱", "user": firm_member.pk, "firm": firm.pk, "is_active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    shown = re.search(r"h311_[A-Za-z0-9_-]{43}", response.content.decode())
    assert shown, "the key is shown once after saving"
    key = shown.group(0)
    stored = Open311Client.objects.get()
    assert stored.key_hash == hash_key(key) and key not in str(Open311Client.objects.values().get())
    page = client.get(reverse("admin:open311_open311client_change", args=[stored.pk])).content.decode()
    assert key not in page


def test_admin_refuses_a_client_for_a_firm_its_account_cannot_file_for(client, admin_user, firm, other_firm_member):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:open311_open311client_add"), {"name": "x", "user": other_firm_member.pk, "firm": firm.pk}
    )
    assert response.status_code == 200 and "대신해 접수할 수 없습니다" in response.content.decode()
    assert Open311Client.objects.count() == 0
