"""JSON API for barriers (mounted at /api/barriers): list, create, read, one POST per transition,
attachments. Handlers parse input, make one service or selector call and shape the output."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.files import UploadedFile
from ninja.renderers import JSONRenderer
from ninja.security import django_auth
from pydantic import Field

from accounts.api import ErrorOut
from accounts.permissions import can, require
from accounts.roles import roles_of
from agencies.models import Agency
from barriers import deadlines, files, presenters, selectors, services
from barriers.agency_table import agency_refs
from barriers.api_cosigning import router as cosigning_router
from barriers.models import Attachment, BarrierStatus, DeclineReason
from barriers.schemas import (
    AnswerIn,
    BarrierIn,
    BarrierOut,
    BarrierPageOut,
    DraftPatchIn,
    ExtensionIn,
    ForwardIn,
    InformationIn,
    InformationRequestIn,
    InternalNoteIn,
    MilestoneIn,
    NoteIn,
    ReactionIn,
    ReasonCodeOut,
    RefOut,
    RequiredNoteIn,
    TimelineEntryOut,
    TransferIn,
    TriageIn,
    VersionIn,
    WithdrawIn,
)
from barriers.services.intake import member_firm
from core.errors import NotFound, ValidationFailed
from core.idempotency import PendingKey, Unfolded, idempotent, in_idempotent_transaction, pending_key
from core.text import normalize_identifier
from firms.models import Firm
from privacy.services import record_identity_view

router = Router(tags=["barriers"], auth=django_auth)
# Co-signing, search before filing and association proxy filing (barriers/api_cosigning.py).
router.add_router("", cosigning_router)

_JSON = JSONRenderer()
_JSON_TYPE = f"{_JSON.media_type}; charset={_JSON.charset}"
ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
_ETAG = re.compile(r'^(?:W/)?"?(\d{1,9})"?$')


class ListFilter(Schema):
    status: BarrierStatus | None = None
    sector: str | None = Field(None, max_length=20)
    agency: str | None = Field(None, max_length=60)
    overdue: bool = False
    q: str | None = Field(None, max_length=100)
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(20, ge=1, le=100)


def _expected_version(request: HttpRequest, payload: VersionIn | DraftPatchIn | None) -> int | None:
    """The version the client read: the If-Match header (an ETag) or the payload's ``version``."""
    header = request.headers.get("If-Match")
    if header:
        match = _ETAG.match(header.strip())
        if not match:
            raise ValidationFailed(_("If-Match 헤더 형식이 올바르지 않습니다."), field="If-Match")
        return int(match.group(1))
    return payload.version if payload is not None else None


def _agency(code: str | None, *, field: str) -> Agency:
    agency = Agency.objects.filter(code=normalize_identifier(code or ""), is_active=True).first()
    if agency is None:
        raise ValidationFailed(_("알 수 없는 기관입니다."), field=field)
    return agency


def _detail(request: HttpRequest, response: HttpResponse, barrier_id: int) -> dict[str, Any]:
    barrier = selectors.barrier_for_user(request.user, barrier_id)
    response["ETag"] = f'"{barrier.version}"'
    if can(request.user, "barrier.view_identity", barrier):  # 개인정보 열람 기록
        record_identity_view(viewer=request.user, barrier=barrier, request=request)
    return presenters.detail(barrier, request.user, now=timezone.now())


