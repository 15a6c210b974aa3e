"""Routing on submit, proposals, triage decisions, recurring regulations (link, harm, merge, split,
answer once) — through the real services, with a small trained router."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from barriers import services as barrier_services
from barriers.models import BarrierAnswer, BarrierEvent, BarrierStatus, Privacy
from core.errors import Conflict, NotFound, NotPermitted, ValidationFailed
from firms.tests.factories import FirmFactory
from routing import engine, services
from routing.models import (
    AnswerState,
    BarrierSignature,
    RecurringMembership,
    RecurringRegulation,
    RecurringStatus,
    RoutingDecision,
    RoutingSuggestion,
    SuggestionStatus,
)
from routing.tasks import route_barrier
from routing.tests.workflow_fixtures import *  # noqa: F403
from routing.tests.workflow_fixtures import MEDICAL, MEDICAL_2, PAYMENTS

pytestmark = pytest.mark.django_db


def _regulation_of(barrier) -> RecurringRegulation:
    return RecurringMembership.objects.get(barrier=barrier).regulation


# ---- routing on submit -----------------------------------------------------------------------
def test_submitting_routes_the_barrier_in_the_background(routing_on, sectors, submit):
    barrier = submit(body=MEDICAL)
    suggestion = RoutingSuggestion.objects.get(barrier=barrier)
    assert suggestion.sector == "biohealth"
    assert suggestion.sector_scores["biohealth"] == suggestion.confidence > 0.3
    assert suggestion.top_agency_name == "보건복지부"
    assert suggestion.agencies[0]["reasons"], "every proposed agency carries its reasons"
    assert [s["name"] for s in suggestion.statutes][0] == "의료법"
    assert suggestion.status == SuggestionStatus.PROPOSED
    assert suggestion.model_version.startswith("v")
    signature = BarrierSignature.objects.get(barrier=barrier)
    assert "001788" in signature.statutes and signature.morphemes
    regulation = _regulation_of(barrier)
    assert regulation.status == RecurringStatus.CANDIDATE and regulation.member_count == 1


def test_without_a_model_submission_still_works_and_nothing_is_proposed(sectors, submit):
    engine.use_router(None)  # the test settings switch the model file off
    barrier = submit(body=MEDICAL)
    assert barrier.status == BarrierStatus.SUBMITTED
    assert not RoutingSuggestion.objects.filter(barrier=barrier).exists()
    assert route_barrier.call(barrier_id=barrier.pk) == "no-model"


def test_a_paraphrase_from_another_firm_joins_the_same_recurring_regulation(routing_on, sectors, submit):
    first = submit(body=MEDICAL)
    second = submit(body=MEDICAL_2, title="초진 비대면 진료 금지")
    regulation = _regulation_of(first)
    assert _regulation_of(second) == regulation
    regulation.refresh_from_db()
    assert regulation.member_count == 2 and regulation.firm_count == 2
    assert RecurringMembership.objects.get(barrier=second).score >= engine.link_threshold()


def test_a_different_rule_starts_its_own_candidate(routing_on, sectors, submit):
    medical = submit(body=MEDICAL)
    payments = submit(body=PAYMENTS, title="선불 충전 한도", sectors=("fintech",))
    assert _regulation_of(medical) != _regulation_of(payments)
    assert RoutingSuggestion.objects.get(barrier=payments).sector == "fintech"


def test_linking_survives_a_restart_from_stored_signatures(routing_on, sectors, submit):
    first = submit(body=MEDICAL)
    engine.forget_signature_index()  # a new worker process: nothing in memory
    second = submit(body=MEDICAL_2)
    assert _regulation_of(second) == _regulation_of(first)


def test_rerouting_replaces_the_proposal_and_keeps_the_membership(routing_on, sectors, submit):
    barrier = submit(body=MEDICAL)
    regulation = _regulation_of(barrier)
    first_signature = BarrierSignature.objects.get(barrier=barrier).pk
    assert route_barrier.call(barrier_id=barrier.pk) == "routed"
    assert RoutingSuggestion.objects.filter(barrier=barrier).count() == 1
    assert BarrierSignature.objects.get(barrier=barrier).pk > first_signature
    assert _regulation_of(barrier) == regulation


def test_withdrawn_barriers_are_not_routed(routing_on, sectors, submit):
    barrier = submit(body=MEDICAL)
    barrier_services.withdraw_barrier(barrier_id=barrier.pk, actor=barrier.filed_by)
    RoutingSuggestion.objects.all().delete()
    assert route_barrier.call(barrier_id=barrier.pk) == "skipped"
    assert route_barrier.call(barrier_id=999_999) == "skipped"


# ---- triage: accept or correct ---------------------------------------------------------------
def test_accepting_triages_with_the_proposed_sector_and_lead_agency(
    routing_on, sectors, submit, city_official, health_ministry
):
    barrier = submit(body=MEDICAL, sectors=("other",))
    triaged = services.accept_suggestion(barrier_id=barrier.pk, actor=city_official)
    assert triaged.status == BarrierStatus.TRIAGED
    assert triaged.lead_agency == health_ministry
    assert [s.code for s in triaged.sectors.all()] == ["biohealth"]
    decision = RoutingDecision.objects.get(barrier=barrier)
    assert decision.accepted_as_proposed and decision.statutes == ["의료법"]
    assert RoutingSuggestion.objects.get(barrier=barrier).status == SuggestionStatus.ACCEPTED
    assert BarrierEvent.objects.filter(barrier=barrier, verb="triage").count() == 1


def test_a_correction_is_stored_when_the_official_chooses_otherwise(
    routing_on, sectors, submit, city_official, health_ministry, agency
):
    barrier = submit(body=MEDICAL)
    services.triage_with_routing(
        barrier_id=barrier.pk,
        actor=city_official,
        kind="proposal",
        lead_agency=agency,
        sector_code="ai",
        statutes=["개인정보 보호법"],
    )
    decision = RoutingDecision.objects.get(barrier=barrier)
    assert not decision.accepted_as_proposed
    assert (decision.proposed_sector, decision.proposed_agency) == ("biohealth", "보건복지부")
    assert (decision.sector, decision.lead_agency, decision.statutes) == ("ai", agency, ["개인정보 보호법"])
    assert RoutingSuggestion.objects.get(barrier=barrier).status == SuggestionStatus.CORRECTED


def test_a_triage_outside_the_proposal_form_still_keeps_the_decision(
    routing_on, sectors, submit, city_official, health_ministry
):
    barrier = submit(body=MEDICAL)
    # the barrier page's own triage form and the API call the barriers service directly
    barrier_services.triage_barrier(
        barrier_id=barrier.pk,
        actor=city_official,
        kind="proposal",
        lead_agency=health_ministry,
        sector_codes=["biohealth"],
    )
    decision = RoutingDecision.objects.get(barrier=barrier)
    assert (decision.sector, decision.lead_agency, decision.agency_names) == (
        "biohealth",
        health_ministry,
        ["보건복지부"],
    )
    assert decision.accepted_as_proposed and not decision.statutes_confirmed and decision.statutes == []
    assert RoutingSuggestion.objects.get(barrier=barrier).status == SuggestionStatus.ACCEPTED


def test_a_triage_choosing_another_agency_marks_the_proposal_corrected(
    routing_on, sectors, submit, city_official, agency
):
    barrier = submit(body=MEDICAL)
    barrier_services.triage_barrier(barrier_id=barrier.pk, actor=city_official, kind="proposal", lead_agency=agency)
    decision = RoutingDecision.objects.get(barrier=barrier)
    assert not decision.accepted_as_proposed and decision.proposed_agency == "보건복지부"
    assert RoutingSuggestion.objects.get(barrier=barrier).status == SuggestionStatus.CORRECTED


def test_accept_is_refused_when_the_proposed_agency_is_not_registered(routing_on, sectors, submit, city_official):
    barrier = submit(body=MEDICAL)  # no 보건복지부 row in this database
    with pytest.raises(ValidationFailed) as err:
        services.accept_suggestion(barrier_id=barrier.pk, actor=city_official)
    assert err.value.field == "lead_agency"
    barrier.refresh_from_db()
    assert barrier.status == BarrierStatus.SUBMITTED and not RoutingDecision.objects.exists()


def test_accept_without_a_proposal_is_a_conflict(sectors, submit, city_official):
    barrier = submit(body=MEDICAL)
    with pytest.raises(Conflict):
        services.accept_suggestion(barrier_id=barrier.pk, actor=city_official)


def test_only_the_city_accepts(routing_on, sectors, submit, firm_member, agency_official, health_ministry):
    barrier = submit(body=MEDICAL)
    with pytest.raises(NotFound):  # the filer of another firm does not even see it
        services.accept_suggestion(barrier_id=barrier.pk, actor=firm_member)
    with pytest.raises(NotFound):  # not forwarded to this agency
        services.accept_suggestion(barrier_id=barrier.pk, actor=agency_official)
    with pytest.raises(NotPermitted):  # the filer sees it but does not triage
        services.accept_suggestion(barrier_id=barrier.pk, actor=barrier.filed_by)


def test_stale_version_is_refused_and_nothing_recorded(routing_on, sectors, submit, city_official, health_ministry):
    barrier = submit(body=MEDICAL)
    with pytest.raises(Conflict):
        services.accept_suggestion(barrier_id=barrier.pk, actor=city_official, expected_version=barrier.version - 1)
    assert not RoutingDecision.objects.exists()


# ---- harm figures ------------------------------------------------------------------------------
def test_harm_counts_distinct_firms_time_and_stated_cost(routing_on, sectors, submit):
    firm = FirmFactory()
    a = submit(firm=firm, body=MEDICAL, harm_cost_won=99_000_000, harm_delay_months=12)
    submit(firm=firm, body=MEDICAL_2)  # the same firm again: still one firm
    regulation = _regulation_of(a)
    regulation.refresh_from_db()
    assert regulation.member_count == 2 and regulation.firm_count == 1
    # one firm × one month floor × cost weight (1 + log10(100)) × delay weight (1 + log10(13)/2)
    later = services.refresh_recurring(regulation_id=regulation.pk, as_of=timezone.localdate() + dt.timedelta(days=365))
    assert later.days_unresolved == 365
    assert later.harm_score == pytest.approx(1 * 1.0 * 3.0 * 1.5570, rel=1e-3)


def test_cosigners_count_as_firms(routing_on, sectors, submit):
    from barriers.models import CoSignature

    barrier = submit(body=MEDICAL)
    CoSignature.objects.create(barrier=barrier, firm=FirmFactory(), firm_brn="1234567890", created_at=timezone.now())
    regulation = services.refresh_for_barrier(barrier_id=barrier.pk)
    assert regulation.firm_count == 2


def test_public_figures_count_public_barriers_only(
    routing_on, sectors, submit, city_official, health_ministry, health_official
):
    public = submit(body=MEDICAL, privacy=Privacy.PUBLIC_ANONYMOUS)
    private = submit(body=MEDICAL_2, privacy=Privacy.PRIVATE, title="비공개 건의 제목")
    regulation = _regulation_of(public)
    assert _regulation_of(private) == regulation
    for barrier in (public, private):
        services.accept_suggestion(barrier_id=barrier.pk, actor=city_official)
        barrier_services.forward_to_agency(barrier_id=barrier.pk, actor=city_official)
    services.answer_recurring(
        regulation_id=regulation.pk,
        actor=health_official,
        outcome="long_term_review",
        body="중장기적으로 검토하겠습니다.",
    )
    regulation.refresh_from_db()
    assert (regulation.member_count, regulation.public_member_count) == (2, 1)
    assert regulation.public_title == public.title
    assert regulation.answer_state == regulation.public_answer_state == AnswerState.LONG_TERM_REVIEW
    assert regulation.public_harm_score < regulation.harm_score


# ---- confirm, merge, split -----------------------------------------------------------------
def test_confirming_sets_the_statement(routing_on, sectors, submit, city_official):
    regulation = _regulation_of(submit(body=MEDICAL))
    confirmed = services.confirm_recurring(
        regulation_id=regulation.pk, actor=city_official, statement="  초진 비대면 진료 금지 "
    )
    assert (confirmed.status, confirmed.statement) == (RecurringStatus.CONFIRMED, "초진 비대면 진료 금지")
    with pytest.raises(ValidationFailed):
        services.confirm_recurring(regulation_id=regulation.pk, actor=city_official, statement="   ")


def test_merge_moves_every_member_and_leaves_a_pointer(routing_on, sectors, submit, city_official):
    medical = _regulation_of(submit(body=MEDICAL))
    payments = _regulation_of(submit(body=PAYMENTS, title="선불 충전 한도", sectors=("fintech",)))
    merged = services.merge_recurring(source_id=payments.pk, target_id=medical.pk, actor=city_official)
    assert merged.pk == medical.pk and merged.member_count == 2
    payments.refresh_from_db()
    assert payments.status == RecurringStatus.MERGED and payments.merged_into == medical
    assert payments.member_count == 0
    with pytest.raises(Conflict):
        services.merge_recurring(source_id=payments.pk, target_id=medical.pk, actor=city_official)


def test_merge_is_refused_into_itself_and_for_non_officials(routing_on, sectors, submit, city_official, outsider):
    regulation = _regulation_of(submit(body=MEDICAL))
    other = _regulation_of(submit(body=PAYMENTS, title="선불 충전 한도", sectors=("fintech",)))
    with pytest.raises(ValidationFailed):
        services.merge_recurring(source_id=regulation.pk, target_id=regulation.pk, actor=city_official)
    with pytest.raises(NotPermitted):
        services.merge_recurring(source_id=regulation.pk, target_id=other.pk, actor=outsider)


def test_a_new_barrier_similar_to_a_merged_one_joins_the_absorbing_regulation(
    routing_on, sectors, submit, city_official
):
    payments = _regulation_of(submit(body=PAYMENTS, title="선불 충전 한도", sectors=("fintech",)))
    medical = _regulation_of(submit(body=MEDICAL))
    services.merge_recurring(source_id=payments.pk, target_id=medical.pk, actor=city_official)
    again = submit(body=PAYMENTS, title="선불 충전 한도", sectors=("fintech",))
    assert _regulation_of(again) == medical


def test_split_moves_the_chosen_members_out(routing_on, sectors, submit, city_official):
    first = submit(body=MEDICAL)
    second = submit(body=MEDICAL_2)
    regulation = _regulation_of(first)
    new = services.split_recurring(
        regulation_id=regulation.pk, barrier_ids=[second.pk], actor=city_official, statement="초진 제한"
    )
    assert new.pk != regulation.pk and new.statement == "초진 제한" and new.member_count == 1
    assert _regulation_of(second) == new
    regulation.refresh_from_db()
    assert regulation.member_count == 1


@pytest.mark.parametrize("_case", ["all members", "a non-member", "nothing"])
def test_split_refuses_bad_choices(routing_on, sectors, submit, city_official, _case):
    first = submit(body=MEDICAL)
    second = submit(body=MEDICAL_2)
    submit(body=MEDICAL)
    regulation = _regulation_of(first)
    members = list(regulation.memberships.values_list("barrier_id", flat=True))
    assert second.pk in members
    if _case == "a non-member":
        services.split_recurring(regulation_id=regulation.pk, barrier_ids=[second.pk], actor=city_official)
    chosen = {"all members": members, "a non-member": [second.pk], "nothing": []}[_case]
    with pytest.raises(ValidationFailed):
        services.split_recurring(regulation_id=regulation.pk, barrier_ids=chosen, actor=city_official)


# ---- answer once -----------------------------------------------------------------------------
def test_answering_once_answers_every_member_the_agency_may_answer(
    routing_on, sectors, submit, city_official, health_ministry, health_official, agency, mailoutbox
):
    led = [submit(body=MEDICAL), submit(body=MEDICAL_2)]
    elsewhere = submit(body=MEDICAL)
    not_forwarded = submit(body=MEDICAL_2)
    regulation = _regulation_of(led[0])
    assert {_regulation_of(b) for b in (*led, elsewhere, not_forwarded)} == {regulation}
    for barrier in led:
        services.accept_suggestion(barrier_id=barrier.pk, actor=city_official)
        barrier_services.forward_to_agency(barrier_id=barrier.pk, actor=city_official)
    services.triage_with_routing(
        barrier_id=elsewhere.pk, actor=city_official, kind="proposal", lead_agency=agency, sector_code="biohealth"
    )
    barrier_services.forward_to_agency(barrier_id=elsewhere.pk, actor=city_official)
    result = services.answer_recurring(
        regulation_id=regulation.pk,
        actor=health_official,
        outcome="declined",
        body="현행 의료법상 초진 비대면 진료는 허용되지 않습니다.",
        reason_code="safety",
        legal_basis="의료법 제34조",
    )
    assert sorted(result.answered) == sorted(b.pk for b in led)
    assert sorted(result.skipped) == sorted([elsewhere.pk, not_forwarded.pk])
    for barrier in led:
        barrier.refresh_from_db()
        assert barrier.status == BarrierStatus.ANSWERED
        assert BarrierAnswer.objects.get(barrier=barrier).outcome == "declined"
        assert BarrierEvent.objects.filter(barrier=barrier, verb="answer").count() == 1
    assert result.regulation.answer_state == AnswerState.DECLINED


def test_an_incomplete_answer_answers_nobody(
    routing_on, sectors, submit, city_official, health_ministry, health_official
):
    barrier = submit(body=MEDICAL)
    services.accept_suggestion(barrier_id=barrier.pk, actor=city_official)
    barrier_services.forward_to_agency(barrier_id=barrier.pk, actor=city_official)
    with pytest.raises(ValidationFailed):
        services.answer_recurring(
            regulation_id=_regulation_of(barrier).pk, actor=health_official, outcome="declined", body="안 됩니다."
        )
    barrier.refresh_from_db()
    assert barrier.status == BarrierStatus.FORWARDED and not BarrierAnswer.objects.exists()


def test_answer_once_with_nothing_to_answer_is_a_conflict(routing_on, sectors, submit, health_official):
    barrier = submit(body=MEDICAL)
    with pytest.raises(Conflict):
        services.answer_recurring(
            regulation_id=_regulation_of(barrier).pk, actor=health_official, outcome="long_term_review", body="검토"
        )


def test_answer_once_is_refused_to_firms_and_the_city(routing_on, sectors, submit, city_official):
    barrier = submit(body=MEDICAL)
    for actor in (barrier.filed_by, city_official):
        with pytest.raises(NotPermitted):
            services.answer_recurring(
                regulation_id=_regulation_of(barrier).pk, actor=actor, outcome="long_term_review", body="검토"
            )


def test_refresh_all_skips_merged(routing_on, sectors, submit, city_official):
    a = _regulation_of(submit(body=MEDICAL))
    b = _regulation_of(submit(body=PAYMENTS, title="선불 충전 한도", sectors=("fintech",)))
    services.merge_recurring(source_id=b.pk, target_id=a.pk, actor=city_official)
    assert services.refresh_all_recurring() == 1
