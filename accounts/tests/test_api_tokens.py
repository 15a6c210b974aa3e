"""Bearer tokens for the JSON API: hashed, named, revocable, last use recorded; officials need 2FA."""

import json

import pytest
from django.urls import reverse

from accounts.models import ApiToken, hash_token
from accounts.services import issue_api_token, revoke_api_token
from accounts.testing import authenticator_for
from core.errors import NotFound, NotPermitted


def _bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_token_signs_in_the_api_and_is_stored_hashed(client, firm_member):
    token, secret = issue_api_token(user=firm_member, name="사내 연동")
    assert token.token_hash == hash_token(secret) and secret not in token.token_hash
    assert token.prefix == secret[:10]
    response = client.get("/api/accounts/me", **_bearer(secret))
    assert response.status_code == 200 and response.json()["email"] == firm_member.email
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_token_requests_need_no_csrf_but_session_writes_do(firm_member, sectors):
    from django.test import Client

    _token, secret = issue_api_token(user=firm_member, name="ci")
    strict = Client(enforce_csrf_checks=True)
    payload = json.dumps({"title": "드론 배송 비행 승인", "body": "가" * 40, "sector_codes": ["ai"]})
    created = strict.post("/api/barriers", data=payload, content_type="application/json", **_bearer(secret))
    assert created.status_code == 201
    strict.force_login(firm_member)
    refused = strict.post("/api/barriers", data=payload, content_type="application/json")
    assert refused.status_code == 403


@pytest.mark.parametrize("secret", ["hch_not-a-token", "", "x" * 500])
def test_unknown_token_is_401_not_a_fallback_to_the_session(client, firm_member, secret):
    client.force_login(firm_member)
    response = client.get("/api/accounts/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 401 and response.json()["code"] == "invalid_token"
    assert "Bearer" in response["WWW-Authenticate"]


def test_revoked_token_stops_working(client, firm_member):
    token, secret = issue_api_token(user=firm_member, name="old")
    revoke_api_token(user=firm_member, token_id=token.pk)
    assert client.get("/api/accounts/me", **_bearer(secret)).status_code == 401


def test_someone_elses_token_cannot_be_revoked(firm_member, other_firm_member):
    token, _secret = issue_api_token(user=firm_member, name="mine")
    with pytest.raises(NotFound):
        revoke_api_token(user=other_firm_member, token_id=token.pk)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_inactive_users_tokens_stop_working(client, firm_member):
    _token, secret = issue_api_token(user=firm_member, name="x")
    firm_member.is_active = False
    firm_member.save()
    assert client.get("/api/accounts/me", **_bearer(secret)).status_code == 401


def test_officials_need_two_factor_for_tokens(client, city_official):
    with pytest.raises(NotPermitted):
        issue_api_token(user=city_official, name="대시보드 연동")
    device = authenticator_for(city_official)
    _token, secret = issue_api_token(user=city_official, name="대시보드 연동")
    assert client.get("/api/barriers/queue", **_bearer(secret)).status_code == 200
    device.delete()  # two-factor switched off: the official's tokens stop working too
    assert client.get("/api/barriers/queue", **_bearer(secret)).status_code == 401


def test_token_page_issues_shows_once_and_revokes(client, firm_member):
    client.force_login(firm_member)
    response = client.post(reverse("accounts:api_tokens"), {"name": "사내 연동"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=firm_member)
    page = response.content.decode()
    assert token.prefix in page and "사내 연동" in page
    assert client.get(reverse("accounts:api_tokens")).content.decode().count(token.prefix) == 1  # prefix only
    revoked = client.post(reverse("accounts:revoke_api_token", args=[token.pk]))
    assert revoked.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_token_page_requires_sign_in(client):
    response = client.get(reverse("accounts:api_tokens"))
    assert response.status_code == 302 and reverse("accounts:sign_in") in response["Location"]