def _page(
    build: Callable[[], Any],
    request: HttpRequest,
    filters: ListFilter,
    *,
    key: Hashable | None,
    queue: selectors.QueueFilter | None = None,
) -> HttpResponse:
    """One page in the shape of ``BarrierPageOut``, rendered as JSON directly.

    The rows are plain values already in the schema's types (``presenters.summary``); having
    django-ninja validate the page against the schema again cost a millisecond a page on the
    busiest read, for nothing. The schema still documents the answer in the OpenAPI
    description, and ``tests/test_queue_order.py`` checks every key and type of real pages
    against it. ``queue``: ``qs`` is the work queue with these filters (its count can use the
    queue's index).

    ``build`` makes the list's queryset; its rows are read with ``selectors.summary_rows``,
    whose compiled SQL is reused for the same ``key`` (what ``build`` depends on besides the
    viewer's roles; None when it depends on the time), and it is only built when the page's
    rows must be counted or compiled."""
    now = timezone.now()
    user = request.user

    def fetch(start: int, stop: int) -> list[Any]:
        return selectors.summary_rows(user, build, key=key, start=start, stop=stop)

    if queue is not None:
        page = selectors.work_queue_page(
            user, build, filters=queue, page=filters.page, page_size=filters.page_size, fetch=fetch
        )
    else:
        page = selectors.page_of(build, page=filters.page, page_size=filters.page_size, fetch=fetch)
    rows = page.rows
    selectors.prefetch_for_identity(rows, request.user)
    sectors = selectors.sector_codes_of([b.pk for b in rows]) if rows else {}
    agencies = agency_refs(b.lead_agency_id for b in rows)
    # Declared closures only matter to rows already overdue.
    overdue = any(b.due_at is not None and b.due_at < now for b in rows)
    closures = deadlines.extra_closures(around=now) if overdue else frozenset()
    clock = presenters.PageClock(now, closures)
    data = {
        "count": page.count,
        "count_capped": page.count_capped,
        "has_more": page.has_more,
        "page": filters.page,
        "page_size": filters.page_size,
        "results": [
            presenters.summary(
                b,
                user,
                now=now,
                closures=closures,
                sector_codes=sectors[b.pk],
                agencies=agencies,
                clock=clock,
                times_as_text=True,
            )
            for b in rows
        ],
    }
    # The API's renderer (django-ninja's default JSON one), as every other answer is rendered.
    return HttpResponse(_JSON.render(request, data, response_status=200), content_type=_JSON_TYPE)


def _queue_filter(filters: ListFilter) -> selectors.QueueFilter:
    agency_id = _agency(filters.agency, field="agency").pk if filters.agency else None
    return selectors.QueueFilter(
        sector=(filters.sector or "").strip().lower(),
        agency_id=agency_id,
        status=filters.status.value if filters.status else "",
        overdue=filters.overdue,
        q=normalize_identifier(filters.q or ""),
    )


@router.get("/reason-codes", response=list[ReasonCodeOut], auth=None, summary="수용곤란 사유 코드(공개 목록)")
def reason_codes(request: HttpRequest) -> list[ReasonCodeOut]:
    return [ReasonCodeOut(code=c.value, label=str(c.label)) for c in DeclineReason]


@router.get("", response={200: BarrierPageOut, **ERRORS}, summary="내가 볼 수 있는 규제 애로")
def list_barriers(request: HttpRequest, filters: Query[ListFilter]) -> HttpResponse:
    qf = _queue_filter(filters)
    moment = timezone.now()
    # The overdue filter compares with the time: its SQL is compiled afresh for each request.
    return _page(
        lambda: selectors.visible_barriers(request.user, filters=qf, as_of=moment),
        request,
        filters,
        key=None if qf.overdue else ("list", qf),
    )


@router.get("/queue", response={200: BarrierPageOut, **ERRORS}, summary="담당자 업무 목록(긴급도순)")
def queue(request: HttpRequest, filters: Query[ListFilter]) -> HttpResponse:
    require(request.user, "barrier.queue")
    queue_filter = _queue_filter(filters)
    moment = timezone.now()
    # The overdue filter compares with the time: its SQL is compiled afresh for each request.
    key = None if queue_filter.overdue else ("queue", queue_filter)
    return _page(
        lambda: selectors.work_queue(request.user, as_of=moment, filters=queue_filter),
        request,
        filters,
        key=key,
        queue=queue_filter,
    )


@router.post("", response={201: BarrierOut, **ERRORS, 422: ErrorOut}, summary="규제 애로 작성·접수")
# Idempotency-Key: replay, 409 in flight, 422 reused; a draft writes its key in its one statement.
@decorate_view(idempotent("barriers.create", one_statement=True))
def create_barrier(request: HttpRequest, payload: BarrierIn) -> HttpResponse:
    roles = roles_of(request.user)
    # The firm's name is all the answer shows of it (and its id all the checks need).
    if payload.firm_id is not None:
        firm_id = payload.firm_id
    elif len(roles.firm_ids) == 1:
        firm_id = next(iter(roles.firm_ids))
    else:
        raise ValidationFailed(_("어느 기업의 애로인지 firm_id로 알려 주세요."), field="firm_id")
    # A firm of the filer's own memberships exists: not read here (its name comes back with the
    # insert); another (association staff filing for a member firm) is read and checked.
    firm = member_firm(firm_id) if firm_id in roles.firm_ids else selectors.firm_for_filing(firm_id)
    if firm is None:
        raise ValidationFailed(_("알 수 없는 기업입니다."), field="firm_id")
    fields = payload.dict(exclude={"firm_id"})
    kwargs = {
        "title": fields.pop("title"),
        "body": fields.pop("body"),
        "sector_codes": fields.pop("sector_codes"),
        "submit": fields.pop("submit"),
        **{k: (v.value if hasattr(v, "value") else v) for k, v in fields.items()},
    }
    pending = pending_key(request)
    if pending is not None:
        return _create_with_key(request, pending, firm, kwargs)
    # Under an Idempotency-Key the filing shares the key's transaction, which a failure rolls back
    # whole: no savepoint of its own.
    barrier = services.file_barrier(
        actor=request.user, firm=firm, savepoint=not in_idempotent_transaction(request), **kwargs
    )
    _FIRM_NAMES.remember(firm)
    return _created(request, barrier)


