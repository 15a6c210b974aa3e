"""Resolution: triage, forwarding and 이송, answers, information requests, reactions, escalation,
closing, deadline extensions, the outcome ledger and internal notes. One transaction each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import require
from accounts.roles import roles_of
from agencies.models import Agency
from barriers import deadlines
from barriers.models import (
    BODY_MAX,
    OUTCOME_ORDER,
    TEXT_MAX,
    AnswerOutcome,
    Barrier,
    BarrierAnswer,
    ClockStep,
    DeclineReason,
    EscalationLevel,
    EventKind,
    InternalNote,
    OutcomeMilestone,
    OutcomeStage,
    RequestKind,
)
from barriers.services._core import (
    BARRIER_FIELDS_CHANGED_BY_MOVE,
    clean_line,
    clean_text,
    guard,
    locked_barrier,
    move,
    record_event,
    remember_related,
    remember_sectors,
    resume_agency_clock,
    running_clock,
    start_clock,
    stop_clock,
)
from barriers.services.intake import _sectors
from barriers.signals import barrier_triaged
from barriers.transitions import OPEN
from core.business_days import Counting, Period
from core.errors import Conflict, ValidationFailed
from surveys.services import start_answer_survey, start_promulgation_survey


class ExtensionReason:
    """Reasons the law accepts for extending a period (민원처리법 시행령 제21조①)."""

    COOPERATION = "cooperation"
    FACT_CHECK = "fact_check"
    FORCE_MAJEURE = "force_majeure"
    SIMILAR = "similar"
    LABELS = {
        COOPERATION: "관계 기관·부서의 협조 필요",
        FACT_CHECK: "사실관계 또는 현장 확인 필요",
        FORCE_MAJEURE: "천재지변 등 불가항력",
        SIMILAR: "그 밖에 이에 준하는 사유",
    }


def _active_agency(agency: Agency | None, *, field: str) -> Agency:
    if agency is None or not agency.is_active:
        raise ValidationFailed(_("소관기관을 올바르게 선택하세요."), field=field)
    return agency


@transaction.atomic
def triage_barrier(
    *,
    barrier_id: int,
    actor: Any,
    kind: str,
    lead_agency: Agency,
    cooperating_agencies: Iterable[Agency] = (),
    sector_codes: list[str] | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> Barrier:
    """The city confirms the kind of request, the sectors, the lead and co-operating agencies."""
    # The firm and filer come with the row: the answer shows them to the city (and the view of
    # the filer's identity is logged), without reading the barrier again after the commit.
    barrier = locked_barrier(barrier_id, related=("firm", "filed_by"))
    guard(barrier, actor=actor, verb="triage", expected_version=expected_version)
    if kind not in RequestKind.values:
        raise ValidationFailed(_("민원 종류를 올바르게 선택하세요."), field="kind")
    lead = _active_agency(lead_agency, field="lead_agency")
    cooperating = [_active_agency(a, field="cooperating_agencies") for a in cooperating_agencies if a.pk != lead.pk]
    note = clean_text(note, field="note", label=_("메모"), max_length=TEXT_MAX)
    # Checked before anything is written (a refusal rolls everything back either way).
    sectors = _sectors(sector_codes) if sector_codes is not None else None
    if sectors is not None and not sectors:
        raise ValidationFailed(_("분야를 하나 이상 선택하세요."), field="sectors")
    now = timezone.now()
    move(
        barrier,
        verb="triage",
        actor=actor,
        now=now,
        note=note,
        data={"kind": kind, "lead_agency_id": lead.pk, "cooperating_agency_ids": [a.pk for a in cooperating]},
    )
    barrier.kind = kind
    barrier.lead_agency = lead
    barrier.triaged_at = now
    # Only what triage changes (the row lock is ours): the filer's long texts stay where they are.
    barrier.save(update_fields=[*BARRIER_FIELDS_CHANGED_BY_MOVE, "kind", "lead_agency", "triaged_at"])
    barrier.cooperating_agencies.set(cooperating)
    # Kept on the barrier as if prefetched, in the agencies' order: the answer shows them.
    remember_related(
        barrier, "cooperating_agencies", sorted({a.pk: a for a in cooperating}.values(), key=lambda a: (a.name, a.pk))
    )
    if sectors is not None:
        barrier.sectors.set(sectors)
    else:
        sectors = list(barrier.sectors.all())
    remember_sectors(barrier, sectors)
    # Every triage path (the barrier page, the API, the routing proposal) tells routing what the
    # city confirmed: that is the training signal for the next model.
    barrier_triaged.send(
        sender=Barrier,
        barrier=barrier,
        actor=actor,
        sectors=sectors,
        lead_agency=lead,
        cooperating_agencies=cooperating,
    )
    return barrier


@transaction.atomic
def forward_to_agency(
    *,
    barrier_id: int,
    actor: Any,
    agency: Agency | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> Barrier:
    """Hand the barrier to the competent agency (the triaged lead by default); its answer clock starts."""
    barrier = locked_barrier(barrier_id)
    guard(barrier, actor=actor, verb="forward", expected_version=expected_version)
    target = _active_agency(agency or barrier.lead_agency, field="agency")
    note = clean_text(note, field="note", label=_("메모"), max_length=TEXT_MAX)
    now = timezone.now()
    previous = barrier.lead_agency_id
    move(
        barrier,
        verb="forward",
        actor=actor,
        now=now,
        note=note,
        data={"agency_id": target.pk, "from_agency_id": previous},
    )
    barrier.lead_agency = target
    barrier.forwarded_at = barrier.forwarded_at or now
    step = ClockStep.SECOND_ANSWER if barrier.second_review_used else ClockStep.AGENCY_ANSWER
    start_clock(barrier, step=step, now=now)
    barrier.save()
    barrier.cooperating_agencies.remove(target)
    return barrier


@transaction.atomic
def transfer_barrier(
    *, barrier_id: int, actor: Any, to_agency: Agency, reason: str, expected_version: int | None = None
) -> Barrier:
    """이송: the lead agency hands the case to the competent agency; the new agency's clock starts
    on arrival and the former agency loses access (unless it co-operates)."""
    barrier = locked_barrier(barrier_id)
    guard(barrier, actor=actor, verb="transfer", expected_version=expected_version)
    target = _active_agency(to_agency, field="to_agency")
    if target.pk == barrier.lead_agency_id:
        raise ValidationFailed(_("이미 이 기관이 담당하고 있습니다."), field="to_agency")
    note = clean_text(reason, field="reason", label=_("이송 사유"), max_length=TEXT_MAX, required=True)
    now = timezone.now()
    move(
        barrier,
        verb="transfer",
        actor=actor,
        now=now,
        note=note,
        data={"agency_id": target.pk, "from_agency_id": barrier.lead_agency_id},
    )
    barrier.lead_agency = target
    start_clock(barrier, step=ClockStep.AGENCY_ANSWER, now=now)
    barrier.save()
    barrier.cooperating_agencies.remove(target)
    return barrier


@transaction.atomic
def request_more_information(
    *, barrier_id: int, actor: Any, questions: str, expected_version: int | None = None
) -> Barrier:
    """추가 정보 요청 (보완): the agency's clock pauses and the filer's clock starts."""
    barrier = locked_barrier(barrier_id)
    guard(barrier, actor=actor, verb="request_information", expected_version=expected_version)
    note = clean_text(questions, field="questions", label=_("요청 사항"), max_length=TEXT_MAX, required=True)
    now = timezone.now()
    move(barrier, verb="request_information", actor=actor, now=now, note=note)
    start_clock(barrier, step=ClockStep.INFORMATION, now=now)
    barrier.save()
    return barrier


@transaction.atomic
def provide_information(*, barrier_id: int, actor: Any, response: str, expected_version: int | None = None) -> Barrier:
    """The filer answers an information request; the agency's clock resumes without the days waited."""
    barrier = locked_barrier(barrier_id)
    guard(barrier, actor=actor, verb="provide_information", expected_version=expected_version)
    note = clean_text(response, field="response", label=_("보완 내용"), max_length=BODY_MAX, required=True)
    now = timezone.now()
    move(barrier, verb="provide_information", actor=actor, now=now, note=note)
    resume_agency_clock(barrier, now=now)
    barrier.save()
    return barrier


