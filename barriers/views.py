"""Barrier pages (htmx): filing with autosave and preview, my barriers, the barrier page with its
timeline and actions, the official work queue with filters and bulk forwarding, attachments.

Views parse a form, call one service and re-render; forms post an *action*, never a status.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import can
from accounts.roles import roles_of
from barriers import deadlines, forms, selectors, services
from barriers.api import attachment_response
from barriers.files import MAX_BYTES
from barriers.models import Barrier, BarrierStatus, ClockStep
from barriers.transitions import OPEN
from core.errors import DomainError, NotFound
from firms.models import AssociationMembership, Firm
from privacy.services import record_identity_view


def _error_status(request: HttpRequest, status: int) -> int:
    """The status of a refused action: the real 4xx, for full pages and htmx fragments alike
    (base.html's htmx-config ``responseHandling`` swaps 4xx fragments in)."""
    return status


def _is_htmx(request: HttpRequest) -> bool:
    """HX-Request only picks a fragment over a full page; it never changes what happens."""
    return bool(getattr(request, "htmx", False))


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def _filing_firms(user: Any) -> Any:
    roles = roles_of(user)
    member_firms = AssociationMembership.objects.filter(association_id__in=roles.association_ids).values("firm_id")
    if roles.admin:
        return Firm.objects.all()
    return Firm.objects.filter(Q(pk__in=roles.firm_ids) | Q(pk__in=member_firms)).order_by("name")


# -- lists ---------------------------------------------------------------------------------------


@login_required
@require_GET
def barrier_list(request: HttpRequest) -> HttpResponse:
    """My barriers (filer side) or everything I may see (officials), newest first."""
    status = request.GET.get("status", "")
    qs = (
        selectors.barriers_for_user(request.user)
        .defer(*selectors.LIST_DEFERRED)  # a body may hold 20,000 characters the list never shows
        .select_related("firm", "lead_agency")
    )
    if status in BarrierStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("-created_at", "-pk"), 20).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = _rows(page, request.user, now)
    context = {
        "page": page,
        "rows": rows,
        "status": status,
        "statuses": BarrierStatus.choices,
        # A firm member files for their own firm (which their membership keeps in existence):
        # only other users need the query.
        "can_file": bool(roles_of(request.user).firm_ids) or _filing_firms(request.user).exists(),
        "can_queue": can(request.user, "barrier.queue"),
    }
    template = "barriers/list.html#results" if _is_htmx(request) else "barriers/list.html"
    return render(request, template, context)


def _rows(barriers: Any, viewer: Any, now: Any) -> list[dict[str, Any]]:
    closures = deadlines.extra_closures(around=now)
    barriers = list(barriers)
    selectors.prefetch_for_identity(barriers, viewer)  # one query, not one per co-operating row
    return [
        {
            "barrier": b,
            "firm_name": b.firm.name if can(viewer, "barrier.view_identity", b) else None,
            "overdue_days": selectors.overdue_days(b, as_of=now, closures=closures),
            # The enum's label: get_status_display() rebuilds the choices dict on every call.
            "status_label": BarrierStatus(b.status).label,
        }
        for b in barriers
    ]


QUEUE_PAGE_SIZE = 25
# Beyond this page a queue is not browsed but filtered (and OFFSET would read every row before).
MAX_QUEUE_PAGE = 1000


def _page_number(request: HttpRequest) -> int:
    """The ``page`` query parameter; anything that is not a page number reads as the first page."""
    raw = request.GET.get("page", "")
    return min(int(raw), MAX_QUEUE_PAGE) if raw.isdigit() and int(raw) >= 1 else 1