def _created(request: HttpRequest, barrier: Any) -> HttpResponse:
    """The answer to a create: the barrier just filed, as ``BarrierOut``, with its ETag."""
    # A barrier just filed has no answers, milestones or attachments: shape it without re-reading.
    shaped = presenters.detail(barrier, request.user, now=timezone.now(), fresh=True)
    answer = HttpResponse(_JSON.render(request, _as_barrier_out(shaped), response_status=201), status=201)
    answer["Content-Type"] = _JSON_TYPE
    answer["ETag"] = f'"{barrier.version}"'
    return answer


# How the answer shaped before the statement that files the barrier opens (its id still 0).
_ANSWER_OPENING = b'{"id": 0'


def _create_with_key(request: HttpRequest, pending: PendingKey, firm: Any, kwargs: dict[str, Any]) -> HttpResponse:
    """File a draft and write its Idempotency-Key with the answer in one statement (see
    ``idempotent(one_statement=True)``). The answer is shaped before the barrier has its id: the
    id is spliced into the stored answer by the statement, and into the one sent here after it.
    The firm's name it shows comes from ``_FIRM_NAMES`` (not read: that is what made the filing
    read it in its statement), and the key is written only if the name is still the firm's —
    otherwise nothing is, and the request goes the usual way (``Unfolded``)."""
    name = firm.name if "name" not in firm.get_deferred_fields() else _FIRM_NAMES.get(firm.pk)
    if name is None:
        raise Unfolded  # not known yet in this process: the usual way reads it (and keeps it)
    checks_name = "name" in firm.get_deferred_fields()
    firm.name = name
    answer: HttpResponse | None = None
    head = tail = b""

    def gate(barrier: Any, connection: Any, id_sql: str) -> tuple[str, list[Any]]:
        nonlocal answer, head, tail
        answer = _created(request, barrier)  # the barrier's id is 0 here (none yet)
        content = answer.content
        if not content.startswith(_ANSWER_OPENING):  # "id" is BarrierOut's first key
            raise AssertionError("the create answer does not open with the barrier's id")
        head, tail = content[: len(_ANSWER_OPENING) - 1], content[len(_ANSWER_OPENING) :]
        source, extra = "ids", []
        if checks_name:
            firms = Firm._meta
            quote = connection.ops.quote_name
            source += (
                f" WHERE EXISTS (SELECT 1 FROM {quote(firms.db_table)} WHERE {quote(firms.pk.column)} = %s "
                f"AND {quote(firms.get_field('name').column)} = %s)"
            )
            extra = [firm.pk, name]
        sql, params = pending.record_sql(
            connection, source=source, id_sql=id_sql, response=answer, head=head, tail=tail
        )
        return sql, params + extra

    try:
        barrier = services.file_barrier(actor=request.user, firm=firm, gate=gate, **kwargs)
    except Unfolded:
        if answer is not None and checks_name:
            _FIRM_NAMES.forget(firm.pk)  # the statement wrote nothing: perhaps the firm was renamed
        raise
    pending.settle(written=True)
    assert answer is not None
    answer.content = head + str(barrier.pk).encode() + tail  # what the statement stored
    return answer


class _FirmNames:
    """Firm names this process has shown in create answers, by firm id: a keyed create shapes
    its answer before its statement, which writes only if the name is still the firm's."""

    LIMIT = 10_000

    def __init__(self) -> None:
        self._names: dict[int, str] = {}

    def get(self, firm_id: int) -> str | None:
        return self._names.get(firm_id)

    def remember(self, firm: Any) -> None:
        if "name" in firm.get_deferred_fields():
            return
        if len(self._names) >= self.LIMIT:
            self._names.clear()
        self._names[firm.pk] = firm.name

    def forget(self, firm_id: int) -> None:
        self._names.pop(firm_id, None)