@transaction.atomic
def answer_barrier(
    *,
    barrier_id: int,
    actor: Any,
    outcome: str,
    body: str,
    reason_code: str = "",
    legal_basis: str = "",
    plan_change: str = "",
    plan_statute: str = "",
    plan_due_on: dt.date | None = None,
    expected_version: int | None = None,
) -> Barrier:
    """The lead agency answers (회신). 수용곤란 needs a published reason code and a legal basis;
    수용·일부수용 need a plan (what changes, which statute, by when)."""
    barrier = locked_barrier(barrier_id)
    guard(barrier, actor=actor, verb="answer", expected_version=expected_version)
    if outcome not in AnswerOutcome.values:
        raise ValidationFailed(_("검토 결과를 선택하세요."), field="outcome")
    body = clean_text(body, field="body", label=_("회신 내용"), max_length=BODY_MAX, required=True)
    legal_basis = clean_text(legal_basis, field="legal_basis", label=_("법적 근거"), max_length=TEXT_MAX)
    plan_change = clean_text(plan_change, field="plan_change", label=_("개선 내용"), max_length=TEXT_MAX)
    plan_statute = clean_line(plan_statute, field="plan_statute", label=_("개정 대상 법령"), max_length=300)
    if outcome == AnswerOutcome.DECLINED:
        if reason_code not in DeclineReason.values:
            raise ValidationFailed(_("수용곤란 사유를 목록에서 선택하세요."), field="reason_code")
        if not legal_basis:
            raise ValidationFailed(_("수용곤란의 법적 근거를 적어 주세요."), field="legal_basis")
    else:
        reason_code = ""
    if outcome in (AnswerOutcome.ACCEPTED, AnswerOutcome.PARTLY_ACCEPTED):
        if not plan_change:
            raise ValidationFailed(_("무엇을 어떻게 개선할지 적어 주세요."), field="plan_change")
        if plan_due_on is None:
            raise ValidationFailed(_("개선 완료 예정일을 입력하세요."), field="plan_due_on")
        if plan_due_on < timezone.localdate():
            raise ValidationFailed(_("개선 완료 예정일은 오늘 이후여야 합니다."), field="plan_due_on")
    now = timezone.now()
    lead = barrier.lead_agency
    assert lead is not None  # a forwarded barrier always has one (DB constraint barrier_forwarded_has_agency)
    answer = BarrierAnswer.objects.create(
        barrier=barrier,
        agency=lead,
        author=actor,
        round=barrier.answers.count() + 1,
        outcome=outcome,
        body=body,
        reason_code=reason_code,
        legal_basis=legal_basis,
        plan_change=plan_change,
        plan_statute=plan_statute,
        plan_due_on=plan_due_on,
        created_at=now,
    )
    move(
        barrier,
        verb="answer",
        actor=actor,
        now=now,
        data={"answer_id": answer.pk, "outcome": outcome, "reason_code": reason_code, "round": answer.round},
    )
    barrier.first_answered_at = barrier.first_answered_at or now
    start_clock(barrier, step=ClockStep.REACTION, now=now)
    barrier.save()
    # The firm rates this answer now and again six weeks later (surveys mails after commit).
    start_answer_survey(
        firm=barrier.firm,
        subject_type="barriers.barrieranswer",
        subject_id=answer.pk,
        subject_label=barrier.title,
        subject_url=reverse("barriers:detail", args=[barrier.pk]),
        answered_at=now,
    )
    return barrier


