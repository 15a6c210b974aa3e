from __future__ import annotations

import pytest
from django.urls import reverse

from regulations.models import Statute

pytestmark = pytest.mark.django_db


def test_search_page_lists_hits_for_anonymous(client, imported):
    response = client.get(reverse("regulations:search"), {"q": "자본시장법"})

    assert response.status_code == 200
    assert "자본시장과 금융투자업에 관한 법률" in response.content.decode()


def test_search_page_htmx_returns_the_results_fragment(client, imported):
    response = client.get(
        reverse("regulations:search"), {"q": "보도", "mode": "articles"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert "<html" not in response.content.decode()


def test_search_page_with_too_long_query_shows_message(client, imported):
    response = client.get(reverse("regulations:search"), {"q": "가" * 5000})

    assert response.status_code == 200
    assert "hc-errors" in response.content.decode()


def test_statute_passport_shows_agency_aliases_and_articles(client, imported, agencies):
    response = client.get(reverse("regulations:statute", args=["009015"]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "금융위원회" in body and "자본시장법" in body and "제1조" in body


def test_article_passport_shows_paragraphs_and_sandbox_provision(client, imported):
    response = client.get(reverse("regulations:article", args=["011902", "제37조"]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "임시허가" in body and "ICT 융합 규제샌드박스" in body


def test_unknown_statute_and_article_are_404(client, imported):
    assert client.get(reverse("regulations:statute", args=["999999"])).status_code == 404
    assert client.get(reverse("regulations:article", args=["001788", "제999조"])).status_code == 404


def test_passport_lists_barriers_citing_the_statute_only_to_those_who_may_see_them(
    client, imported, firm, firm_member, other_firm_member
):
    from barriers.models import BarrierStatus
    from barriers.tests.factories import barrier_in

    barrier_in(BarrierStatus.SUBMITTED, firm=firm, title="비대면 진료 제한", statutes_named="의료법 제33조")
    url = reverse("regulations:statute", args=["001788"])
    client.force_login(firm_member)
    assert "비대면 진료 제한" in client.get(url).content.decode()
    client.force_login(other_firm_member)
    assert "비대면 진료 제한" not in client.get(url).content.decode()


def test_sector_page_lists_core_regulations(client, imported, sectors):
    from firms.models import Sector
    from regulations.models import CoreRegulation

    CoreRegulation.objects.create(
        sector=Sector.objects.get(code="biohealth"),
        statute=Statute.objects.get(name="의료법"),
        summary="원격의료 제한",
        mentions=3,
    )
    response = client.get(reverse("regulations:sector", args=["biohealth"]))

    assert "원격의료 제한" in response.content.decode()


def test_sandbox_advisor_recommends_from_the_questionnaire(client, imported):
    params = {
        "rule_exists": "yes",
        "rule_effect": "forbids",
        "limited_test": "1",
        "service_kind": "finance",
        "in_capital_region": "1",
    }
    response = client.get(reverse("regulations:sandbox"), params)

    body = response.content.decode()
    assert response.status_code == 200
    assert "혁신금융서비스 지정" in body


def test_sandbox_advisor_rejects_unknown_choice_without_error(client, imported):
    response = client.get(
        reverse("regulations:sandbox"), {"rule_exists": "maybe", "limited_test": "1", "in_capital_region": "1"}
    )

    assert response.status_code == 200


# -- API ---------------------------------------------------------------------------------------


def test_api_statute_search(client, imported):
    body = client.get("/api/regulations/statutes", {"q": "개인정보법"}).json()

    assert body[0]["statute"]["name"] == "개인정보 보호법"
    assert body[0]["match"] == "alias"


def test_api_article_search_reference_first(client, imported):
    body = client.get("/api/regulations/articles", {"q": "의료법 제33조"}).json()

    assert (body[0]["statute"]["name"], body[0]["number"], body[0]["match"]) == ("의료법", "제33조", "reference")


def test_api_refuses_10000_character_query_with_korean_message(client, imported):
    response = client.get("/api/regulations/articles", {"q": "가" * 10_000})

    assert response.status_code == 400
    assert response.json()["code"] == "validation_failed"


def test_api_resolve_unknown_name_is_404(client, imported):
    assert client.get("/api/regulations/resolve", {"name": "없는법"}).status_code == 404


def test_api_advice(client, imported):
    payload = {"rule_exists": "yes", "rule_effect": "no_standard", "service_kind": "ict"}
    body = client.post("/api/regulations/sandbox/advice", payload, content_type="application/json").json()

    assert body["pathway"] == "temporary_permit"
    assert body["track"]["article"] == "제37조"


def test_api_advice_refuses_bad_choice(client, imported):
    response = client.post("/api/regulations/sandbox/advice", {"rule_exists": "x"}, content_type="application/json")

    assert response.status_code == 400


def test_sandbox_advisor_answers_a_link_from_a_barrier_page(client, imported):
    response = client.get(reverse("regulations:sandbox"), {"description": "배달로봇 보도 통행", "sector": "robots"})

    body = response.content.decode()
    assert "규제 신속확인" in body
    assert "도로교통법" in body