_FIRM_NAMES = _FirmNames()


# BarrierOut's keys in the order its validation writes them (its fields', nested ones included).
_BARRIER_OUT_KEYS = tuple(BarrierOut.model_fields)
_FIRM_KEYS = tuple(RefOut.model_fields)


def _as_barrier_out(shaped: dict[str, Any]) -> dict[str, Any]:
    """``shaped`` (``presenters.detail`` of a barrier just filed) as django-ninja would answer it
    after validating it against ``BarrierOut``: the same keys in the schema's order. The values
    are already of the schema's types (the presenter builds them so), and a new barrier has no
    nested lists but its sector codes and actions: validating our own answer again cost a
    millisecond of every filing. The OpenAPI schema still says ``BarrierOut``;
    ``tests/test_create_cost.py`` checks the bytes against the validated answer."""
    out = {key: shaped[key] for key in _BARRIER_OUT_KEYS}
    firm = out["firm"]
    if firm is not None:
        out["firm"] = {key: firm[key] for key in _FIRM_KEYS}
    return out


@router.get("/{barrier_id}", response={200: BarrierOut, **ERRORS}, summary="규제 애로 상세")
def get_barrier(request: HttpRequest, response: HttpResponse, barrier_id: int) -> dict[str, Any]:
    return _detail(request, response, barrier_id)


@router.patch("/{barrier_id}", response={200: BarrierOut, **ERRORS}, summary="초안 수정(자동 저장)")
def patch_draft(request: HttpRequest, response: HttpResponse, barrier_id: int, payload: DraftPatchIn) -> dict[str, Any]:
    changes = {
        k: (v.value if hasattr(v, "value") else v)
        for k, v in payload.dict(exclude_unset=True).items()
        if k != "version"
    }
    services.update_draft(
        barrier_id=barrier_id, actor=request.user, expected_version=_expected_version(request, payload), **changes
    )
    return _detail(request, response, barrier_id)


@router.get("/{barrier_id}/timeline", response={200: list[TimelineEntryOut], **ERRORS}, summary="처리 이력")
def timeline(request: HttpRequest, barrier_id: int) -> list[TimelineEntryOut]:
    barrier = selectors.barrier_for_user(request.user, barrier_id)
    return [
        TimelineEntryOut(when=e.when, actor=e.actor, title=e.title, note=e.note, internal=e.internal)
        for e in selectors.barrier_timeline(barrier, request.user)
    ]


# -- transitions: one POST each -------------------------------------------------------------------


def _before_forwarding(request: HttpRequest, response: HttpResponse, barrier: Any) -> dict[str, Any]:
    """The answer to a submit or a triage, shaped from the row the service locked and changed
    (its firm, sectors and co-operating agencies already on it) instead of reading it again.

    The service's guard checked that the actor sees the barrier; a barrier submitted or triaged
    has never been forwarded (no verb leads back to those states), so it has no answers and no
    milestones yet — only its attachments (a draft may carry some) are read."""
    now = timezone.now()
    response["ETag"] = f'"{barrier.version}"'
    if can(request.user, "barrier.view_identity", barrier):  # 개인정보 열람 기록
        record_identity_view(viewer=request.user, barrier=barrier, request=request)
    shaped = presenters.detail(barrier, request.user, now=now, fresh=True)
    shaped["overdue_days"] = selectors.overdue_days(barrier, as_of=now)  # with declared closures
    shaped["cooperating_agencies"] = [{"code": a.code, "name": a.name} for a in barrier.cooperating_agencies.all()]
    shaped["attachments"] = [
        {
            "id": a.pk,
            "name": name,
            "file_type": a.file_type,
            "size": a.size,
            "url": reverse("barriers:attachment", args=[barrier.pk, a.pk]),
        }
        for a, name in selectors.attachments_for(barrier, request.user)
    ]
    return shaped


@router.post("/{barrier_id}/submit", response={200: BarrierOut, **ERRORS}, summary="접수")
def submit(request: HttpRequest, response: HttpResponse, barrier_id: int, payload: VersionIn) -> dict[str, Any]:
    barrier = services.submit_barrier(
        barrier_id=barrier_id, actor=request.user, expected_version=_expected_version(request, payload)
    )
    return _before_forwarding(request, response, barrier)