@transaction.atomic
def react_to_answer(
    *, barrier_id: int, actor: Any, satisfied: bool, reasons: str = "", expected_version: int | None = None
) -> Barrier:
    """The filer accepts the answer (종결) or asks once, with reasons, for a second answer (재검토)."""
    verb = "accept_answer" if satisfied else "request_second_review"
    barrier = locked_barrier(barrier_id)
    guard(barrier, actor=actor, verb=verb, expected_version=expected_version)
    note = clean_text(reasons, field="reasons", label=_("사유"), max_length=TEXT_MAX, required=not satisfied)
    now = timezone.now()
    if satisfied:
        move(barrier, verb=verb, actor=actor, now=now, note=note)
        barrier.closed_at = now
    else:
        if barrier.second_review_used:
            raise Conflict(_("재검토 요청은 한 번만 할 수 있습니다."), code="second_review_used")
        move(barrier, verb=verb, actor=actor, now=now, note=note)
        barrier.second_review_used = True
        start_clock(barrier, step=ClockStep.SECOND_ANSWER, now=now)
    barrier.save()
    return barrier


@transaction.atomic
def escalate_barrier(*, barrier_id: int, actor: Any, note: str, expected_version: int | None = None) -> Barrier:
    """The city escalates one rung up the ladder (실무 검토 → 서울시 규제개혁위원회 → 국무조정실)."""
    barrier = locked_barrier(barrier_id)
    guard(barrier, actor=actor, verb="escalate", expected_version=expected_version)
    note = clean_text(note, field="note", label=_("상정 사유"), max_length=TEXT_MAX, required=True)
    if barrier.escalation_level >= EscalationLevel.CENTRAL:
        raise Conflict(_("이미 최종 단계까지 상정되었습니다."), code="escalation_ladder_top")
    level = barrier.escalation_level + 1
    now = timezone.now()
    move(barrier, verb="escalate", actor=actor, now=now, note=note, data={"level": level})
    barrier.escalation_level = level
    start_clock(barrier, step=ClockStep.ESCALATION, now=now)
    barrier.save()
    return barrier


