"""JSON API for co-signing, search before filing and association proxy filing, mounted into the
barriers router (``/api/barriers/...``) by ``barriers.api``. Handlers stay thin: parse, one service
or selector call, shape."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.security import django_auth
from pydantic import Field

from accounts.api import ErrorOut
from accounts.roles import roles_of
from barriers import selectors, selectors_cosigning, similarity
from barriers.models import BODY_MAX, TEXT_MAX, TITLE_MAX, Barrier, CoSignature, CoSignFlag
from barriers.services import cosigning, proxy_filing
from barriers.transitions import OPEN
from core.errors import NotFound, ValidationFailed
from core.idempotency import idempotent
from firms.models import Firm

router = Router(tags=["barriers"], auth=django_auth)

ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class CoSignIn(Schema):
    firm_id: int | None = Field(None, description="공동 서명하는 기업 (소속 기업이 하나면 생략)")
    account: str = Field("", max_length=TEXT_MAX * 2, description="우리 기업이 겪는 피해")
    harm_cost_won: int | None = None
    harm_delay_months: int | None = None
    show_to_filer: bool = Field(False, description="신청 기업에 우리 기업명을 보여 줌")


class CoSignatureOut(Schema):
    id: int
    firm_id: int | None = None
    firm_name: str | None = None
    account: str = ""
    harm_cost_won: int | None = None
    harm_delay_months: int | None = None
    show_to_filer: bool
    mine: bool
    via_association: bool
    created_at: dt.datetime


class CoSignersOut(Schema):
    barrier_id: int
    affected_firm_count: int
    cosigning_firms: int
    hidden: int
    results: list[CoSignatureOut]
    open_flags: int | None = None


class CoSignFlagOut(Schema):
    id: int
    barrier_id: int
    reason: str
    reason_label: str
    evidence: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime
    reviewed_at: dt.datetime | None = None


class SimilarIn(Schema):
    title: str = Field("", max_length=TITLE_MAX * 2)
    body: str = Field("", max_length=BODY_MAX * 2)
    firm_id: int | None = None
    exclude_id: int | None = None


class SimilarOut(Schema):
    barrier_id: int
    title: str
    snippet: str
    status_label: str
    sectors: list[str]
    affected_firm_count: int
    score: float
    own: bool
    can_cosign: bool


class MemberIn(Schema):
    firm_id: int
    seal_from_agency: bool = False


class ProxyFilingIn(Schema):
    members: list[MemberIn] = Field(..., max_length=proxy_filing.MAX_MEMBERS_PER_FILING)
    mode: str = Field(proxy_filing.SEPARATE, description="separate: 회원사마다 한 건 / joint: 한 건 + 공동 서명")
    title: str = Field(..., max_length=TITLE_MAX * 2)
    body: str = Field(..., max_length=BODY_MAX * 2)
    sector_codes: list[str] = Field(default_factory=list, max_length=6)
    kind: str | None = None
    privacy: str | None = None
    statutes_named: str = Field("", max_length=TEXT_MAX * 2)
    desired_change: str = Field("", max_length=TEXT_MAX * 2)
    submit: bool = False


class ProxyFilingOut(Schema):
    barrier_ids: list[int]
    affected_firm_count: list[int]


class StatusCountOut(Schema):
    status: str
    label: str
    count: int


class BoardRowOut(Schema):
    id: int
    title: str
    firm_id: int
    firm_name: str
    status: str
    status_label: str
    due_at: dt.datetime | None = None
    overdue: bool
    filed_by_association: bool
    sealed_from_agency: bool
    affected_firm_count: int


class BoardOut(Schema):
    association_id: int
    association_name: str
    member_count: int
    total: int
    overdue: int
    filed_by_association: int
    by_status: list[StatusCountOut]
    results: list[BoardRowOut]


def _acting_firm(request: HttpRequest, firm_id: int | None) -> Firm:
    """The firm named by ``firm_id``, or the user's only firm."""
    if firm_id is not None:
        firm = Firm.objects.filter(pk=firm_id).first()
        if firm is None:
            raise ValidationFailed(_("알 수 없는 기업입니다."), field="firm_id")
        return firm
    firm_ids = roles_of(request.user).firm_ids
    if len(firm_ids) == 1:
        return Firm.objects.get(pk=next(iter(firm_ids)))
    if not firm_ids:
        raise ValidationFailed(_("기업 회원만 공동 서명할 수 있습니다."), field="firm_id", code="no_firm")
    raise ValidationFailed(_("어느 기업으로 공동 서명하는지 firm_id로 알려 주세요."), field="firm_id")


