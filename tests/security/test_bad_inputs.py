"""Hostile and malformed input against pages and the API: each gets a clear 4xx or a sanitised
result, nothing answers 5xx, and a refused write leaves the database as it was."""

from __future__ import annotations

import json
import unicodedata

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from barriers.models import Attachment, Barrier, BarrierEvent
from barriers.tests.factories import barrier_in
from firms.models import Firm

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NFD_TITLE = unicodedata.normalize("NFD", "자율주행 배송로봇 보도 통행")
BODY = "자율주행 배송 로봇이 보도를 다닐 수 없어 서울 시내 실증을 진행하지 못하고 있습니다."


def _counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "firms": Firm.objects.count(),
        "barriers": Barrier.objects.count(),
        "events": BarrierEvent.objects.count(),
        "attachments": Attachment.objects.count(),
    }


def _file(client, **fields):
    payload = {"title": "제목", "body": BODY, "sector_codes": ["ai"], **fields}
    return client.post("/api/barriers", data=json.dumps(payload), content_type="application/json")


@pytest.fixture
def filer(client, firm_member):
    client.force_login(firm_member)
    return client


# -- text is normalised at the boundary --------------------------------------------------------


def test_nfd_hangul_is_stored_composed(filer):
    response = _file(filer, title=NFD_TITLE)
    assert response.status_code == 201
    stored = Barrier.objects.get().title
    assert stored == unicodedata.normalize("NFC", NFD_TITLE) and stored != NFD_TITLE


@pytest.mark.parametrize(
    "hidden",
    ["\u200b", "\u200d", "\ufeff", "\u202e", "\u2066", "\u061c"],
    ids=["zwsp", "zwj", "bom", "rlo", "lri", "alm"],
)
def test_zero_width_and_bidi_controls_are_removed(filer, hidden):
    response = _file(filer, title=f"규제{hidden}애로{hidden}제목")
    assert response.status_code == 201
    assert Barrier.objects.get().title == "규제애로제목"


def test_nul_in_text_is_refused_or_removed(filer):
    response = _file(filer, title="제목\x00끝")
    assert response.status_code in (201, 400)
    if response.status_code == 201:
        assert "\x00" not in Barrier.objects.get().title


# -- sizes and shapes --------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["title", "body", "desired_change"])
def test_one_megabyte_strings_are_refused(filer, field):
    before = _counts()
    response = _file(filer, **{field: "가" * (1024 * 1024)})
    assert response.status_code in (400, 413)
    assert response.json()["code"] in ("validation_failed", "payload_too_large")
    assert _counts() == before


def test_one_megabyte_sign_up_name_is_refused(client, sectors):
    before = _counts()
    response = client.post(
        "/api/accounts/sign-up",
        data=json.dumps({"email": "a@example.kr", "name": "가" * 1_000_000, "password": "x" * 12}),
        content_type="application/json",
    )
    assert response.status_code in (400, 413)
    assert _counts() == before


@pytest.mark.parametrize("shape", ["list", "dict"])
def test_json_nested_ten_thousand_deep_is_a_400(filer, shape):
    before = _counts()
    body = "[" * 10_000 + "]" * 10_000 if shape == "list" else '{"a":' * 10_000 + "1" + "}" * 10_000
    response = filer.post("/api/barriers", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] in ("malformed_body", "validation_failed")
    assert _counts() == before


@pytest.mark.parametrize("body", ["{", "null", "[]", '"text"', '{"title": 1e999}', "\xff\xfe"])
def test_malformed_json_is_a_400(filer, body):
    before = _counts()
    response = filer.post("/api/barriers", data=body, content_type="application/json")
    assert 400 <= response.status_code < 500
    assert _counts() == before


def test_wrong_types_are_a_400(filer):
    before = _counts()
    for fields in ({"title": ["list"]}, {"harm_cost_won": "many"}, {"harm_cost_won": -5}, {"sector_codes": "ai"}):
        response = _file(filer, **fields)
        assert response.status_code == 400, fields
    assert _counts() == before