@transaction.atomic
def close_barrier(*, barrier_id: int, actor: Any, note: str, expected_version: int | None = None) -> Barrier:
    """The city closes the case (종결) with a stated reason; the clocks stop."""
    barrier = locked_barrier(barrier_id)
    guard(barrier, actor=actor, verb="close", expected_version=expected_version)
    note = clean_text(note, field="note", label=_("종결 사유"), max_length=TEXT_MAX, required=True)
    now = timezone.now()
    move(barrier, verb="close", actor=actor, now=now, note=note)
    barrier.closed_at = now
    barrier.save()
    return barrier


@transaction.atomic
def extend_deadline(
    *,
    barrier_id: int,
    actor: Any,
    reason_code: str,
    reason: str,
    days: int | None = None,
    filer_consented: bool = False,
    expected_version: int | None = None,
) -> Barrier:
    """Extend the running step once, by at most its own period, for a lawful reason; a second
    extension needs the filer's consent (민원처리법 시행령 제21조). The filer is notified."""
    barrier = locked_barrier(barrier_id)
    require(actor, "barrier.view", barrier, hide=True)
    require(actor, "barrier.extend_deadline", barrier)
    if expected_version is not None and expected_version != barrier.version:
        from barriers.errors import StaleVersion

        raise StaleVersion()
    clock = running_clock(barrier)
    if clock is None:
        raise Conflict(_("진행 중인 처리기간이 없습니다."), code="no_running_clock")
    if reason_code not in ExtensionReason.LABELS:
        raise ValidationFailed(_("연장 사유를 목록에서 선택하세요."), field="reason_code")
    note = clean_text(reason, field="reason", label=_("연장 사유"), max_length=TEXT_MAX, required=True)
    if clock.extensions >= 2:
        raise Conflict(_("처리기간은 두 번까지만 연장할 수 있습니다."), code="extension_limit")
    if clock.extensions == 1 and not filer_consented:
        raise Conflict(_("두 번째 연장은 신청인의 동의가 있어야 합니다."), code="extension_needs_consent")
    length = clock.period_days if days is None else days
    if isinstance(length, bool) or not isinstance(length, int) or not 0 < length <= max(clock.period_days, 1):
        raise ValidationFailed(
            _("연장 기간은 1일 이상, 원래 처리기간(%(n)s일) 이내여야 합니다.") % {"n": clock.period_days}, field="days"
        )
    old_due = clock.due_at
    new_due = deadlines.compute_extension(current_due=old_due, period=Period(length, Counting(clock.counting)))
    clock.due_at = new_due
    clock.extensions += 1
    clock.extension_reason = note
    clock.save(update_fields=["due_at", "extensions", "extension_reason"])
    barrier.set_due(new_due)
    barrier.version += 1
    barrier.save(update_fields=["due_at", "due_on", "version", "updated_at"])
    record_event(
        barrier,
        kind=EventKind.DEADLINE_EXTENDED,
        verb="extend_deadline",
        actor=actor,
        now=timezone.now(),
        note=note,
        data={
            "step": clock.step,
            "reason_code": reason_code,
            "days": length,
            "from": old_due.isoformat(),
            "to": new_due.isoformat(),
            "filer_consented": filer_consented,
        },
    )
    return barrier


@transaction.atomic
def assign_barrier(
    *, barrier_id: int, actor: Any, assignee: Any | None, expected_version: int | None = None
) -> Barrier:
    """Name the official who handles the barrier (or clear it): a colleague of the same body —
    a city official for the city, an official of the lead agency for the agency."""
    barrier = locked_barrier(barrier_id)
    require(actor, "barrier.view", barrier, hide=True)
    require(actor, "barrier.assign", barrier)
    if expected_version is not None and expected_version != barrier.version:
        from barriers.errors import StaleVersion

        raise StaleVersion()
    if barrier.status not in OPEN:
        raise Conflict(_("종결되거나 취하된 건에는 담당자를 지정할 수 없습니다."), code="transition_not_allowed")
    if assignee is not None:
        mine, theirs = roles_of(actor), roles_of(assignee)
        same_city = (mine.city_official or mine.admin) and theirs.city_official
        same_agency = barrier.lead_agency_id in mine.agency_ids and barrier.lead_agency_id in theirs.agency_ids
        if not (same_city or same_agency):
            raise ValidationFailed(_("같은 기관의 담당자만 지정할 수 있습니다."), field="assignee")
    barrier.assignee = assignee
    barrier.version += 1
    barrier.save(update_fields=["assignee", "version", "updated_at"])
    record_event(
        barrier,
        kind=EventKind.ASSIGNED,
        verb="assign",
        actor=actor,
        now=timezone.now(),
        data={"assignee_id": getattr(assignee, "pk", None)},
    )
    return barrier