def _cosignature_out(c: CoSignature, *, mine: bool) -> CoSignatureOut:
    return CoSignatureOut(
        id=c.pk,
        firm_id=c.firm_id,
        firm_name=c.firm.name,
        account=c.account,
        harm_cost_won=c.harm_cost_won,
        harm_delay_months=c.harm_delay_months,
        show_to_filer=c.show_to_filer,
        mine=mine,
        via_association=c.via_association_id is not None,
        created_at=c.created_at,
    )


def _barrier_known_to(user: Any, barrier_id: int) -> Barrier:
    """The barrier if ``user`` may see it, or if it is public for co-signing; otherwise 404."""
    try:
        return selectors.barrier_for_user(user, barrier_id)
    except NotFound:
        return selectors_cosigning.public_barrier(barrier_id, user)


def _cosigners_out(request: HttpRequest, barrier_id: int) -> CoSignersOut:
    barrier = _barrier_known_to(request.user, barrier_id)
    view = selectors_cosigning.visible_cosignatures(barrier, request.user)
    mine = {c.pk for c in view.mine}
    return CoSignersOut(
        barrier_id=barrier.pk,
        affected_firm_count=barrier.affected_firm_count,
        cosigning_firms=view.count,
        hidden=view.hidden,
        results=[_cosignature_out(c, mine=c.pk in mine) for c in view.named],
        open_flags=selectors_cosigning.open_flag_count(barrier, request.user),
    )


@router.get(
    "/{barrier_id}/cosignatures", response={200: CoSignersOut, **ERRORS}, summary="공동 서명 기업(볼 수 있는 만큼)"
)
def list_cosignatures(request: HttpRequest, barrier_id: int) -> CoSignersOut:
    return _cosigners_out(request, barrier_id)


@router.post(
    "/{barrier_id}/cosignatures",
    response={201: CoSignersOut, **ERRORS, 422: ErrorOut},
    summary="공동 서명(우리도 겪고 있다)",
)
@decorate_view(idempotent("barriers.cosign"))  # Idempotency-Key: replay, 409 in flight, 422 reused
def cosign(request: HttpRequest, barrier_id: int, payload: CoSignIn) -> Status[CoSignersOut]:
    cosigning.cosign_barrier(
        barrier_id=barrier_id,
        actor=request.user,
        firm=_acting_firm(request, payload.firm_id),
        account=payload.account,
        harm_cost_won=payload.harm_cost_won,
        harm_delay_months=payload.harm_delay_months,
        show_to_filer=payload.show_to_filer,
    )
    return Status(201, _cosigners_out(request, barrier_id))


@router.put(
    "/{barrier_id}/cosignatures", response={200: CoSignersOut, **ERRORS}, summary="우리 공동 서명의 피해 설명 수정"
)
def update_cosignature(request: HttpRequest, barrier_id: int, payload: CoSignIn) -> CoSignersOut:
    firm = _acting_firm(request, payload.firm_id) if payload.firm_id is not None else None
    cosigning.update_cosignature(
        barrier_id=barrier_id,
        actor=request.user,
        firm=firm,
        account=payload.account,
        harm_cost_won=payload.harm_cost_won,
        harm_delay_months=payload.harm_delay_months,
        show_to_filer=payload.show_to_filer,
    )
    return _cosigners_out(request, barrier_id)


class FirmQuery(Schema):
    firm_id: int | None = None


@router.delete("/{barrier_id}/cosignatures", response={200: CoSignersOut, **ERRORS}, summary="공동 서명 철회")
def withdraw_cosignature(request: HttpRequest, barrier_id: int, query: Query[FirmQuery]) -> CoSignersOut:
    firm = _acting_firm(request, query.firm_id) if query.firm_id is not None else None
    cosigning.withdraw_cosignature(barrier_id=barrier_id, actor=request.user, firm=firm)
    return _cosigners_out(request, barrier_id)


class FlagQuery(Schema):
    barrier_id: int | None = None
    unreviewed: bool = False
    limit: int = Field(100, ge=1, le=500)


def _flag_out(flag: CoSignFlag) -> CoSignFlagOut:
    return CoSignFlagOut(
        id=flag.pk,
        barrier_id=flag.barrier_id,
        reason=flag.reason,
        reason_label=str(flag.get_reason_display()),
        evidence=flag.evidence,
        created_at=flag.created_at,
        updated_at=flag.updated_at,
        reviewed_at=flag.reviewed_at,
    )


