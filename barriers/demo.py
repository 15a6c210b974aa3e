"""Demo barriers for a laptop or a training session, driven through the real workflow services.

Each demo barrier is filed, triaged, forwarded, answered and reacted to by the service functions
officials and firms use, so its audit trail, clocks and answers are exactly what the workflow
produces. Idempotent: a barrier whose title the firm already filed is left alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Role, User
from agencies.models import Agency
from agencies.selectors import agency_by_name
from barriers.models import AnswerOutcome, Barrier, DeclineReason, OutcomeStage, Privacy, RequestKind
from barriers.services import intake, resolution
from firms.models import Firm


@dataclass(frozen=True)
class DemoAnswer:
    outcome: str
    body: str
    reason_code: str = ""
    legal_basis: str = ""
    plan_change: str = ""
    plan_statute: str = ""
    plan_due_in_days: int = 365
    milestones: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoBarrier:
    firm: str
    title: str
    body: str
    sectors: tuple[str, ...]
    statutes_named: str = ""
    desired_change: str = ""
    harm_cost_won: int | None = None
    harm_delay_months: int | None = None
    privacy: str = Privacy.PUBLIC_ANONYMOUS
    seal_from_agency: bool = False
    # How far through the workflow the demo takes it: draft, submitted, forwarded, answered, closed.
    stage: str = "submitted"
    agency: str = ""
    answer: DemoAnswer | None = None
    extra: dict[str, str] = field(default_factory=dict)


DEMO_BARRIERS = (
    DemoBarrier(
        firm="페이브릿지",
        title="소액 해외송금업 등록 시 자본금 요건이 스타트업에 과도합니다",
        body=(
            "저희는 외국인 근로자의 본국 송금을 돕는 앱을 운영하려고 합니다. 「외국환거래법 시행령」 "
            "제15조의2에 따른 소액해외송금업 등록에는 자기자본 10억원(일정 요건 충족 시 3억원)이 필요한데, "
            "초기 스타트업이 이를 갖추기 어렵습니다. 건당·연간 송금 한도가 정해져 있어 위험이 제한적인 만큼 "
            "자본금 요건을 사업 규모에 맞게 단계화해 주시기 바랍니다."
        ),
        sectors=("fintech",),
        statutes_named="외국환거래법 시행령 제15조의2",
        desired_change="송금 한도에 비례한 단계별 자본금 요건 도입",
        harm_cost_won=700_000_000,
        harm_delay_months=12,
        privacy=Privacy.PUBLIC_NAMED,
        stage="forwarded",
        agency="기획재정부",
    ),
    DemoBarrier(
        firm="페이브릿지",
        title="마이데이터 전송요구 범위에 보험 청구 정보가 빠져 있습니다",
        body=(
            "본인신용정보관리업(마이데이터) 사업자로서 고객의 요청으로 보험 정보를 모아 보여주고 있으나, "
            "「신용정보의 이용 및 보호에 관한 법률 시행령」 별표의 전송요구 대상에 보험금 청구 내역이 빠져 "
            "고객이 직접 각 보험사에 조회해야 합니다. 전송요구 대상 정보의 범위를 넓혀 주시기 바랍니다."
        ),
        sectors=("fintech",),
        statutes_named="신용정보법 시행령",
        desired_change="전송요구 대상에 보험금 청구 내역 추가",
        harm_delay_months=6,
        stage="submitted",
    ),
    DemoBarrier(
        firm="서울로보틱스랩",
        title="실외 배달로봇의 보도 통행 인증 절차가 길어 서비스를 시작하지 못합니다",
        body=(
            "실외이동로봇이 보도를 통행하려면 「지능형 로봇 개발 및 보급 촉진법」에 따른 운행안전인증을 "
            "받아야 하는데, 인증기관이 한 곳뿐이라 대기 기간이 6개월이 넘습니다. 양재 R&CD 특구에서 "
            "실증을 마친 로봇도 같은 절차를 처음부터 거쳐야 합니다. 실증 결과를 인증 시험에 반영해 주십시오."
        ),
        sectors=("robots",),
        statutes_named="지능형 로봇 개발 및 보급 촉진법 제40조의2",
        desired_change="실증특례 결과를 운행안전인증 시험 항목에 인정",
        harm_cost_won=150_000_000,
        harm_delay_months=6,
        privacy=Privacy.PUBLIC_NAMED,
        stage="closed",
        agency="산업통상자원부",
        answer=DemoAnswer(
            outcome=AnswerOutcome.ACCEPTED,
            body="실증특례 기간에 축적한 시험 결과를 운행안전인증 시험 항목 일부에 인정하도록 고시를 개정하겠습니다.",
            plan_change="운행안전인증 시험 일부 면제 기준 신설",
            plan_statute="실외이동로봇 운행안전인증 등에 관한 고시",
            plan_due_in_days=180,
            milestones=(OutcomeStage.PLAN, OutcomeStage.DRAFT_AMENDMENT),
        ),
    ),
    DemoBarrier(
        firm="오토웨이브",
        title="자율주행 시범운행지구 밖에서는 유상 운송 실증을 할 수 없습니다",
        body=(
            "「자율주행자동차 상용화 촉진 및 지원에 관한 법률」에 따라 시범운행지구 안에서만 유상 여객운송 "
            "특례를 받을 수 있습니다. 상암 지구의 노선이 짧아 수요 검증에 필요한 데이터가 충분히 모이지 "
            "않습니다. 인접 생활권까지 지구를 넓히거나 노선 단위로 특례를 인정해 주시기 바랍니다."
        ),
        sectors=("mobility",),
        statutes_named="자율주행자동차법 제9조",
        desired_change="시범운행지구 확대 또는 노선 단위 특례",
        harm_delay_months=18,
        stage="answered",
        agency="국토교통부",
        answer=DemoAnswer(
            outcome=AnswerOutcome.DECLINED,
            body="시범운행지구는 지방자치단체의 신청과 위원회 심의로 지정되므로 노선 단위 특례는 어렵습니다.",
            reason_code=DeclineReason.CONFLICTING_LAW,
            legal_basis="자율주행자동차 상용화 촉진 및 지원에 관한 법률 제7조",
        ),
    ),
    DemoBarrier(
        firm="메디링크",
        title="비대면 진료 앱에서 처방약 배송 연계를 할 수 없습니다",
        body=(
            "비대면 진료 후 처방전은 전송할 수 있지만 「약사법」 제50조에 따라 의약품은 약국에서 직접 "
            "받아야 해, 거동이 불편한 환자에게 서비스가 반쪽이 됩니다. 재진 환자와 섬·벽지 환자부터 "
            "의약품 배송을 허용해 주시기 바랍니다."
        ),
        sectors=("biohealth",),
        statutes_named="약사법 제50조",
        desired_change="재진·취약지 환자의 처방의약품 배송 허용",
        harm_delay_months=24,
        seal_from_agency=True,
        stage="answered",
        agency="보건복지부",
        answer=DemoAnswer(
            outcome=AnswerOutcome.LONG_TERM_REVIEW,
            body="의약품 배송은 안전성과 약국 생태계 영향에 대한 사회적 합의가 필요해 중장기 과제로 검토하겠습니다.",
        ),
    ),
    DemoBarrier(
        firm="딥포용",
        title="AI 학습용 가명정보 결합 절차",
        body="작성 중입니다. 가명정보 결합전문기관을 거치는 절차와 기간에 대해 정리하고 있습니다.",
        sectors=("ai",),
        stage="draft",
    ),
    DemoBarrier(
        firm="핀다움",
        title="온라인투자연계금융업의 기관투자자 참여 한도가 지나치게 낮습니다",
        body=(
            "「온라인투자연계금융업 및 이용자 보호에 관한 법률」 제35조는 연계대출마다 금융기관 등의 "
            "투자를 모집금액의 40% 이내로 제한합니다. 개인투자자 모집이 더딜 때 대출 실행이 늦어져 "
            "차입자 피해가 생깁니다. 일정 요건을 갖춘 상품은 한도를 완화해 주시기 바랍니다."
        ),
        sectors=("fintech",),
        statutes_named="온라인투자연계금융업법 제35조",
        desired_change="기관투자 한도 완화",
        harm_cost_won=300_000_000,
        harm_delay_months=3,
        seal_from_agency=True,
        stage="forwarded",
        agency="금융위원회",
    ),
)


def _account(*, role: str, email: str, name: str, **organisation: Any) -> User:
    """The organisation's first account with ``role``, or a quiet demo account that cannot sign in."""
    membership = Membership.objects.filter(role=role, **organisation).select_related("user").first()
    if membership:
        return membership.user
    user = User.objects.filter(email=email).first() or User.objects.create_user(email, None, name=name)
    Membership.objects.get_or_create(user=user, role=role, **organisation)
    return user