@transaction.atomic
def record_outcome_milestone(
    *, barrier_id: int, actor: Any, stage: str, happened_on: dt.date, note: str = ""
) -> OutcomeMilestone:
    """Record the next dated step of the outcome ledger after an (partly) accepted answer."""
    barrier = locked_barrier(barrier_id)
    require(actor, "barrier.view", barrier, hide=True)
    require(actor, "barrier.record_outcome", barrier)
    latest = barrier.answers.order_by("-created_at", "-pk").first()
    if latest is None or latest.outcome not in (AnswerOutcome.ACCEPTED, AnswerOutcome.PARTLY_ACCEPTED):
        raise Conflict(_("수용 또는 일부수용된 건에만 개선 이행을 기록할 수 있습니다."), code="not_accepted")
    if stage not in OutcomeStage.values:
        raise ValidationFailed(_("단계를 올바르게 선택하세요."), field="stage")
    if happened_on > timezone.localdate():
        raise ValidationFailed(_("이미 일어난 일만 기록할 수 있습니다."), field="happened_on")
    note = clean_text(note, field="note", label=_("내용"), max_length=TEXT_MAX)
    recorded = list(barrier.milestones.order_by("happened_on", "pk"))
    expected = OUTCOME_ORDER[len(recorded)] if len(recorded) < len(OUTCOME_ORDER) else None
    if stage != expected:
        raise Conflict(_("개선 이행은 계획 → 개정안 → 입법예고 → 공포 → 시행 순서로 기록합니다."), code="outcome_order")
    if recorded and happened_on < recorded[-1].happened_on:
        raise ValidationFailed(_("앞 단계보다 이른 날짜는 기록할 수 없습니다."), field="happened_on")
    try:
        with transaction.atomic():
            milestone = OutcomeMilestone.objects.create(
                barrier=barrier, stage=stage, happened_on=happened_on, note=note, recorded_by=actor
            )
    except IntegrityError:
        raise Conflict(_("이미 기록된 단계입니다."), code="outcome_order") from None
    record_event(
        barrier,
        kind=EventKind.OUTCOME_RECORDED,
        verb="record_outcome",
        actor=actor,
        now=timezone.now(),
        note=note,
        data={"stage": stage, "happened_on": happened_on.isoformat()},
    )
    if stage == OutcomeStage.PROMULGATION:
        # The third survey of the loop: did the promulgated change resolve the firm's difficulty?
        start_promulgation_survey(
            firm=barrier.firm,
            subject_type="barriers.barrier",
            subject_id=barrier.pk,
            subject_label=barrier.title,
            subject_url=reverse("barriers:detail", args=[barrier.pk]),
        )
    return milestone


@transaction.atomic
def add_internal_note(*, barrier_id: int, actor: Any, body: str) -> InternalNote:
    """An officials-only note. The city's notes stay with the city; an agency's with that agency."""
    barrier = locked_barrier(barrier_id)
    require(actor, "barrier.view", barrier, hide=True)
    require(actor, "barrier.notes", barrier)
    text = clean_text(body, field="body", label=_("메모"), max_length=TEXT_MAX, required=True)
    roles = roles_of(actor)
    agency_id = None
    if not roles.city_official and not roles.admin:
        agency_id = barrier.lead_agency_id if barrier.lead_agency_id in roles.agency_ids else None
        if agency_id is None:
            agency_id = (
                barrier.cooperating_agencies.filter(pk__in=roles.agency_ids).values_list("pk", flat=True).first()
            )
    return InternalNote.objects.create(barrier=barrier, author=actor, agency_id=agency_id, body=text)


__all__ = [
    "ExtensionReason",
    "add_internal_note",
    "answer_barrier",
    "assign_barrier",
    "close_barrier",
    "escalate_barrier",
    "extend_deadline",
    "forward_to_agency",
    "provide_information",
    "react_to_answer",
    "record_outcome_milestone",
    "request_more_information",
    "stop_clock",
    "transfer_barrier",
    "triage_barrier",
]