@login_required
@require_http_methods(["GET", "POST"])
def work_queue(request: HttpRequest) -> HttpResponse:
    """The official work queue by urgency, with filters and bulk forwarding (city)."""
    if not can(request.user, "barrier.queue"):
        return render(request, "errors/403.html", status=403)
    status_code = 200
    if request.method == "POST":
        status_code = _bulk_action(request)
    filter_form = forms.QueueFilterForm(request.GET or None)
    filters = selectors.QueueFilter()
    if filter_form.is_valid():
        data = filter_form.cleaned_data
        filters = selectors.QueueFilter(
            sector=data["sector"] or "",
            agency_id=data["agency"].pk if data["agency"] else None,
            status=data["status"] or "",
            overdue=bool(data["overdue"]),
            assignee_id=request.user.pk if data["mine"] else None,
        )
    now = timezone.now()
    qs = selectors.work_queue(request.user, as_of=now, filters=filters)
    # Counted up to selectors.COUNT_CAP, as the API does: the city's queue holds ~75,000 rows.
    page = selectors.work_queue_page(
        request.user, qs, filters=filters, page=_page_number(request), page_size=QUEUE_PAGE_SIZE
    )
    context = {
        "page": page,
        "rows": _rows(page, request.user, now),
        "filter_form": filter_form,
        "bulk_form": forms.ForwardForm(),
        "can_forward": roles_of(request.user).city_official or roles_of(request.user).admin,
        "query": request.GET.urlencode(),
    }
    template = "barriers/queue.html#results" if _is_htmx(request) else "barriers/queue.html"
    return render(request, template, context, status=status_code)


def _bulk_action(request: HttpRequest) -> int:
    """Forward (city) or take over ("assign to me") every chosen barrier. Each is its own
    transaction with its own guards; refusals are counted and reported, never half-applied."""
    form = forms.ForwardForm(request.POST)
    ids = [int(i) for i in request.POST.getlist("barrier_ids")[:100] if i.isdigit()]
    action = request.POST.get("bulk", "forward")
    if not form.is_valid() or not ids or action not in ("forward", "assign_me"):
        messages.error(request, _("처리할 규제 애로를 고르세요."))
        return 400
    done, failed = 0, 0
    for barrier_id in ids:
        try:
            if action == "forward":
                services.forward_to_agency(
                    barrier_id=barrier_id,
                    actor=request.user,
                    agency=form.cleaned_data["agency"],
                    note=form.cleaned_data["note"],
                )
            else:
                services.assign_barrier(barrier_id=barrier_id, actor=request.user, assignee=request.user)
            done += 1
        except DomainError:
            failed += 1
    if done:
        messages.success(request, _("%(n)s건을 처리했습니다.") % {"n": done})
    if failed:
        messages.error(request, _("%(n)s건은 처리할 수 없는 상태이거나 권한이 없습니다.") % {"n": failed})
    return 200 if done else 409


# -- filing -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def new_barrier(request: HttpRequest) -> HttpResponse:
    firms = _filing_firms(request.user)
    if not firms.exists():
        return render(request, "errors/403.html", status=403)
    return _filing_page(request, firms=firms, barrier=None)


@login_required
@require_http_methods(["GET", "POST"])
def edit_barrier(request: HttpRequest, barrier_id: int) -> HttpResponse:
    try:
        barrier = selectors.barrier_for_user(request.user, barrier_id)
    except NotFound:
        return _not_found(request)
    if barrier.status != BarrierStatus.DRAFT or not can(request.user, "barrier.edit_draft", barrier):
        return redirect("barriers:detail", barrier_id=barrier.pk)
    return _filing_page(request, firms=_filing_firms(request.user), barrier=barrier)


def _initial(barrier: Barrier) -> dict[str, Any]:
    fields = ["title", "body", "kind", "statutes_named", "desired_change", "harm_cost_won", "harm_delay_months"]
    data: dict[str, Any] = {name: getattr(barrier, name) for name in fields}
    data.update(
        firm=barrier.firm_id,
        harm_lost_market=barrier.harm_lost_market,
        privacy=barrier.privacy,
        seal_from_agency=barrier.seal_from_agency,
        sectors=[s.code for s in barrier.sectors.all()],
    )
    return data


def _autosaved_draft(request: HttpRequest) -> Barrier | None:
    """The draft autosave already created for this form (its id rides along as ``draft_id``)."""
    draft_id = request.POST.get("draft_id", "")
    if not draft_id.isdigit():
        return None
    try:
        draft = selectors.barrier_for_user(request.user, int(draft_id))
    except NotFound:
        return None
    editable = draft.status == BarrierStatus.DRAFT and can(request.user, "barrier.edit_draft", draft)
    return draft if editable else None