@router.post("/{barrier_id}/triage", response={200: BarrierOut, **ERRORS}, summary="검토·분류(서울시)")
def triage(request: HttpRequest, response: HttpResponse, barrier_id: int, payload: TriageIn) -> dict[str, Any]:
    barrier = services.triage_barrier(
        barrier_id=barrier_id,
        actor=request.user,
        kind=payload.kind.value,
        lead_agency=_agency(payload.lead_agency_code, field="lead_agency_code"),
        cooperating_agencies=[_agency(c, field="cooperating_agency_codes") for c in payload.cooperating_agency_codes],
        sector_codes=payload.sector_codes,
        note=payload.note,
        expected_version=_expected_version(request, payload),
    )
    return _before_forwarding(request, response, barrier)


@router.post("/{barrier_id}/forward", response={200: BarrierOut, **ERRORS}, summary="소관기관 전달(서울시)")
def forward(request: HttpRequest, response: HttpResponse, barrier_id: int, payload: ForwardIn) -> dict[str, Any]:
    agency = _agency(payload.agency_code, field="agency_code") if payload.agency_code else None
    services.forward_to_agency(
        barrier_id=barrier_id,
        actor=request.user,
        agency=agency,
        note=payload.note,
        expected_version=_expected_version(request, payload),
    )
    return _detail(request, response, barrier_id)


@router.post("/{barrier_id}/transfer", response={200: BarrierOut, **ERRORS}, summary="이송(소관기관)")
def transfer(request: HttpRequest, response: HttpResponse, barrier_id: int, payload: TransferIn) -> dict[str, Any]:
    services.transfer_barrier(
        barrier_id=barrier_id,
        actor=request.user,
        to_agency=_agency(payload.agency_code, field="agency_code"),
        reason=payload.reason,
        expected_version=_expected_version(request, payload),
    )
    return selectors_detail_or_gone(request, response, barrier_id)


def selectors_detail_or_gone(request: HttpRequest, response: HttpResponse, barrier_id: int) -> Any:
    """After 이송 the former agency may no longer see the case: answer with a minimal body."""
    try:
        return _detail(request, response, barrier_id)
    except NotFound:
        return Status(404, {"code": "transferred", "message": _("이송되어 더 이상 볼 수 없습니다.")})


@router.post(
    "/{barrier_id}/request-information", response={200: BarrierOut, **ERRORS}, summary="추가 정보 요청(소관기관)"
)
def request_information(
    request: HttpRequest, response: HttpResponse, barrier_id: int, payload: InformationRequestIn
) -> dict[str, Any]:
    services.request_more_information(
        barrier_id=barrier_id,
        actor=request.user,
        questions=payload.questions,
        expected_version=_expected_version(request, payload),
    )
    return _detail(request, response, barrier_id)


@router.post("/{barrier_id}/provide-information", response={200: BarrierOut, **ERRORS}, summary="추가 정보 제출")
def provide_information(
    request: HttpRequest, response: HttpResponse, barrier_id: int, payload: InformationIn
) -> dict[str, Any]:
    services.provide_information(
        barrier_id=barrier_id,
        actor=request.user,
        response=payload.response,
        expected_version=_expected_version(request, payload),
    )
    return _detail(request, response, barrier_id)


@router.post("/{barrier_id}/answer", response={200: BarrierOut, **ERRORS}, summary="회신(소관기관)")
def answer(request: HttpRequest, response: HttpResponse, barrier_id: int, payload: AnswerIn) -> dict[str, Any]:
    services.answer_barrier(
        barrier_id=barrier_id,
        actor=request.user,
        outcome=payload.outcome.value,
        body=payload.body,
        reason_code=payload.reason_code.value if payload.reason_code else "",
        legal_basis=payload.legal_basis,
        plan_change=payload.plan_change,
        plan_statute=payload.plan_statute,
        plan_due_on=payload.plan_due_on,
        expected_version=_expected_version(request, payload),
    )
    return _detail(request, response, barrier_id)


@router.post("/{barrier_id}/react", response={200: BarrierOut, **ERRORS}, summary="회신 수용 또는 재검토 요청")
def react(request: HttpRequest, response: HttpResponse, barrier_id: int, payload: ReactionIn) -> dict[str, Any]:
    services.react_to_answer(
        barrier_id=barrier_id,
        actor=request.user,
        satisfied=payload.satisfied,
        reasons=payload.reasons,
        expected_version=_expected_version(request, payload),
    )
    return _detail(request, response, barrier_id)