@router.get("/cosigning/flags", response={200: list[CoSignFlagOut], **ERRORS}, summary="공동 서명 이상 징후(서울시)")
def list_cosign_flags(request: HttpRequest, query: Query[FlagQuery]) -> list[CoSignFlagOut]:
    barrier = None
    if query.barrier_id is not None:
        barrier = Barrier.objects.filter(pk=query.barrier_id).first()
        if barrier is None:
            raise NotFound(_("규제 애로를 찾을 수 없습니다."))
    flags = selectors_cosigning.cosign_flags(request.user, barrier=barrier, unreviewed_only=query.unreviewed)
    return [_flag_out(f) for f in flags[: query.limit]]


@router.post(
    "/cosigning/flags/{flag_id}/review", response={200: CoSignFlagOut, **ERRORS}, summary="이상 징후 확인 처리"
)
def review_cosign_flag(request: HttpRequest, flag_id: int) -> CoSignFlagOut:
    return _flag_out(cosigning.review_cosign_flag(flag_id=flag_id, actor=request.user))


@router.post("/search/similar", response={200: list[SimilarOut], **ERRORS}, summary="비슷한 규제 애로(작성 전 검색)")
def similar(request: HttpRequest, payload: SimilarIn) -> list[SimilarOut]:
    firm = Firm.objects.filter(pk=payload.firm_id).first() if payload.firm_id is not None else None
    results = similarity.similar_barriers(
        user=request.user, firm=firm, title=payload.title, body=payload.body, exclude_id=payload.exclude_id
    )
    return [SimilarOut(**r.__dict__) for r in results]


# -- association proxy filing ------------------------------------------------------------------------


@router.post(
    "/associations/{association_id}/filings",
    response={201: ProxyFilingOut, **ERRORS},
    summary="협회 대리 접수(회원사 한 곳 이상)",
)
def proxy_file(request: HttpRequest, association_id: int, payload: ProxyFilingIn) -> Status[ProxyFilingOut]:
    association = selectors_cosigning.association_for_user(request.user, association_id)
    wanted = [m.firm_id for m in payload.members]
    firms = Firm.objects.in_bulk(wanted)
    missing = [i for i in wanted if i not in firms]
    if missing:
        raise ValidationFailed(_("알 수 없는 기업입니다: %(ids)s") % {"ids": missing[:5]}, field="members")
    extra: dict[str, Any] = {"statutes_named": payload.statutes_named, "desired_change": payload.desired_change}
    if payload.kind:
        extra["kind"] = payload.kind
    if payload.privacy:
        extra["privacy"] = payload.privacy
    barriers = proxy_filing.file_for_members(
        actor=request.user,
        association=association,
        members=[
            proxy_filing.MemberFiling(firm=firms[m.firm_id], seal_from_agency=m.seal_from_agency)
            for m in payload.members
        ],
        title=payload.title,
        body=payload.body,
        sector_codes=payload.sector_codes,
        mode=payload.mode,
        submit=payload.submit,
        **extra,
    )
    return Status(
        201,
        ProxyFilingOut(
            barrier_ids=[b.pk for b in barriers], affected_firm_count=[b.affected_firm_count for b in barriers]
        ),
    )


class BoardQuery(Schema):
    status: str | None = Field(None, max_length=20)
    overdue: bool = False
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=200)


@router.get("/associations/{association_id}/board", response={200: BoardOut, **ERRORS}, summary="협회 회원사 처리 현황")
def association_board(request: HttpRequest, association_id: int, query: Query[BoardQuery]) -> BoardOut:
    association = selectors_cosigning.association_for_user(request.user, association_id)
    now = timezone.now()
    board = selectors_cosigning.association_board(request.user, association, as_of=now)
    qs = board.barriers
    if query.status:
        qs = qs.filter(status=query.status)
    if query.overdue:
        qs = qs.filter(due_at__lt=now, status__in=OPEN)
    start = (query.page - 1) * query.page_size
    rows = list(qs[start : start + query.page_size])
    return BoardOut(
        association_id=association.pk,
        association_name=association.name,
        member_count=board.member_count,
        total=board.total,
        overdue=board.overdue,
        filed_by_association=board.filed_by_association,
        by_status=[StatusCountOut(status=s, label=label, count=n) for s, label, n in board.by_status],
        results=[
            BoardRowOut(
                id=b.pk,
                title=b.title,
                firm_id=b.firm_id,
                firm_name=b.firm.name,
                status=b.status,
                status_label=str(b.get_status_display()),
                due_at=b.due_at,
                overdue=b.due_at is not None and b.due_at < now and b.status in OPEN,
                filed_by_association=b.filed_via_association_id == association.pk,
                sealed_from_agency=b.seal_from_agency,
                affected_firm_count=b.affected_firm_count,
            )
            for b in rows
        ],
    )