def _filing_page(request: HttpRequest, *, firms: Any, barrier: Barrier | None) -> HttpResponse:
    status_code = 200
    if request.method == "POST":
        barrier = barrier or _autosaved_draft(request)
        form = forms.BarrierForm(request.POST, firms=firms)
        if form.is_valid():
            submit = request.POST.get("action") == "submit"
            try:
                barrier = _save_draft(request, form, barrier=barrier)
                if submit:
                    barrier = services.submit_barrier(barrier_id=barrier.pk, actor=request.user)
                    messages.success(request, _("접수되었습니다. 서울시가 검토한 뒤 소관기관에 전달합니다."))
                else:
                    messages.success(request, _("임시 저장했습니다."))
                return redirect("barriers:detail", barrier_id=barrier.pk)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        status_code = 400
    else:
        initial = _initial(barrier) if barrier else {"firm": firms.first()}
        form = forms.BarrierForm(initial=initial, firms=firms)
    context = {"form": form, "barrier": barrier}
    return render(request, "barriers/form.html", context, status=status_code)


def _save_draft(request: HttpRequest, form: forms.BarrierForm, *, barrier: Barrier | None) -> Barrier:
    fields = form.service_fields()
    if barrier is None:
        return services.file_barrier(actor=request.user, firm=form.cleaned_data["firm"], **fields)
    return services.update_draft(barrier_id=barrier.pk, actor=request.user, **fields)


@login_required
@require_POST
def autosave(request: HttpRequest) -> HttpResponse:
    """Save the half-written form as a draft (creating it on first save); answers the draft state."""
    firms = _filing_firms(request.user)
    form = forms.BarrierForm(request.POST, firms=firms, partial=True)
    draft_id = request.POST.get("draft_id", "")
    barrier = None
    context: dict[str, Any] = {"saved_at": None, "error": None}
    try:
        if draft_id.isdigit():
            barrier = selectors.barrier_for_user(request.user, int(draft_id))
        if not form.is_valid():
            context["error"] = _("입력값을 확인해 주세요. 아직 저장하지 않았습니다.")
        elif not (form.cleaned_data.get("title") or form.cleaned_data.get("body")):
            context["error"] = None
        else:
            barrier = _save_draft(request, form, barrier=barrier)
            context["saved_at"] = timezone.localtime()
    except DomainError as exc:
        context["error"] = str(exc.message)
    context["barrier"] = barrier
    status = _error_status(request, 400) if context["error"] else 200
    return render(request, "barriers/form.html#draft-state", context, status=status)


@login_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """How the barrier will read (escaped text; nothing is saved)."""
    form = forms.BarrierForm(request.POST, firms=_filing_firms(request.user), partial=True)
    form.is_valid()
    return render(request, "barriers/form.html#preview", {"preview": form.cleaned_data, "preview_form": form})


# -- the barrier page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    form: type[Any]
    run: Callable[[HttpRequest, Barrier, dict[str, Any]], Any]
    label: str


def _v(request: HttpRequest) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


