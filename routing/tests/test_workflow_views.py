"""Routing pages: the triage proposal fragment (accept, correct), recurring-regulation list and
detail as the public and as officials, merge/split/confirm/answer forms, the passport fragment."""

from __future__ import annotations

import pytest
from django.urls import reverse

from barriers import services as barrier_services
from barriers.models import BarrierStatus, Privacy
from routing import services
from routing.models import RecurringMembership, RecurringStatus, RoutingDecision, SuggestionStatus
from routing.tests.workflow_fixtures import *  # noqa: F403
from routing.tests.workflow_fixtures import MEDICAL, MEDICAL_2, PAYMENTS

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _regulation_of(barrier):
    return RecurringMembership.objects.get(barrier=barrier).regulation


def _answered_public(submit, city_official, official, **fields):
    """A barrier the public register shows: answered, not private."""
    barrier = submit(**fields)
    services.accept_suggestion(barrier_id=barrier.pk, actor=city_official)
    barrier_services.forward_to_agency(barrier_id=barrier.pk, actor=city_official)
    barrier_services.answer_barrier(
        barrier_id=barrier.pk, actor=official, outcome="long_term_review", body="중장기적으로 검토하겠습니다."
    )
    return barrier


# ---- the triage proposal fragment ------------------------------------------------------------
def test_barrier_page_loads_the_proposal_in_the_triage_form(routing_on, sectors, submit, client, city_official):
    barrier = submit(body=MEDICAL)
    client.force_login(city_official)
    page = client.get(reverse("barriers:detail", args=[barrier.pk])).content.decode()
    assert reverse("routing:proposal", args=[barrier.pk]) in page


