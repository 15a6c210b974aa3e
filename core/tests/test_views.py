import pytest
from django.urls import reverse

from accounts.models import User
from core.demo import ACCOUNTS as DEMO_ACCOUNTS
from core.demo import load_demo
from firms.reference_data import load_clusters

ROLE_HOMES = {
    "firm_member": "님, 반갑습니다",
    "association_staff": "협회 회원사 현황",
    "city_official": "신산업 생태계 현황",
    "agency_official": "소관기관 담당자 화면",
    "admin_user": "관리자 화면",
}


def test_public_home_explains_haechi_in_korean(client, sectors):
    load_clusters()
    response = client.get("/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "규제 때문에 막힌 일" in body and "여의도" in body and "바이오헬스" in body


@pytest.mark.parametrize("persona, marker", sorted(ROLE_HOMES.items()))
def test_each_role_lands_on_its_own_home(request, client, persona, marker):
    client.force_login(request.getfixturevalue(persona))
    response = client.get("/")
    assert response.status_code == 200
    assert marker in response.content.decode()


def test_english_on_request(client, sectors):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en">' in response.content.decode()
    assert "Skip to main content" in response.content.decode()


def test_language_switch_is_remembered_on_the_account(client, firm_member):
    client.force_login(firm_member)
    client.post(reverse("core:switch_language"), {"language": "en", "next": "/"})
    firm_member.refresh_from_db()
    assert firm_member.preferred_language == "en"


def test_healthz_reports_database_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok", "database": "ok"}


def test_unknown_page_is_a_friendly_korean_404(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "페이지를 찾을 수 없습니다" in response.content.decode()


def test_role_aware_navigation_shows_admin_only_to_admins(client, firm_member, admin_user):
    client.force_login(firm_member)
    assert 'href="/admin/"' not in client.get("/").content.decode()
    client.force_login(admin_user)
    assert 'href="/admin/"' in client.get("/").content.decode()


def test_load_demo_twice_creates_nothing_new(db, settings):
    from django.core.management import call_command

    call_command("load_reference_data")
    load_demo()
    counts = User.objects.count()
    load_demo()
    assert User.objects.count() == counts
    assert User.objects.filter(email__in=[a.email for a in DEMO_ACCOUNTS]).count() == 6


def test_openapi_schema_is_served(client, db):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Haechi API"


def test_pages_send_a_strict_content_security_policy(client, db):
    policy = client.get("/healthz")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