ACTIONS: dict[str, Action] = {
    "submit": Action(
        forms.ConfirmForm,
        lambda r, b, d: services.submit_barrier(barrier_id=b.pk, actor=r.user, expected_version=_v(r)),
        "접수",
    ),
    "triage": Action(
        forms.TriageForm,
        lambda r, b, d: services.triage_barrier(
            barrier_id=b.pk,
            actor=r.user,
            kind=d["kind"],
            lead_agency=d["lead_agency"],
            cooperating_agencies=d["cooperating_agencies"],
            note=d["note"],
            expected_version=_v(r),
        ),
        "검토·분류",
    ),
    "forward": Action(
        forms.ForwardForm,
        lambda r, b, d: services.forward_to_agency(
            barrier_id=b.pk, actor=r.user, agency=d["agency"], note=d["note"], expected_version=_v(r)
        ),
        "소관기관 전달",
    ),
    "transfer": Action(
        forms.TransferForm,
        lambda r, b, d: services.transfer_barrier(
            barrier_id=b.pk, actor=r.user, to_agency=d["agency"], reason=d["reason"], expected_version=_v(r)
        ),
        "이송",
    ),
    "request_information": Action(
        forms.InformationRequestForm,
        lambda r, b, d: services.request_more_information(
            barrier_id=b.pk, actor=r.user, questions=d["questions"], expected_version=_v(r)
        ),
        "추가 정보 요청",
    ),
    "provide_information": Action(
        forms.InformationForm,
        lambda r, b, d: services.provide_information(
            barrier_id=b.pk, actor=r.user, response=d["response"], expected_version=_v(r)
        ),
        "추가 정보 제출",
    ),
    "answer": Action(
        forms.AnswerForm,
        lambda r, b, d: services.answer_barrier(
            barrier_id=b.pk,
            actor=r.user,
            outcome=d["outcome"],
            body=d["body"],
            reason_code=d["reason_code"],
            legal_basis=d["legal_basis"],
            plan_change=d["plan_change"],
            plan_statute=d["plan_statute"],
            plan_due_on=d["plan_due_on"],
            expected_version=_v(r),
        ),
        "회신",
    ),
    "react": Action(
        forms.ReactionForm,
        lambda r, b, d: services.react_to_answer(
            barrier_id=b.pk, actor=r.user, satisfied=d["satisfied"], reasons=d["reasons"], expected_version=_v(r)
        ),
        "회신 의견",
    ),
    "escalate": Action(
        forms.RequiredNoteForm,
        lambda r, b, d: services.escalate_barrier(
            barrier_id=b.pk, actor=r.user, note=d["note"], expected_version=_v(r)
        ),
        "상정",
    ),
    "close": Action(
        forms.RequiredNoteForm,
        lambda r, b, d: services.close_barrier(barrier_id=b.pk, actor=r.user, note=d["note"], expected_version=_v(r)),
        "종결",
    ),
    "withdraw": Action(
        forms.WithdrawForm,
        lambda r, b, d: services.withdraw_barrier(
            barrier_id=b.pk, actor=r.user, reason=d["reason"], expected_version=_v(r)
        ),
        "취하",
    ),
    "extend_deadline": Action(
        forms.ExtensionForm,
        lambda r, b, d: services.extend_deadline(
            barrier_id=b.pk,
            actor=r.user,
            reason_code=d["reason_code"],
            reason=d["reason"],
            filer_consented=d["filer_consented"],
            expected_version=_v(r),
        ),
        "처리기간 연장",
    ),
    "record_outcome": Action(
        forms.MilestoneForm,
        lambda r, b, d: services.record_outcome_milestone(
            barrier_id=b.pk, actor=r.user, stage=d["stage"], happened_on=d["happened_on"], note=d["note"]
        ),
        "개선 이행 기록",
    ),
    "add_note": Action(
        forms.InternalNoteForm,
        lambda r, b, d: services.add_internal_note(barrier_id=b.pk, actor=r.user, body=d["body"]),
        "내부 메모",
    ),
}
# The page shows one "react" form for the two reaction verbs.
_PAGE_ACTION = {"accept_answer": "react", "request_second_review": "react"}


def _page_context(request: HttpRequest, barrier: Barrier, *, bound: tuple[str, Any] | None = None) -> dict[str, Any]:
    viewer = request.user
    now = timezone.now()
    verbs: list[str] = []
    for verb in selectors.available_actions(barrier, viewer):
        name = _PAGE_ACTION.get(verb, verb)
        if name in ACTIONS and name not in verbs:
            verbs.append(name)
    action_forms = []
    for name in verbs:
        form = bound[1] if bound and bound[0] == name else ACTIONS[name].form(prefix=name)
        action_forms.append({"name": name, "label": _(ACTIONS[name].label), "form": form})
    clock = selectors.running_clock(barrier)
    # A refused action whose form is no longer offered still tells the user why.
    action_errors = []
    if bound and bound[0] not in verbs:
        action_errors = [str(e) for errors in bound[1].errors.values() for e in errors]
    shows_identity = can(viewer, "barrier.view_identity", barrier)
    if shows_identity:  # 개인정보 열람 기록: an official saw whose barrier this is
        record_identity_view(viewer=viewer, barrier=barrier, request=request)
    return {
        "action_errors": action_errors,
        "answer_templates": selectors.answer_templates_for(barrier) if "answer" in verbs else [],
        "barrier": barrier,
        "shows_identity": shows_identity,
        "overdue_days": selectors.overdue_days(barrier, as_of=now),
        "clock": clock,
        "clock_step_label": ClockStep(clock.step).label if clock else "",
        "action_forms": action_forms,
        "timeline": selectors.barrier_timeline(barrier, viewer),
        # Answers (and the milestones that follow an accepted one) exist only once the barrier
        # was first answered: two queries fewer on every page of a barrier still waiting.
        "answers": barrier.answers.select_related("agency") if barrier.first_answered_at else [],
        "milestones": barrier.milestones.all() if barrier.first_answered_at else [],
        "attachments": selectors.attachments_for(barrier, viewer),
        "can_attach": barrier.status in OPEN and can(viewer, "barrier.add_attachment", barrier),
        "attachment_form": forms.AttachmentForm(),
        "max_mb": MAX_BYTES // (1024 * 1024),
        "is_open": barrier.status in OPEN,
    }


