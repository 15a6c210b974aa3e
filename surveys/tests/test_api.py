import json

import pytest

from surveys.models import Response
from surveys.tests.factories import invitation_for, open_perception_survey


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def invitation(city_official, firm):
    return invitation_for(open_perception_survey(city_official), firm)


def test_member_lists_and_reads_pending_survey(client, firm_member, invitation):
    client.force_login(firm_member)
    listed = client.get("/api/surveys/invitations").json()
    assert [i["id"] for i in listed] == [invitation.pk]
    detail = client.get(f"/api/surveys/invitations/{invitation.pk}").json()
    assert [q["code"] for q in detail["questions"]] == ["rating", "reflected", "difficulty"]
    assert detail["questions"][0]["choices"][0] == {"value": "negative", "label": "부정적"}


def test_submit_then_replay_is_409(client, firm_member, invitation):
    client.force_login(firm_member)
    url = f"/api/surveys/invitations/{invitation.pk}/response"
    body = {"answers": {"rating": "neutral", "reflected": True}}
    first = post(client, url, body)
    assert first.status_code == 201, first.content
    replay = post(client, url, body)
    assert replay.status_code == 409 and replay.json()["code"] == "already_answered"


@pytest.mark.parametrize(
    "body",
    [
        {"answers": {"rating": "neutral", "reflected": True, "difficulty": "\u0000" * 3 + "x" * 5000}},
        {"answers": {"rating": "neutral", "reflected": [True]}},
        {"answers": {"rating": "neutral"}},
        {"answers": "rating"},
        {"answers": {f"q{i}": 1 for i in range(60)}},
        {},
    ],
)
def test_bad_bodies_are_400_and_store_nothing(client, firm_member, invitation, body):
    client.force_login(firm_member)
    response = post(client, f"/api/surveys/invitations/{invitation.pk}/response", body)
    assert response.status_code == 400, response.content
    assert not Response.objects.exists()


def test_other_firm_and_anonymous_are_refused(client, other_firm_member, invitation):
    url = f"/api/surveys/invitations/{invitation.pk}/response"
    assert post(client, url, {"answers": {}}).status_code == 401
    client.force_login(other_firm_member)
    assert client.get(f"/api/surveys/invitations/{invitation.pk}").status_code == 404
    assert post(client, url, {"answers": {"rating": "neutral", "reflected": True}}).status_code == 404


def test_city_team_creates_and_invites_over_the_api(client, city_official, firm, firm_member):
    client.force_login(city_official)
    created = post(
        client,
        "/api/surveys/perception",
        {"title": "API 조사", "opens_at": "2026-01-01T00:00:00+09:00", "closes_at": "2099-01-01T00:00:00+09:00"},
    )
    assert created.status_code == 201, created.content
    survey_id = created.json()["id"]
    invited = client.post(f"/api/surveys/{survey_id}/invitations")
    assert invited.status_code == 200 and invited.json() == {"invited": 1}
    assert client.post(f"/api/surveys/{survey_id}/reminders").status_code == 202


def test_members_cannot_manage_over_the_api(client, firm_member, invitation):
    client.force_login(firm_member)
    assert client.post(f"/api/surveys/{invitation.survey_id}/invitations").status_code == 403
    body = {"title": "x", "opens_at": "2026-01-01T00:00:00+09:00", "closes_at": "2099-01-01T00:00:00+09:00"}
    assert post(client, "/api/surveys/perception", body).status_code == 403