def _member(firm: Firm) -> User:
    email = f"filer-{firm.business_registration_number}@haechi.example"
    return _account(role=Role.FIRM_MEMBER, email=email, name=f"{firm.name} 담당자", firm=firm)


def _official(agency: Agency) -> User:
    email = f"official-{agency.pk}@haechi.example"
    return _account(role=Role.AGENCY_OFFICIAL, email=email, name=f"{agency.name} 담당관", agency=agency)


def _city_official() -> User | None:
    membership = Membership.objects.filter(role=Role.CITY_OFFICIAL).select_related("user").order_by("pk").first()
    return membership.user if membership else None


STAGES = ("draft", "submitted", "forwarded", "answered", "closed")


@transaction.atomic
def load_demo_barriers() -> int:
    """File the demo barriers that do not exist yet; return how many were created."""
    city = _city_official()
    created = 0
    for spec in DEMO_BARRIERS:
        firm = Firm.objects.filter(name=spec.firm).first()
        if firm is None or Barrier.objects.filter(firm=firm, title=spec.title).exists():
            continue
        agency = agency_by_name(spec.agency) if spec.agency else None
        reach = STAGES.index(spec.stage)
        if reach >= STAGES.index("forwarded") and (agency is None or city is None):
            continue  # reference data missing: leave the demo out rather than half-build it
        filer = _member(firm)
        barrier = intake.file_barrier(
            actor=filer,
            firm=firm,
            title=spec.title,
            body=spec.body,
            sector_codes=list(spec.sectors),
            statutes_named=spec.statutes_named,
            desired_change=spec.desired_change,
            harm_cost_won=spec.harm_cost_won,
            harm_delay_months=spec.harm_delay_months,
            privacy=spec.privacy,
            seal_from_agency=spec.seal_from_agency,
            submit=reach >= STAGES.index("submitted"),
        )
        created += 1
        if reach < STAGES.index("forwarded"):
            continue
        assert agency is not None and city is not None
        resolution.triage_barrier(barrier_id=barrier.pk, actor=city, kind=RequestKind.PROPOSAL, lead_agency=agency)
        resolution.forward_to_agency(barrier_id=barrier.pk, actor=city)
        if reach < STAGES.index("answered") or spec.answer is None:
            continue
        answer = spec.answer
        official = _official(agency)
        plan_due_on = timezone.localdate() + dt.timedelta(days=answer.plan_due_in_days)
        resolution.answer_barrier(
            barrier_id=barrier.pk,
            actor=official,
            outcome=answer.outcome,
            body=answer.body,
            reason_code=answer.reason_code,
            legal_basis=answer.legal_basis,
            plan_change=answer.plan_change,
            plan_statute=answer.plan_statute,
            plan_due_on=plan_due_on if answer.plan_change else None,
        )
        for stage in answer.milestones:
            resolution.record_outcome_milestone(
                barrier_id=barrier.pk, actor=official, stage=stage, happened_on=timezone.localdate()
            )
        if reach >= STAGES.index("closed"):
            resolution.react_to_answer(barrier_id=barrier.pk, actor=filer, satisfied=True)
    return created