@login_required
@require_GET
def barrier_detail(request: HttpRequest, barrier_id: int) -> HttpResponse:
    try:
        barrier = selectors.barrier_for_user(request.user, barrier_id)
    except NotFound:
        return _not_found(request)
    return render(request, "barriers/detail.html", _page_context(request, barrier))


@login_required
@require_POST
def act(request: HttpRequest, barrier_id: int, action: str) -> HttpResponse:
    """Run one workflow action posted from the barrier page; answers the status panel (htmx) or
    redirects back to the page."""
    try:
        barrier = selectors.barrier_for_user(request.user, barrier_id)
    except NotFound:
        return _not_found(request)
    spec = ACTIONS.get(action)
    if spec is None:
        return _not_found(request)
    form = spec.form(request.POST, prefix=action)
    status_code = 200
    if form.is_valid():
        try:
            spec.run(request, barrier, form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            status_code = exc.status
        else:
            if not _is_htmx(request):
                messages.success(request, _("처리했습니다."))
                return redirect("barriers:detail", barrier_id=barrier.pk)
            try:
                barrier = selectors.barrier_for_user(request.user, barrier_id)
            except NotFound:  # e.g. the agency transferred it away
                response = HttpResponse(status=204)
                response["HX-Redirect"] = "/barriers/queue/"
                return response
            return render(request, "barriers/detail.html#status-panel", _page_context(request, barrier))
    else:
        status_code = 400
    context = _page_context(request, barrier, bound=(action, form))
    template = "barriers/detail.html#status-panel" if _is_htmx(request) else "barriers/detail.html"
    return render(request, template, context, status=_error_status(request, status_code))


@login_required
@require_POST
def upload_attachment(request: HttpRequest, barrier_id: int) -> HttpResponse:
    try:
        barrier = selectors.barrier_for_user(request.user, barrier_id)
    except NotFound:
        return _not_found(request)
    form = forms.AttachmentForm(request.POST, request.FILES)
    status_code = 200
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.add_attachment(
                barrier_id=barrier.pk, actor=request.user, name=upload.name, data=upload.read(MAX_BYTES + 1)
            )
        except DomainError as exc:
            form.add_error("file", str(exc.message))
            status_code = exc.status
        else:
            return redirect("barriers:detail", barrier_id=barrier.pk)
    else:
        status_code = 400
    context = _page_context(request, barrier)
    context["attachment_form"] = form
    return render(request, "barriers/detail.html", context, status=status_code)


@login_required
@require_GET
def download_attachment(request: HttpRequest, barrier_id: int, attachment_id: int) -> HttpResponseBase:
    try:
        return attachment_response(request.user, barrier_id=barrier_id, attachment_id=attachment_id)
    except NotFound:
        return _not_found(request)


@login_required
@require_GET
def answer_template(request: HttpRequest, barrier_id: int) -> HttpResponse:
    """The answer textarea filled from a template (htmx swaps it into the answer form)."""
    try:
        barrier = selectors.barrier_for_user(request.user, barrier_id)
    except NotFound:
        return _not_found(request)
    if not can(request.user, "barrier.answer", barrier):
        return render(request, "errors/403.html", status=403)
    raw = request.GET.get("template", "")
    template = selectors.answer_templates_for(barrier).filter(pk=int(raw)).first() if raw.isdigit() else None
    form = forms.AnswerForm(prefix="answer", initial={"body": template.body if template else ""})
    return HttpResponse(form["body"].as_widget())