@router.post("/{barrier_id}/escalate", response={200: BarrierOut, **ERRORS}, summary="상정(서울시)")
def escalate(request: HttpRequest, response: HttpResponse, barrier_id: int, payload: RequiredNoteIn) -> dict[str, Any]:
    services.escalate_barrier(
        barrier_id=barrier_id,
        actor=request.user,
        note=payload.note,
        expected_version=_expected_version(request, payload),
    )
    return _detail(request, response, barrier_id)


@router.post("/{barrier_id}/close", response={200: BarrierOut, **ERRORS}, summary="종결(서울시)")
def close(request: HttpRequest, response: HttpResponse, barrier_id: int, payload: RequiredNoteIn) -> dict[str, Any]:
    services.close_barrier(
        barrier_id=barrier_id,
        actor=request.user,
        note=payload.note,
        expected_version=_expected_version(request, payload),
    )
    return _detail(request, response, barrier_id)


@router.post("/{barrier_id}/withdraw", response={200: BarrierOut, **ERRORS}, summary="취하")
def withdraw(request: HttpRequest, response: HttpResponse, barrier_id: int, payload: WithdrawIn) -> dict[str, Any]:
    services.withdraw_barrier(
        barrier_id=barrier_id,
        actor=request.user,
        reason=payload.reason,
        expected_version=_expected_version(request, payload),
    )
    return _detail(request, response, barrier_id)


@router.post("/{barrier_id}/extend-deadline", response={200: BarrierOut, **ERRORS}, summary="처리기간 연장")
def extend(request: HttpRequest, response: HttpResponse, barrier_id: int, payload: ExtensionIn) -> dict[str, Any]:
    services.extend_deadline(
        barrier_id=barrier_id,
        actor=request.user,
        reason_code=payload.reason_code,
        reason=payload.reason,
        days=payload.days,
        filer_consented=payload.filer_consented,
        expected_version=_expected_version(request, payload),
    )
    return _detail(request, response, barrier_id)


@router.post("/{barrier_id}/outcomes", response={200: BarrierOut, **ERRORS}, summary="개선 이행 기록")
def record_outcome(
    request: HttpRequest, response: HttpResponse, barrier_id: int, payload: MilestoneIn
) -> dict[str, Any]:
    services.record_outcome_milestone(
        barrier_id=barrier_id,
        actor=request.user,
        stage=payload.stage.value,
        happened_on=payload.happened_on,
        note=payload.note,
    )
    return _detail(request, response, barrier_id)


@router.post("/{barrier_id}/notes", response={201: TimelineEntryOut, **ERRORS}, summary="내부 메모(담당자)")
def add_note(request: HttpRequest, barrier_id: int, payload: InternalNoteIn) -> Status[TimelineEntryOut]:
    note = services.add_internal_note(barrier_id=barrier_id, actor=request.user, body=payload.body)
    actor = note.agency.name if note.agency else _("서울시")
    return Status(
        201, TimelineEntryOut(when=note.created_at, actor=actor, title=_("내부 메모"), note=note.body, internal=True)
    )


# -- attachments -----------------------------------------------------------------------------------


@router.post("/{barrier_id}/attachments", response={201: BarrierOut, **ERRORS}, summary="파일 첨부")
def upload(
    request: HttpRequest, response: HttpResponse, barrier_id: int, file: File[UploadedFile]
) -> Status[dict[str, Any]]:
    data = file.read(files.MAX_BYTES + 1)
    services.add_attachment(barrier_id=barrier_id, actor=request.user, name=file.name or "", data=data)
    return Status(201, _detail(request, response, barrier_id))


@router.get("/{barrier_id}/attachments/{attachment_id}", response={200: None, **ERRORS}, summary="첨부 파일 받기")
def download(request: HttpRequest, barrier_id: int, attachment_id: int) -> FileResponse:
    return attachment_response(request.user, barrier_id=barrier_id, attachment_id=attachment_id)


def attachment_response(user: Any, *, barrier_id: int, attachment_id: int) -> FileResponse:
    """The file, after the permission check, always as a download with the sniffed type."""
    barrier = selectors.barrier_for_user(user, barrier_id)
    for attachment, name in selectors.attachments_for(barrier, user):
        if attachment.pk == attachment_id:
            return _file_response(attachment, name)
    raise NotFound(_("파일을 찾을 수 없습니다."))


def _file_response(attachment: Attachment, name: str) -> FileResponse:
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


__all__ = ["VersionIn", "NoteIn", "router", "attachment_response"]
