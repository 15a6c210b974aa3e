import json

from accounts.models import User
from firms.models import Firm

BODY = {
    "email": "kim@example.kr",
    "name": "김핀테",
    "password": "a-long-unusual-passphrase",
    "firm_name": "페이브릿지",
    "business_registration_number": "116-82-00276",
    "sector_codes": ["fintech"],
}


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_api_sign_up_creates_firm_member(client, sectors):
    response = post(client, "/api/accounts/sign-up", BODY)
    assert response.status_code == 201, response.content
    assert response.json()["email"] == "kim@example.kr"


def test_api_sign_up_bad_brn_is_400_with_message(client, sectors):
    response = post(client, "/api/accounts/sign-up", {**BODY, "business_registration_number": "116-82-00277"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_brn" and body["field"] == "business_registration_number"
    assert "검증 숫자" in body["message"]
    assert not User.objects.exists() and not Firm.objects.exists()


def test_api_sign_up_duplicate_brn_is_409(client, sectors):
    post(client, "/api/accounts/sign-up", BODY)
    response = post(client, "/api/accounts/sign-up", {**BODY, "email": "lee@example.kr"})
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_brn"


def test_api_schema_errors_are_400(client, sectors):
    response = post(client, "/api/accounts/sign-up", {**BODY, "sector_codes": "fintech", "name": "x" * 1000})
    assert response.status_code == 400
    assert response.json()["code"] == "validation_failed"


def test_api_nul_in_name_never_reaches_the_database(client, sectors):
    response = post(client, "/api/accounts/sign-up", {**BODY, "name": "김\u0000핀테"})
    assert response.status_code == 201
    assert User.objects.get().name == "김핀테"


def test_api_me_requires_sign_in(client, db):
    response = client.get("/api/accounts/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_api_me_lists_roles(client, firm_member, firm):
    client.force_login(firm_member)
    body = client.get("/api/accounts/me").json()
    assert body["roles"] == ["firm_member"] and body["firm_ids"] == [firm.pk]
