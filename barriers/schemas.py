"""API shapes: one input schema per operation, separate output schemas (never shared in/out)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from barriers.models import AnswerOutcome, DeclineReason, OutcomeStage, Privacy, RequestKind

# Generous outer bounds stop absurd payloads early; the services enforce the real limits in Korean.
_LONG = 40_000
_MEDIUM = 10_000


class BarrierIn(Schema):
    firm_id: int | None = Field(None, description="여러 기업에 속한 경우 필수")
    title: str = Field(max_length=_MEDIUM)
    body: str = Field(max_length=_LONG)
    sector_codes: list[str] = Field(default_factory=list, max_length=6)
    statutes_named: str = Field("", max_length=_MEDIUM)
    desired_change: str = Field("", max_length=_MEDIUM)
    harm_cost_won: int | None = Field(None, ge=0, le=10**15)
    harm_delay_months: int | None = Field(None, ge=0, le=600)
    harm_lost_market: str = Field("", max_length=_MEDIUM)
    privacy: Privacy = Privacy.PUBLIC_ANONYMOUS
    seal_from_agency: bool = False
    kind: RequestKind = RequestKind.PROPOSAL
    submit: bool = Field(False, description="true면 바로 접수합니다")


class DraftPatchIn(Schema):
    version: int | None = None
    title: str | None = Field(None, max_length=_MEDIUM)
    body: str | None = Field(None, max_length=_LONG)
    sector_codes: list[str] | None = Field(None, max_length=6)
    statutes_named: str | None = Field(None, max_length=_MEDIUM)
    desired_change: str | None = Field(None, max_length=_MEDIUM)
    harm_cost_won: int | None = Field(None, ge=0, le=10**15)
    harm_delay_months: int | None = Field(None, ge=0, le=600)
    harm_lost_market: str | None = Field(None, max_length=_MEDIUM)
    privacy: Privacy | None = None
    seal_from_agency: bool | None = None
    kind: RequestKind | None = None


class VersionIn(Schema):
    version: int | None = Field(None, description="낙관적 동시성 검사: 읽은 버전(If-Match 헤더로도 보낼 수 있음)")


class NoteIn(VersionIn):
    note: str = Field("", max_length=_MEDIUM)


class RequiredNoteIn(VersionIn):
    note: str = Field(max_length=_MEDIUM)


class TriageIn(VersionIn):
    kind: RequestKind
    lead_agency_code: str = Field(max_length=60)
    cooperating_agency_codes: list[str] = Field(default_factory=list, max_length=10)
    sector_codes: list[str] | None = Field(None, max_length=6)
    note: str = Field("", max_length=_MEDIUM)


class ForwardIn(VersionIn):
    agency_code: str | None = Field(None, max_length=60)
    note: str = Field("", max_length=_MEDIUM)


class TransferIn(VersionIn):
    agency_code: str = Field(max_length=60)
    reason: str = Field(max_length=_MEDIUM)


class InformationRequestIn(VersionIn):
    questions: str = Field(max_length=_MEDIUM)


class InformationIn(VersionIn):
    response: str = Field(max_length=_LONG)


class AnswerIn(VersionIn):
    outcome: AnswerOutcome
    body: str = Field(max_length=_LONG)
    reason_code: DeclineReason | None = None
    legal_basis: str = Field("", max_length=_MEDIUM)
    plan_change: str = Field("", max_length=_MEDIUM)
    plan_statute: str = Field("", max_length=600)
    plan_due_on: dt.date | None = None


class ReactionIn(VersionIn):
    satisfied: bool
    reasons: str = Field("", max_length=_MEDIUM)


class WithdrawIn(VersionIn):
    reason: str = Field("", max_length=_MEDIUM)


class ExtensionIn(VersionIn):
    reason_code: str = Field(max_length=30)
    reason: str = Field(max_length=_MEDIUM)
    days: int | None = Field(None, ge=1, le=365)
    filer_consented: bool = False


class MilestoneIn(Schema):
    stage: OutcomeStage
    happened_on: dt.date
    note: str = Field("", max_length=_MEDIUM)


class InternalNoteIn(Schema):
    body: str = Field(max_length=_MEDIUM)


class RefOut(Schema):
    id: int
    name: str


class AgencyRefOut(Schema):
    code: str
    name: str


class AnswerOut(Schema):
    round: int
    agency: str
    outcome: str
    outcome_label: str
    body: str
    reason_code: str
    reason_label: str
    legal_basis: str
    plan_change: str
    plan_statute: str
    plan_due_on: dt.date | None
    created_at: dt.datetime


class MilestoneOut(Schema):
    stage: str
    stage_label: str
    happened_on: dt.date
    note: str


class AttachmentOut(Schema):
    id: int
    name: str
    file_type: str
    size: int
    url: str


class BarrierSummaryOut(Schema):
    id: int
    title: str
    status: str
    status_label: str
    kind: str
    firm: RefOut | None = Field(description="소관기관에 기업 정보를 비공개한 경우 소관기관에는 null")
    lead_agency: AgencyRefOut | None
    sectors: list[str]
    affected_firm_count: int
    submitted_at: dt.datetime | None
    due_at: dt.datetime | None
    due_step: str
    overdue_days: int
    version: int


class BarrierOut(BarrierSummaryOut):
    body: str
    statutes_named: str
    desired_change: str
    harm_cost_won: int | None
    harm_delay_months: int | None
    harm_lost_market: str
    privacy: str
    seal_from_agency: bool
    cooperating_agencies: list[AgencyRefOut]
    escalation_level: int
    second_review_used: bool
    first_answered_at: dt.datetime | None
    closed_at: dt.datetime | None
    answers: list[AnswerOut]
    milestones: list[MilestoneOut]
    attachments: list[AttachmentOut]
    actions: list[str]


class BarrierPageOut(Schema):
    count: int = Field(
        description="조건에 맞는 건수. count_capped가 true면 정확히 세지 않은 하한입니다(count건보다 많음)."
    )
    count_capped: bool = Field(
        description="true면 1,000건(또는 이 페이지 끝)까지만 세었습니다: 일치하는 건이 count건보다 많습니다."
    )
    has_more: bool = Field(description="다음 페이지가 있으면 true(항상 정확함)")
    page: int
    page_size: int
    results: list[BarrierSummaryOut]


class TimelineEntryOut(Schema):
    when: dt.datetime
    actor: str
    title: str
    note: str
    internal: bool


class ReasonCodeOut(Schema):
    code: str
    label: str
