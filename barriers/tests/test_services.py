"""Workflow services: happy paths, guards, forbidden transitions over every disallowed state,
legal clocks, and a hypothesis random walk over the verb table."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from barriers import services
from barriers.errors import StaleVersion, TransitionNotAllowed
from barriers.models import (
    Barrier,
    BarrierClock,
    BarrierEvent,
    BarrierStatus,
    ClockStep,
    DeadlinePolicy,
    EscalationLevel,
    EventKind,
    OutcomeMilestone,
)
from barriers.tests.factories import BODY, barrier_in
from barriers.transitions import TERMINAL, VERBS, can_move
from core.business_days import SEOUL
from core.errors import Conflict, NotFound, NotPermitted, ValidationFailed

S = BarrierStatus
pytestmark = pytest.mark.django_db


def transitions(barrier: Barrier) -> list[tuple[str, str, str]]:
    return list(
        BarrierEvent.objects.filter(barrier=barrier, kind=EventKind.TRANSITION).values_list(
            "verb", "from_status", "to_status"
        )
    )


# -- happy path --------------------------------------------------------------------------------


def test_full_workflow_writes_one_event_per_move(
    submitted, city_official, agency, agency_official, firm_member, other_agency
):
    pk = submitted.pk
    services.triage_barrier(
        barrier_id=pk, actor=city_official, kind="proposal", lead_agency=agency, cooperating_agencies=[other_agency]
    )
    services.forward_to_agency(barrier_id=pk, actor=city_official, note="검토 바랍니다")
    services.request_more_information(barrier_id=pk, actor=agency_official, questions="실증 장소를 알려 주세요")
    services.provide_information(barrier_id=pk, actor=firm_member, response="상암동 DMC 일대입니다")
    services.answer_barrier(
        barrier_id=pk,
        actor=agency_official,
        outcome="declined",
        body="안전 기준이 없습니다",
        reason_code="safety",
        legal_basis="도로교통법 제13조의2",
    )
    services.react_to_answer(barrier_id=pk, actor=firm_member, satisfied=False, reasons="해외 사례가 있습니다")
    services.answer_barrier(
        barrier_id=pk,
        actor=agency_official,
        outcome="accepted",
        body="시행규칙을 개정하겠습니다",
        plan_change="보도 통행 허용 기준 신설",
        plan_statute="도로교통법 시행규칙",
        plan_due_on=dt.date.today() + dt.timedelta(days=200),
    )
    barrier = services.react_to_answer(barrier_id=pk, actor=firm_member, satisfied=True)

    assert barrier.status == S.CLOSED
    assert barrier.closed_at is not None and barrier.due_at is None
    assert [v for v, _f, _t in transitions(barrier)] == [
        "submit",
        "triage",
        "forward",
        "request_information",
        "provide_information",
        "answer",
        "request_second_review",
        "answer",
        "accept_answer",
    ]
    assert barrier.answers.count() == 2
    assert list(barrier.answers.values_list("round", flat=True)) == [1, 2]
    assert not BarrierClock.objects.filter(barrier=barrier, stopped_at__isnull=True).exists()
    assert barrier.version == 1 + 9  # file (v1) + nine moves


def test_filing_normalises_text_and_rejects_nul_free_garbage(firm, firm_member):
    barrier = services.file_barrier(
        actor=firm_member,
        firm=firm,
        title="  한\u1100\u1161글\u200b 제목\x00 ",
        body="<script>alert(1)</script> 본문",
        sector_codes=["ai"],
    )
    assert barrier.title == "한\u1100\u1161글 제목".replace("\u1100\u1161", "가")
    assert barrier.body == "<script>alert(1)</script> 본문"  # stored as text, escaped on output
    assert barrier.status == S.DRAFT


@pytest.mark.parametrize(
    ("_case", "kwargs", "field"),
    [
        ("title of 1 MB", {"title": "가" * 1_000_000}, "title"),
        ("body over 20,000", {"body": "나" * 20_001}, "body"),
        ("unknown sector", {"sector_codes": ["quantum"]}, "sectors"),
        ("sector not a list", {"sector_codes": "fintech"}, "sectors"),
        ("negative cost", {"harm_cost_won": -1}, "harm_cost_won"),
        ("bad privacy", {"privacy": "everyone"}, "privacy"),
        ("blank everything", {"title": "\u200b", "body": " \x00 "}, "title"),
        ("unknown field", {"status": "closed"}, "status"),
    ],
)
def test_bad_input_is_refused_without_writing(firm, firm_member, _case, kwargs, field):
    args = {"title": "제목", "body": BODY, "sector_codes": ["ai"], **kwargs}
    with pytest.raises(ValidationFailed) as exc:
        services.file_barrier(actor=firm_member, firm=firm, **args)
    assert exc.value.field == field
    assert Barrier.objects.count() == 0


def test_submit_needs_a_real_body(firm, firm_member):
    draft = services.file_barrier(actor=firm_member, firm=firm, title="제목", body="짧음", sector_codes=["ai"])
    with pytest.raises(ValidationFailed) as exc:
        services.submit_barrier(barrier_id=draft.pk, actor=firm_member)
    assert exc.value.field == "body"
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


def test_other_firm_cannot_file_or_touch(firm, other_firm_member, submitted):
    with pytest.raises(NotPermitted):
        services.file_barrier(actor=other_firm_member, firm=firm, title="x", body=BODY)
    with pytest.raises(NotFound):
        services.withdraw_barrier(barrier_id=submitted.pk, actor=other_firm_member)


def test_filer_cannot_triage(submitted, firm_member, agency):
    with pytest.raises(NotPermitted):
        services.triage_barrier(barrier_id=submitted.pk, actor=firm_member, kind="proposal", lead_agency=agency)


def test_other_agency_cannot_answer_or_see(forwarded, other_agency_official):
    with pytest.raises(NotFound):
        services.answer_barrier(barrier_id=forwarded.pk, actor=other_agency_official, outcome="accepted", body="x")


def test_transfer_moves_access_to_the_new_agency(forwarded, agency_official, other_agency, other_agency_official):
    services.transfer_barrier(
        barrier_id=forwarded.pk, actor=agency_official, to_agency=other_agency, reason="소관이 아닙니다"
    )
    barrier = Barrier.objects.get(pk=forwarded.pk)
    assert barrier.lead_agency == other_agency and barrier.status == S.FORWARDED
    with pytest.raises(NotFound):
        services.answer_barrier(barrier_id=barrier.pk, actor=agency_official, outcome="accepted", body="x")
    services.request_more_information(barrier_id=barrier.pk, actor=other_agency_official, questions="자료 요청")


def test_declined_answer_needs_reason_code_and_basis(forwarded, agency_official):
    with pytest.raises(ValidationFailed) as exc:
        services.answer_barrier(barrier_id=forwarded.pk, actor=agency_official, outcome="declined", body="불가")
    assert exc.value.field == "reason_code"
    with pytest.raises(ValidationFailed) as exc:
        services.answer_barrier(
            barrier_id=forwarded.pk, actor=agency_official, outcome="declined", body="불가", reason_code="safety"
        )
    assert exc.value.field == "legal_basis"
    assert Barrier.objects.get(pk=forwarded.pk).status == S.FORWARDED


def test_accepted_answer_needs_a_plan(forwarded, agency_official):
    with pytest.raises(ValidationFailed) as exc:
        services.answer_barrier(barrier_id=forwarded.pk, actor=agency_official, outcome="accepted", body="수용")
    assert exc.value.field == "plan_change"


def test_second_review_only_once(answered, firm_member, agency_official):
    services.react_to_answer(barrier_id=answered.pk, actor=firm_member, satisfied=False, reasons="재검토 바랍니다")
    services.answer_barrier(
        barrier_id=answered.pk,
        actor=agency_official,
        outcome="long_term_review",
        body="중장기 검토하겠습니다",
    )
    with pytest.raises(Conflict) as exc:
        services.react_to_answer(barrier_id=answered.pk, actor=firm_member, satisfied=False, reasons="다시")
    assert exc.value.code == "second_review_used"


def test_second_review_needs_reasons(answered, firm_member):
    with pytest.raises(ValidationFailed):
        services.react_to_answer(barrier_id=answered.pk, actor=firm_member, satisfied=False, reasons=" ")


def test_escalation_climbs_the_ladder_and_stops_at_the_top(answered, city_official):
    for level in (1, 2, 3):
        barrier = services.escalate_barrier(barrier_id=answered.pk, actor=city_official, note=f"{level}단계 상정")
        assert barrier.escalation_level == level
        assert barrier.due_step == ClockStep.ESCALATION
    with pytest.raises(Conflict) as exc:
        services.escalate_barrier(barrier_id=answered.pk, actor=city_official, note="더")
    assert exc.value.code == "escalation_ladder_top"
    assert Barrier.objects.get(pk=answered.pk).escalation_level == EscalationLevel.CENTRAL


def test_stale_version_is_refused(submitted, city_official, agency):
    version = submitted.version
    services.triage_barrier(
        barrier_id=submitted.pk, actor=city_official, kind="proposal", lead_agency=agency, expected_version=version
    )
    with pytest.raises(StaleVersion):
        services.triage_barrier(
            barrier_id=submitted.pk, actor=city_official, kind="grievance", lead_agency=agency, expected_version=version
        )
    assert Barrier.objects.get(pk=submitted.pk).kind == "proposal"


def accept_with_plan(barrier, official):
    services.answer_barrier(
        barrier_id=barrier.pk,
        actor=official,
        outcome="accepted",
        body="수용",
        plan_change="기준 신설",
        plan_due_on=dt.date.today() + dt.timedelta(days=30),
    )


def test_outcome_ledger_runs_in_order(forwarded, agency_official, city_official):
    accept_with_plan(forwarded, agency_official)
    today = dt.date.today()
    with pytest.raises(Conflict):
        services.record_outcome_milestone(
            barrier_id=forwarded.pk, actor=agency_official, stage="promulgation", happened_on=today
        )
    services.record_outcome_milestone(barrier_id=forwarded.pk, actor=agency_official, stage="plan", happened_on=today)
    services.record_outcome_milestone(
        barrier_id=forwarded.pk, actor=city_official, stage="draft_amendment", happened_on=today
    )
    with pytest.raises(ValidationFailed):
        services.record_outcome_milestone(
            barrier_id=forwarded.pk,
            actor=city_official,
            stage="pre_announcement",
            happened_on=today + dt.timedelta(days=3),
        )
    assert list(OutcomeMilestone.objects.values_list("stage", flat=True)) == ["plan", "draft_amendment"]


def test_promulgation_starts_the_firms_promulgation_survey(forwarded, agency_official):
    from surveys.models import Survey, SurveyKind

    accept_with_plan(forwarded, agency_official)
    today = dt.date.today()
    for stage in ("plan", "draft_amendment", "pre_announcement", "promulgation"):
        services.record_outcome_milestone(
            barrier_id=forwarded.pk, actor=agency_official, stage=stage, happened_on=today
        )
    survey = Survey.objects.get(kind=SurveyKind.PROMULGATION)
    assert (survey.subject_type, survey.subject_id) == ("barriers.barrier", forwarded.pk)
    assert list(survey.invitations.values_list("firm_id", flat=True)) == [forwarded.firm_id]


def test_outcome_ledger_refused_for_declined(answered, agency_official):
    with pytest.raises(Conflict):
        services.record_outcome_milestone(
            barrier_id=answered.pk, actor=agency_official, stage="plan", happened_on=dt.date.today()
        )


# -- forbidden transitions: every verb from every state it does not allow -----------------------

FILER_VERBS = {"submit", "withdraw", "provide_information", "accept_answer", "request_second_review"}
CITY_VERBS = {"triage", "forward", "escalate", "close"}
AGENCY_VERBS = {"transfer", "request_information", "answer"}
assert set(VERBS) == FILER_VERBS | CITY_VERBS | AGENCY_VERBS

FORBIDDEN = [(verb, state) for verb in sorted(VERBS) for state in S.values if not can_move(state, verb)]


def _call(verb: str, barrier: Barrier, *, filer, city, agency_user, agency, other_agency):
    pk = barrier.pk
    calls = {
        "submit": lambda: services.submit_barrier(barrier_id=pk, actor=filer),
        "withdraw": lambda: services.withdraw_barrier(barrier_id=pk, actor=filer, reason="취하"),
        "provide_information": lambda: services.provide_information(barrier_id=pk, actor=filer, response="자료"),
        "accept_answer": lambda: services.react_to_answer(barrier_id=pk, actor=filer, satisfied=True),
        "request_second_review": lambda: services.react_to_answer(
            barrier_id=pk, actor=filer, satisfied=False, reasons="재검토"
        ),
        "triage": lambda: services.triage_barrier(barrier_id=pk, actor=city, kind="proposal", lead_agency=agency),
        "forward": lambda: services.forward_to_agency(barrier_id=pk, actor=city, agency=agency),
        "escalate": lambda: services.escalate_barrier(barrier_id=pk, actor=city, note="상정"),
        "close": lambda: services.close_barrier(barrier_id=pk, actor=city, note="종결"),
        "transfer": lambda: services.transfer_barrier(
            barrier_id=pk, actor=agency_user, to_agency=other_agency, reason="이송"
        ),
        "request_information": lambda: services.request_more_information(
            barrier_id=pk, actor=agency_user, questions="질문"
        ),
        "answer": lambda: services.answer_barrier(
            barrier_id=pk,
            actor=agency_user,
            outcome="declined",
            body="불가",
            reason_code="safety",
            legal_basis="법 제1조",
        ),
    }
    return calls[verb]()


@pytest.mark.parametrize(("verb", "state"), FORBIDDEN, ids=[f"{v}-from-{s}" for v, s in FORBIDDEN])
def test_forbidden_transition_is_refused_and_leaves_no_trace(
    verb, state, firm, firm_member, city_official, agency_official, agency, other_agency
):
    # The barrier is forwarded-looking in every state so the agency may see it: only the state refuses.
    barrier = barrier_in(state, firm=firm, filed_by=firm_member, agency=agency, forwarded=True)
    before = (barrier.status, barrier.version, barrier.due_at, BarrierEvent.objects.count())
    actor_can_see = not (verb in CITY_VERBS and state == S.DRAFT)
    expected = TransitionNotAllowed if actor_can_see else NotFound
    with pytest.raises(expected) as exc:
        _call(
            verb,
            barrier,
            filer=firm_member,
            city=city_official,
            agency_user=agency_official,
            agency=agency,
            other_agency=other_agency,
        )
    if expected is TransitionNotAllowed:
        assert exc.value.code == "transition_not_allowed" and exc.value.status == 409
    barrier.refresh_from_db()
    assert (barrier.status, barrier.version, barrier.due_at, BarrierEvent.objects.count()) == before


# -- hypothesis random walk over the table -------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(walk=st.lists(st.sampled_from(sorted(VERBS)), min_size=1, max_size=14))
@example(walk=["submit", "triage", "forward", "transfer", "answer"])  # found by hypothesis in CI
def test_random_walk_events_equal_moves_and_terminal_stays_terminal(
    walk, firm, firm_member, city_official, agency_official, agency, other_agency
):
    barrier = services.file_barrier(actor=firm_member, firm=firm, title="무작위", body=BODY, sector_codes=["ai"])
    expected_moves: list[str] = []
    for verb in walk:
        barrier.refresh_from_db()
        before_status = barrier.status
        allowed = can_move(before_status, verb)
        try:
            _call(
                verb,
                barrier,
                filer=firm_member,
                city=city_official,
                agency_user=agency_official,
                agency=agency,
                other_agency=other_agency if barrier.lead_agency_id != other_agency.pk else agency,
            )
        except TransitionNotAllowed:
            assert not allowed
        except NotFound:
            # Refused by the state, or by who may see it: after a transfer (이송) the barrier is the
            # other agency's, and this agency's official no longer sees it.
            assert not allowed or (verb in AGENCY_VERBS and barrier.lead_agency_id != agency.pk)
        except Conflict as exc:  # rules beyond the table: one second review, top of the ladder
            assert allowed and exc.code in {"second_review_used", "escalation_ladder_top"}
        except ValidationFailed:
            assert allowed and verb == "forward"  # forward from FORWARDED to the same agency is still fine
        else:
            assert allowed, f"{verb} from {before_status} should have been refused"
            expected_moves.append(verb)
            barrier.refresh_from_db()
            assert barrier.status == VERBS[verb].target
        if before_status in TERMINAL:
            barrier.refresh_from_db()
            assert barrier.status == before_status
    barrier.refresh_from_db()
    assert [v for v, _f, _t in transitions(barrier)] == expected_moves
    running = BarrierClock.objects.filter(barrier=barrier, stopped_at__isnull=True).count()
    assert running == (0 if barrier.status in TERMINAL or barrier.status == S.DRAFT else 1)
    assert (barrier.due_at is None) == (running == 0)


# -- legal clocks --------------------------------------------------------------------------------


@time_machine.travel(dt.datetime(2025, 10, 1, 10, 0, tzinfo=SEOUL), tick=False)
def test_forwarding_starts_the_kind_clock_across_chuseok(submitted, city_official, agency):
    services.triage_barrier(barrier_id=submitted.pk, actor=city_official, kind="proposal", lead_agency=agency)
    barrier = services.forward_to_agency(barrier_id=submitted.pk, actor=city_official)
    assert barrier.due_step == ClockStep.AGENCY_ANSWER
    assert barrier.due_at == dt.datetime(2025, 10, 27, 18, 0, tzinfo=SEOUL)


@time_machine.travel(dt.datetime(2025, 10, 1, 10, 0, tzinfo=SEOUL), tick=False)
@pytest.mark.parametrize(
    ("_case", "policies", "expected"),
    [
        ("kind override", [{"kind": "proposal", "agency": False, "days": 7}], dt.datetime(2025, 10, 16, 18, 0)),
        (
            "agency override beats kind",
            [{"kind": "proposal", "agency": False, "days": 7}, {"kind": "", "agency": True, "days": 10}],
            dt.datetime(2025, 10, 21, 18, 0),
        ),
        (
            "agency+kind beats agency",
            [{"kind": "", "agency": True, "days": 10}, {"kind": "proposal", "agency": True, "days": 0}],
            dt.datetime(2025, 10, 1, 14, 0),  # 즉시: 3 working hours over lunch
        ),
        ("other kind ignored", [{"kind": "grievance", "agency": False, "days": 6}], dt.datetime(2025, 10, 27, 18, 0)),
    ],
)
def test_deadline_policy_per_kind_and_agency(submitted, city_official, agency, _case, policies, expected):
    for p in policies:
        DeadlinePolicy.objects.create(
            step=ClockStep.AGENCY_ANSWER, kind=p["kind"], agency=agency if p["agency"] else None, days=p["days"]
        )
    services.triage_barrier(barrier_id=submitted.pk, actor=city_official, kind="proposal", lead_agency=agency)
    barrier = services.forward_to_agency(barrier_id=submitted.pk, actor=city_official)
    assert barrier.due_at == expected.replace(tzinfo=SEOUL)


def test_rapid_confirmation_counts_calendar_days(submitted, city_official, agency):
    with time_machine.travel(dt.datetime(2025, 9, 8, 10, 0, tzinfo=SEOUL), tick=False):
        services.triage_barrier(
            barrier_id=submitted.pk, actor=city_official, kind="rapid_confirmation", lead_agency=agency
        )
        barrier = services.forward_to_agency(barrier_id=submitted.pk, actor=city_official)
    assert barrier.due_at == dt.datetime(2025, 10, 10, 18, 0, tzinfo=SEOUL)


def test_information_request_pauses_the_agency_clock(submitted, city_official, agency, agency_official, firm_member):
    with time_machine.travel(dt.datetime(2025, 11, 3, 10, 0, tzinfo=SEOUL), tick=False):  # Monday
        services.triage_barrier(barrier_id=submitted.pk, actor=city_official, kind="grievance", lead_agency=agency)
        barrier = services.forward_to_agency(barrier_id=submitted.pk, actor=city_official)
        original_due = barrier.due_at
        assert original_due == dt.datetime(2025, 11, 11, 18, 0, tzinfo=SEOUL)
        services.request_more_information(barrier_id=barrier.pk, actor=agency_official, questions="자료")
    with time_machine.travel(dt.datetime(2025, 11, 6, 15, 0, tzinfo=SEOUL), tick=False):  # Thursday: 3 days later
        barrier = services.provide_information(barrier_id=barrier.pk, actor=firm_member, response="보완합니다")
    assert barrier.due_step == ClockStep.AGENCY_ANSWER
    assert barrier.due_at == dt.datetime(2025, 11, 14, 18, 0, tzinfo=SEOUL)


def test_extension_once_then_only_with_consent(forwarded, agency_official, firm_member):
    first_due = forwarded.due_at
    barrier = services.extend_deadline(
        barrier_id=forwarded.pk, actor=agency_official, reason_code="cooperation", reason="관계 부처 협의"
    )
    assert barrier.due_at > first_due
    with pytest.raises(Conflict) as exc:
        services.extend_deadline(
            barrier_id=forwarded.pk, actor=agency_official, reason_code="fact_check", reason="현장"
        )
    assert exc.value.code == "extension_needs_consent"
    services.extend_deadline(
        barrier_id=forwarded.pk, actor=agency_official, reason_code="fact_check", reason="현장", filer_consented=True
    )
    with pytest.raises(Conflict):
        services.extend_deadline(
            barrier_id=forwarded.pk, actor=agency_official, reason_code="fact_check", reason="또", filer_consented=True
        )
    with pytest.raises(NotPermitted):
        services.extend_deadline(barrier_id=forwarded.pk, actor=firm_member, reason_code="fact_check", reason="x")


def test_extension_reason_must_be_lawful(forwarded, agency_official):
    with pytest.raises(ValidationFailed):
        services.extend_deadline(barrier_id=forwarded.pk, actor=agency_official, reason_code="busy", reason="업무 과중")


# -- notifications ---------------------------------------------------------------------------------


def test_transition_mails_the_parties_after_commit(
    submitted, city_official, agency, agency_official, firm_member, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    services.triage_barrier(barrier_id=submitted.pk, actor=city_official, kind="proposal", lead_agency=agency)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.forward_to_agency(barrier_id=submitted.pk, actor=city_official)
    assert len(callbacks) == 1
    recipients = sorted(m.to[0] for m in mail.outbox if "전달" in m.subject)
    assert recipients == sorted([firm_member.email, agency_official.email])


def test_sealed_identity_never_reaches_the_agency_by_mail(
    firm, firm_member, city_official, agency, agency_official, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        barrier = services.file_barrier(
            actor=firm_member,
            firm=firm,
            title="봉인 테스트",
            body=BODY,
            sector_codes=["ai"],
            seal_from_agency=True,
            submit=True,
        )
        services.triage_barrier(barrier_id=barrier.pk, actor=city_official, kind="proposal", lead_agency=agency)
        services.forward_to_agency(barrier_id=barrier.pk, actor=city_official)
    to_agency = [m for m in mail.outbox if m.to == [agency_official.email]]
    to_filer = [m for m in mail.outbox if m.to == [firm_member.email]]
    assert to_agency and to_filer
    assert all(firm.name not in m.body and firm.name not in m.subject for m in to_agency)
    assert any(firm.name in m.body for m in to_filer)


def test_failed_send_is_retried_and_never_rolls_back(
    submitted, city_official, agency, monkeypatch, django_capture_on_commit_callbacks
):
    from barriers import tasks
    from barriers.models import Notification, NotificationStatus

    calls = {"n": 0}
    real = tasks.send_mail

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("SMTP down")
        return real(*args, **kwargs)

    monkeypatch.setattr(tasks, "send_mail", flaky)
    with django_capture_on_commit_callbacks(execute=True):
        services.triage_barrier(barrier_id=submitted.pk, actor=city_official, kind="proposal", lead_agency=agency)
    barrier = Barrier.objects.get(pk=submitted.pk)
    assert barrier.status == S.TRIAGED
    notification = Notification.objects.get(event__verb="triage")
    assert notification.status == NotificationStatus.SENT
    assert notification.attempts == 2
    assert "SMTP down" in notification.last_error


def test_permanent_failure_gives_up_after_max_attempts(
    submitted, city_official, agency, monkeypatch, django_capture_on_commit_callbacks
):
    from barriers import tasks
    from barriers.models import Notification, NotificationStatus

    def broken(*args, **kwargs):
        raise ConnectionError("SMTP down")

    monkeypatch.setattr(tasks, "send_mail", broken)
    with django_capture_on_commit_callbacks(execute=True):
        services.triage_barrier(barrier_id=submitted.pk, actor=city_official, kind="proposal", lead_agency=agency)
    notification = Notification.objects.get(event__verb="triage")
    assert notification.status == NotificationStatus.FAILED
    assert notification.attempts == tasks.MAX_ATTEMPTS
    assert Barrier.objects.get(pk=submitted.pk).status == S.TRIAGED


# -- idempotency -----------------------------------------------------------------------------------


def test_idempotency_key_returns_the_first_barrier(firm, firm_member):
    payload = {"title": "중복", "body": BODY}
    first, created = services.file_barrier_once(
        actor=firm_member, idempotency_key="abc-1", payload=payload, firm=firm, title="중복", body=BODY
    )
    again, created_again = services.file_barrier_once(
        actor=firm_member, idempotency_key="abc-1", payload=payload, firm=firm, title="중복", body=BODY
    )
    assert created and not created_again and first.pk == again.pk
    with pytest.raises(Conflict):
        services.file_barrier_once(
            actor=firm_member, idempotency_key="abc-1", payload={"title": "다른"}, firm=firm, title="다른", body=BODY
        )
    with pytest.raises(ValidationFailed):
        services.file_barrier_once(
            actor=firm_member, idempotency_key="x" * 10_000, payload=payload, firm=firm, title="중복", body=BODY
        )
    assert Barrier.objects.count() == 1


def test_an_answer_starts_the_firms_satisfaction_survey(answered):
    from surveys.models import Survey, SurveyKind

    answer = answered.answers.get()
    survey = Survey.objects.get(kind=SurveyKind.ANSWER_SATISFACTION, subject_id=answer.pk)
    assert survey.subject_type == "barriers.barrieranswer"
    assert survey.followups.filter(kind=SurveyKind.FOLLOWUP).exists()