# -- markup is shown, never run ----------------------------------------------------------------

SCRIPT = "<script>alert('x')</script>"
JS_URL = "javascript:alert(1)"
IMG = '<img src=x onerror="alert(1)">'


@pytest.mark.parametrize("field", ["title", "body", "desired_change", "statutes_named", "harm_lost_market"])
@pytest.mark.parametrize("payload", [SCRIPT, JS_URL, IMG], ids=["script", "javascript-url", "img-onerror"])
def test_markup_in_text_fields_is_rendered_escaped(filer, field, payload):
    fields = {field: f"{payload} 규제 애로 {payload}"}
    if field == "body":
        fields[field] = BODY + fields[field]
    response = _file(filer, **fields)
    assert response.status_code == 201
    barrier = Barrier.objects.get()
    for path in (f"/barriers/{barrier.pk}/", "/barriers/"):
        page = filer.get(path).content.decode()
        assert "<script>alert" not in page and "<img src=x" not in page, path
        assert 'href="javascript:' not in page.lower(), path
    api = filer.get(f"/api/barriers/{barrier.pk}")
    assert api["Content-Type"].startswith("application/json")


def test_markup_in_a_firm_name_is_escaped_on_its_page(client, sectors):
    response = client.post(
        "/api/accounts/sign-up",
        data=json.dumps(
            {
                "email": "xss@example.kr",
                "name": "홍길동",
                "password": "a-long-unusual-passphrase",
                "firm_name": f"{SCRIPT}기업",
                "business_registration_number": "116-82-00276",
                "sector_codes": ["ai"],
            }
        ),
        content_type="application/json",
    )
    assert response.status_code in (201, 400)
    firm = Firm.objects.first()
    if firm is not None:
        client.force_login(User.objects.get(email="xss@example.kr"))
        page = client.get(f"/firms/{firm.pk}/").content.decode()
        assert "<script>alert" not in page


# -- searches ----------------------------------------------------------------------------------

SEARCHES = [
    "%",
    "_",
    "%%_%",
    "\\",
    "'",
    '"',
    "' OR 1=1 --",
    "NEAR(a b)",
    "a AND",
    "OR",
    "*",
    "^",
    "a:b",
    "(((",
    "제*",
    "-",
]


@pytest.mark.parametrize("query", SEARCHES)
@pytest.mark.parametrize(
    "path",
    [
        "/api/regulations/statutes",
        "/api/regulations/articles",
        "/regulations/",
        "/register/",
        "/programs/",
        "/api/programs/",
    ],
)
def test_sql_wildcards_and_fts_syntax_in_searches_do_not_break(client, db, path, query):
    response = client.get(path, {"q": query})
    assert response.status_code in (200, 400), (path, query, response.status_code)


@pytest.mark.parametrize("query", ["%", "_", '"', "NEAR(", "a OR"])
def test_wildcards_in_barrier_search_match_literally(filer, firm, query):
    barrier_in("submitted", firm=firm, title="평범한 제목")
    response = filer.get("/api/barriers", {"q": query})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json().get("results", []) == [] or query in ("_",)


# -- attachment names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../../../../etc/passwd.pdf",
        "..\\..\\windows\\system32\\report.pdf",
        "/etc/shadow.pdf",
        "report.pdf.exe",
        "report.exe.pdf",
        "invoice\u202efdp.exe",
        "con.pdf",
        ".htaccess",
        "보고서\x00.pdf",
    ],
)
def test_attachment_names_are_made_safe(filer, firm, name):
    barrier = barrier_in("draft", firm=firm)
    response = filer.post(
        f"/api/barriers/{barrier.pk}/attachments",
        {"file": SimpleUploadedFile(name, PDF, content_type="application/pdf")},
    )
    assert response.status_code in (201, 400), response.content
    if response.status_code == 201:
        attachment = Attachment.objects.get()
        assert "/" not in attachment.original_name and "\\" not in attachment.original_name
        assert ".." not in attachment.original_name
        assert attachment.original_name.endswith(".pdf")
        assert "\u202e" not in attachment.original_name and "\x00" not in attachment.original_name
        assert ".." not in attachment.file.name and attachment.file.name.startswith("barriers/")
    else:
        assert not Attachment.objects.exists()


