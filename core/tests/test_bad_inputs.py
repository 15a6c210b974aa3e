"""Hostile request bodies get a clear 4xx, never a 500 (see ../shared/bad-inputs.md)."""

import pytest

from accounts.models import User

URL = "/api/accounts/sign-up"


def test_ten_megabyte_json_body_is_413_with_json_message(client, db):
    body = '{"email": "' + "a" * (10 * 1024 * 1024) + '"}'
    response = client.post(URL, data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_oversized_form_post_is_413_page(client, db):
    response = client.post("/accounts/sign-in/", data="a=" + "b" * (3 * 1024 * 1024), content_type="text/plain")
    assert response.status_code == 413
    assert "요청이 너무 큽니다" in response.content.decode()


@pytest.mark.parametrize(
    "_case, body",
    [
        ("deeply nested arrays", "[" * 100_000 + "]" * 100_000),
        ("not json", "not json"),
        ("truncated", '{"email": "a@b.kr"'),
    ],
)
def test_malformed_json_is_400_with_code(client, db, _case, body):
    response = client.post(URL, data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_body"


@pytest.mark.parametrize(
    "_case, body",
    [
        ("NaN where a string is expected", '{"email": NaN}'),
        ("array where a string is expected", '{"email": ["a@b.kr"], "name": "x"}'),
        ("empty object", "{}"),
    ],
)
def test_wrongly_typed_json_is_400_validation_failed(client, sectors, _case, body):
    response = client.post(URL, data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_failed"
    assert not User.objects.exists()


@pytest.mark.parametrize("page", ["-1", "0", "100000000000000000000", "abc"])
def test_absurd_page_numbers_render_a_page(client, db, page):
    assert client.get("/agencies/", {"page": page, "q": "%%_\\"}).status_code == 200