def test_proposal_shows_sector_confidence_agencies_and_reasons(
    routing_on, sectors, submit, client, city_official, health_ministry
):
    barrier = submit(body=MEDICAL)
    client.force_login(city_official)
    response = client.get(reverse("routing:proposal", args=[barrier.pk]), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "바이오헬스" in html and "보건복지부" in html and "의료법" in html
    assert "%" in html and "근거 점수" in html
    assert reverse("routing:accept", args=[barrier.pk]) in html
    assert reverse("routing:correct", args=[barrier.pk]) in html


def test_proposal_is_empty_for_the_filer_and_hidden_from_outsiders(routing_on, sectors, submit, client, outsider):
    barrier = submit(body=MEDICAL)
    client.force_login(barrier.filed_by)
    assert client.get(reverse("routing:proposal", args=[barrier.pk]), **HTMX).status_code == 204
    client.force_login(outsider)
    assert client.get(reverse("routing:proposal", args=[barrier.pk]), **HTMX).status_code == 404
    client.logout()
    assert client.get(reverse("routing:proposal", args=[barrier.pk])).status_code == 302


def test_one_click_accept_triages_and_reloads_the_page(
    routing_on, sectors, submit, client, city_official, health_ministry
):
    barrier = submit(body=MEDICAL)
    client.force_login(city_official)
    response = client.post(reverse("routing:accept", args=[barrier.pk]), {"version": barrier.version}, **HTMX)
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("barriers:detail", args=[barrier.pk])
    barrier.refresh_from_db()
    assert barrier.status == BarrierStatus.TRIAGED and barrier.lead_agency == health_ministry
    assert RoutingDecision.objects.get(barrier=barrier).accepted_as_proposed


def test_accept_refused_re_renders_the_fragment_with_the_reason(routing_on, sectors, submit, client, city_official):
    barrier = submit(body=MEDICAL)  # 보건복지부 is not registered here
    client.force_login(city_official)
    response = client.post(reverse("routing:accept", args=[barrier.pk]), **HTMX)
    assert response.status_code == 400
    assert "소관기관을 직접 고르세요" in response.content.decode()


def test_the_filer_cannot_accept(routing_on, sectors, submit, client, health_ministry):
    barrier = submit(body=MEDICAL)
    client.force_login(barrier.filed_by)
    assert client.post(reverse("routing:accept", args=[barrier.pk]), **HTMX).status_code == 403
    barrier.refresh_from_db()
    assert barrier.status == BarrierStatus.SUBMITTED


def test_correcting_stores_the_officials_choice(routing_on, sectors, submit, client, city_official, agency):
    barrier = submit(body=MEDICAL)
    client.force_login(city_official)
    response = client.post(
        reverse("routing:correct", args=[barrier.pk]),
        {
            "routing-kind": "proposal",
            "routing-sector": "ai",
            "routing-lead_agency": agency.pk,
            "routing-statutes": ["의료법"],
            "routing-other_statutes": "개인정보 보호법, 의료법",
            "version": barrier.version,
        },
        **HTMX,
    )
    assert response.status_code == 204
    decision = RoutingDecision.objects.get(barrier=barrier)
    assert (decision.sector, decision.lead_agency, decision.statutes) == ("ai", agency, ["의료법", "개인정보 보호법"])
    assert decision.suggestion.status == SuggestionStatus.CORRECTED


def test_an_invalid_correction_shows_the_form_again(routing_on, sectors, submit, client, city_official):
    barrier = submit(body=MEDICAL)
    client.force_login(city_official)
    response = client.post(reverse("routing:correct", args=[barrier.pk]), {"routing-sector": "nope"}, **HTMX)
    assert response.status_code == 400 and "hc-errors" in response.content.decode()
    assert not RoutingDecision.objects.exists()


def test_reroute_makes_a_proposal_now(small_router, sectors, submit, client, city_official):
    from routing import engine

    barrier = submit(body=MEDICAL)  # submitted while routing was off
    engine.use_router(small_router)
    engine.forget_signature_index()
    try:
        client.force_login(city_official)
        response = client.post(reverse("routing:reroute", args=[barrier.pk]), **HTMX)
        assert response.status_code == 200 and "보건복지부" in response.content.decode()
        client.force_login(barrier.filed_by)
        assert client.post(reverse("routing:reroute", args=[barrier.pk])).status_code == 403
    finally:
        engine.use_router(None)
        engine.forget_signature_index()


# ---- recurring regulations ---------------------------------------------------------------------
def test_public_list_shows_only_regulations_with_public_barriers_and_no_private_text(
    routing_on, sectors, submit, client, city_official, health_ministry, health_official
):
    public = _answered_public(submit, city_official, health_official, body=MEDICAL, title="공개 제목 원격진료")
    private = _answered_public(
        submit, city_official, health_official, body=MEDICAL_2, title="비밀스러운 제목", privacy=Privacy.PRIVATE
    )
    lonely_private = submit(body=PAYMENTS, title="혼자인 비공개 결제 건", privacy=Privacy.PRIVATE, sectors=("fintech",))
    regulation = _regulation_of(public)
    assert _regulation_of(private) == regulation
    services.confirm_recurring(regulation_id=regulation.pk, actor=city_official, statement="초진 비대면 진료 금지")
    html = client.get(reverse("routing:recurring_list")).content.decode()
    assert "초진 비대면 진료 금지" in html
    assert "비밀스러운 제목" not in html and "혼자인 비공개" not in html
    assert private.firm.name not in html and public.firm.name not in html
    detail = client.get(reverse("routing:recurring_detail", args=[regulation.pk])).content.decode()
    assert "공개 제목 원격진료" in detail and "비밀스러운 제목" not in detail
    assert public.firm.name not in detail
    hidden = _regulation_of(lonely_private)
    assert client.get(reverse("routing:recurring_detail", args=[hidden.pk])).status_code == 404


def test_officials_see_every_member_and_internal_figures(
    routing_on, sectors, submit, client, city_official, health_ministry
):
    first = submit(body=MEDICAL, title="첫 번째 건", privacy=Privacy.PRIVATE)
    second = submit(body=MEDICAL_2, title="두 번째 건", privacy=Privacy.PRIVATE)
    regulation = _regulation_of(first)
    client.force_login(city_official)
    html = client.get(reverse("routing:recurring_list")).content.decode()
    assert "첫 번째 건" in html  # a candidate's statement is its first barrier's title
    detail = client.get(reverse("routing:recurring_detail", args=[regulation.pk])).content.decode()
    assert "두 번째 건" in detail and reverse("routing:merge", args=[regulation.pk]) in detail
    assert second.firm.name not in detail


def test_list_filters_by_sector_and_agency(
    routing_on, sectors, submit, client, city_official, health_ministry, finance_commission
):
    medical = [submit(body=MEDICAL), submit(body=MEDICAL_2)]
    payments = [
        submit(body=PAYMENTS, title="선불 충전 한도", sectors=("fintech",)),
        submit(body=PAYMENTS, title="선불 충전 한도", sectors=("fintech",)),
    ]
    client.force_login(city_official)
    medical_reg, payments_reg = _regulation_of(medical[0]), _regulation_of(payments[0])
    assert medical_reg != payments_reg
    url = reverse("routing:recurring_list")
    by_sector = client.get(url, {"sector": "fintech"}).context["rows"]
    assert [r["regulation"].pk for r in by_sector] == [payments_reg.pk]
    by_agency = client.get(url, {"agency": health_ministry.pk}).context["rows"]
    assert [r["regulation"].pk for r in by_agency] == [medical_reg.pk]


def test_merge_split_and_confirm_through_the_page(routing_on, sectors, submit, client, city_official):
    a = submit(body=MEDICAL)
    b = submit(body=PAYMENTS, title="선불 충전 한도", sectors=("fintech",))
    ra, rb = _regulation_of(a), _regulation_of(b)
    client.force_login(city_official)
    response = client.post(reverse("routing:merge", args=[rb.pk]), {"target": ra.pk})
    assert response.status_code == 302 and response["Location"] == reverse("routing:recurring_detail", args=[ra.pk])
    assert client.get(reverse("routing:recurring_detail", args=[rb.pk])).status_code == 302  # merged: follow it
    response = client.post(reverse("routing:split", args=[ra.pk]), {"barrier_ids": [b.pk], "statement": "결제 한도"})
    assert response.status_code == 302 and _regulation_of(b).statement == "결제 한도"
    client.post(reverse("routing:confirm", args=[ra.pk]), {"statement": "비대면 진료 금지"})
    ra.refresh_from_db()
    assert ra.status == RecurringStatus.CONFIRMED
    bad = client.post(reverse("routing:merge", args=[ra.pk]), {"target": ra.pk})
    assert bad.status_code == 400


def test_manage_actions_are_refused_to_firms(routing_on, sectors, submit, client):
    barrier = submit(body=MEDICAL)
    regulation = _regulation_of(barrier)
    client.force_login(barrier.filed_by)
    response = client.post(reverse("routing:confirm", args=[regulation.pk]), {"statement": "x"})
    assert response.status_code == 404  # the public view of a regulation with no public member
    regulation.refresh_from_db()
    assert regulation.status == RecurringStatus.CANDIDATE


def test_agency_answers_once_from_the_page(
    routing_on, sectors, submit, client, city_official, health_ministry, health_official
):
    barriers = [submit(body=MEDICAL), submit(body=MEDICAL_2)]
    for barrier in barriers:
        services.accept_suggestion(barrier_id=barrier.pk, actor=city_official)
        barrier_services.forward_to_agency(barrier_id=barrier.pk, actor=city_official)
    regulation = _regulation_of(barriers[0])
    client.force_login(health_official)
    page = client.get(reverse("routing:recurring_detail", args=[regulation.pk])).content.decode()
    assert reverse("routing:answer", args=[regulation.pk]) in page
    response = client.post(
        reverse("routing:answer", args=[regulation.pk]),
        {"answer-outcome": "long_term_review", "answer-body": "관계 부처와 중장기적으로 검토하겠습니다."},
    )
    assert response.status_code == 302
    for barrier in barriers:
        barrier.refresh_from_db()
        assert barrier.status == BarrierStatus.ANSWERED


def test_passport_fragment_lists_regulations_about_a_statute(
    routing_on, sectors, submit, client, city_official, health_ministry, health_official
):
    _answered_public(submit, city_official, health_official, body=MEDICAL)
    _answered_public(submit, city_official, health_official, body=MEDICAL_2)
    html = client.get(reverse("routing:for_statute"), {"name": "의료법"}).content.decode()
    assert "기업 2곳" in html
    assert "아직 없습니다" in client.get(reverse("routing:for_statute"), {"name": "상법"}).content.decode()


def test_api_lists_recurring_regulations_publicly(
    routing_on, sectors, submit, client, city_official, health_ministry, health_official
):
    _answered_public(submit, city_official, health_official, body=MEDICAL)
    _answered_public(submit, city_official, health_official, body=MEDICAL_2)
    rows = client.get("/api/routing/recurring").json()
    assert len(rows) == 1 and rows[0]["firm_count"] == 2 and rows[0]["statutes"] == ["의료법"]


def test_api_suggestion_is_for_the_city(routing_on, sectors, submit, client, city_official):
    barrier = submit(body=MEDICAL)
    client.force_login(city_official)
    body = client.get(f"/api/routing/barriers/{barrier.pk}/suggestion").json()
    assert body["sector"] == "biohealth" and body["agencies"][0]["name"] == "보건복지부"
    client.force_login(barrier.filed_by)
    assert client.get(f"/api/routing/barriers/{barrier.pk}/suggestion").status_code == 403