def test_executable_content_named_pdf_is_refused(filer, firm):
    barrier = barrier_in("draft", firm=firm)
    response = filer.post(
        f"/api/barriers/{barrier.pk}/attachments",
        {"file": SimpleUploadedFile("report.pdf", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")},
    )
    assert response.status_code == 400 and not Attachment.objects.exists()


# -- identifiers and dates ---------------------------------------------------------------------


def _sign_up(client, **fields):
    payload = {
        "email": "new@example.kr",
        "name": "홍길동",
        "password": "a-long-unusual-passphrase",
        "firm_name": "새기업",
        "business_registration_number": "116-82-00276",
        "sector_codes": ["ai"],
        **fields,
    }
    return client.post("/api/accounts/sign-up", data=json.dumps(payload), content_type="application/json")


@pytest.mark.parametrize(
    "brn", ["116-82-00277", "123", "abc-de-fghij", "000-00-00000", "116-82-002761", "１１６-８２-００２７７", ""]
)
def test_invalid_business_registration_numbers_are_refused(client, sectors, brn):
    before = _counts()
    response = _sign_up(client, business_registration_number=brn)
    assert response.status_code == 400
    assert response.json()["code"] in ("validation_failed", "invalid_brn") or "field" in response.json()
    assert _counts() == before


@pytest.mark.parametrize("brn", ["116-82-00277", "abc"])
def test_brn_check_endpoint_answers_without_error(client, db, brn):
    response = client.post("/api/firms/check-brn", data=json.dumps({"number": brn}), content_type="application/json")
    assert response.status_code in (200, 400)


@pytest.mark.parametrize("date", ["2026-02-30", "2025-13-01", "2026-00-10", "0000-01-01", "26-1-1", "2026/01/01"])
def test_impossible_dates_are_refused(client, sectors, date):
    before = _counts()
    response = _sign_up(client, founded_on=date)
    assert response.status_code == 400
    assert _counts() == before


def test_impossible_date_on_the_sign_up_page(client, sectors):
    before = _counts()
    response = client.post(
        "/accounts/sign-up/",
        {
            "name": "김",
            "email": "kim@example.kr",
            "password": "a-long-unusual-passphrase",
            "firm_name": "페이브릿지",
            "business_registration_number": "116-82-00276",
            "sectors": ["fintech"],
            "size_class": "small",
            "founded_on": "2026-02-30",
            "preferred_language": "ko",
        },
    )
    assert response.status_code == 400
    assert _counts() == before


# -- every API write refuses garbage without a 5xx ---------------------------------------------


def test_garbage_bodies_on_every_api_write_are_4xx(client, firm_member, city_official, firm):
    from regulations.sandbox import load_sandbox
    from tests.security.routes import api_operations

    load_sandbox()  # reference data every deployment loads (import_statutes)
    barrier = barrier_in("submitted", firm=firm)
    client.force_login(firm_member)
    failures = []
    for op in api_operations():
        if op.method == "GET":
            continue
        path = op.path.replace("{barrier_id}", str(barrier.pk))
        for name in op.params:
            path = path.replace("{" + name + "}", "1")
        for body in ('{"title": "' + "가" * 2000 + '"}', "[" * 5000 + "]" * 5000, '{"a": null}', "not json"):
            before = _counts()
            response = client.generic(op.method, path, data=body, content_type="application/json")
            if response.status_code >= 500:
                failures.append(f"{op.key}: {response.status_code}")
            if response.status_code >= 400 and _counts() != before:
                failures.append(f"{op.key}: refused with {response.status_code} but changed the database")
    assert not failures, "\n".join(failures)
