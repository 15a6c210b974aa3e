"""Pages for co-signing (the public face of a barrier other firms can join, the "우리도 겪고 있다"
form), search before filing (an htmx fragment on the filing page), the officials' list of
co-signing flags, and the association's status board and proxy filing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import can
from accounts.roles import roles_of
from barriers import selectors, selectors_cosigning, similarity
from barriers.forms_cosigning import CoSignForm, ProxyFilingForm
from barriers.models import Barrier
from barriers.services import cosigning, proxy_filing
from barriers.transitions import OPEN
from core.errors import DomainError, NotFound
from core.forms import add_domain_error
from core.redaction import redact_text
from firms.models import AssociationMembership, Firm


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def _barrier_known_to(user: Any, barrier_id: int) -> Barrier:
    """The barrier if ``user`` may see it in full, or its public face; otherwise NotFound."""
    try:
        return selectors.barrier_for_user(user, barrier_id)
    except NotFound:
        return selectors_cosigning.public_barrier(barrier_id, user)


def _back(request: HttpRequest, barrier: Barrier) -> HttpResponse:
    """Back to the page the user came from: the full barrier page, or its public face."""
    if can(request.user, "barrier.view", barrier):
        return redirect("barriers:detail", barrier_id=barrier.pk)
    return redirect("barriers:public", barrier_id=barrier.pk)


# -- the co-signing panel ------------------------------------------------------------------------


def _edit_prefix(firm_id: int) -> str:
    return f"edit-{firm_id}"


def cosign_panel_context(
    user: Any,
    barrier: Barrier,
    *,
    form: CoSignForm | None = None,
    edit_form: CoSignForm | None = None,
    status_message: str = "",
) -> dict[str, Any]:
    """What the co-signing panel shows ``user``: the count, the co-signers they may see, their
    own co-signatures, the form (when they may still co-sign) and, for officials, open flags."""
    view = selectors_cosigning.visible_cosignatures(barrier, user)
    firms = selectors_cosigning.cosigning_firms(user, barrier)
    if form is None and firms:
        form = CoSignForm(firms=Firm.objects.filter(pk__in=[f.pk for f in firms]), initial={"firm": firms[0].pk})
    edits = [
        (
            c,
            edit_form
            if edit_form is not None and edit_form.prefix == _edit_prefix(c.firm_id)
            else CoSignForm(
                firms=Firm.objects.filter(pk=c.firm_id),
                prefix=_edit_prefix(c.firm_id),
                initial={
                    "firm": c.firm_id,
                    "account": c.account,
                    "harm_cost_won": c.harm_cost_won,
                    "harm_delay_months": c.harm_delay_months,
                    "show_to_filer": c.show_to_filer,
                },
            ),
        )
        for c in view.mine
    ]
    return {
        "barrier": barrier,
        "cosigners": view,
        "edits": edits,
        "cosign_form": form if firms or (form is not None and form.is_bound) else None,
        "single_firm": len(firms) == 1,
        "open_flags": selectors_cosigning.open_flag_count(barrier, user),
        "cosignable": cosigning.is_cosignable(barrier),
        "status_message": status_message,
    }


@login_required
@require_GET
def public_barrier_page(request: HttpRequest, barrier_id: int) -> HttpResponse:
    """The barrier as another firm sees it: redacted text, no firm name (unless the filer chose
    to publish it), the count of affected firms and the "우리도 겪고 있다" form."""
    try:
        barrier = selectors_cosigning.public_barrier(barrier_id, request.user)
    except NotFound:
        return _not_found(request)
    context = cosign_panel_context(request.user, barrier)
    context.update(
        shown_title=redact_text(barrier.title, analyse=False),
        shown_body=redact_text(barrier.body),
        shown_desired_change=redact_text(barrier.desired_change) if barrier.desired_change else "",
        shows_firm=barrier.privacy == "public_named",
    )
    return render(request, "barriers/cosign_public.html", context)


@login_required
@require_POST
def cosign(request: HttpRequest, barrier_id: int) -> HttpResponse:
    """Add the firm's co-signature; answers the panel (htmx) or redirects back to the page."""
    try:
        barrier = _barrier_known_to(request.user, barrier_id)
    except NotFound:
        return _not_found(request)
    own_firms = Firm.objects.filter(pk__in=roles_of(request.user).firm_ids)
    form = CoSignForm(request.POST, firms=own_firms)
    signed = False
    status = 200
    message = ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            cosigning.cosign_barrier(
                barrier_id=barrier.pk,
                actor=request.user,
                firm=data["firm"],
                account=data["account"],
                harm_cost_won=data["harm_cost_won"],
                harm_delay_months=data["harm_delay_months"],
                show_to_filer=data["show_to_filer"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
            status = exc.status
        else:
            message = _("공동 서명했습니다. 같은 애로를 겪는 기업으로 함께 셉니다.")
            signed = True
    else:
        status = 400
    if status == 200 and not _is_htmx(request):
        messages.success(request, message)
        return _back(request, barrier)
    barrier.refresh_from_db(fields=["affected_firm_count"])
    context = cosign_panel_context(request.user, barrier, form=None if signed else form, status_message=message)
    return render(request, "barriers/cosign_panel.html", context, status=status)


@login_required
@require_POST
def update_cosign(request: HttpRequest, barrier_id: int) -> HttpResponse:
    """The co-signing firm adds or corrects its account of the harm (or its visibility choice)."""
    try:
        barrier = _barrier_known_to(request.user, barrier_id)
    except NotFound:
        return _not_found(request)
    firm_id = request.POST.get("firm", "")
    firm = (
        Firm.objects.filter(pk=int(firm_id), pk__in=roles_of(request.user).firm_ids).first()
        if firm_id.isdigit()
        else None
    )
    if firm is None:
        return _not_found(request)
    form = CoSignForm(request.POST, firms=Firm.objects.filter(pk=firm.pk), prefix=_edit_prefix(firm.pk))
    status = 200
    message = ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            cosigning.update_cosignature(
                barrier_id=barrier.pk,
                actor=request.user,
                firm=firm,
                account=data["account"],
                harm_cost_won=data["harm_cost_won"],
                harm_delay_months=data["harm_delay_months"],
                show_to_filer=data["show_to_filer"],
            )
            message = _("우리 기업의 피해 설명을 고쳤습니다.")
        except DomainError as exc:
            add_domain_error(form, exc)
            status = exc.status
    else:
        status = 400
    if status == 200 and not _is_htmx(request):
        messages.success(request, message)
        return _back(request, barrier)
    context = cosign_panel_context(
        request.user, barrier, edit_form=form if status != 200 else None, status_message=message
    )
    return render(request, "barriers/cosign_panel.html", context, status=status)


@login_required
@require_POST
def withdraw_cosign(request: HttpRequest, barrier_id: int) -> HttpResponse:
    try:
        barrier = _barrier_known_to(request.user, barrier_id)
    except NotFound:
        return _not_found(request)
    firm_id = request.POST.get("firm", "")
    firm = Firm.objects.filter(pk=int(firm_id)).first() if firm_id.isdigit() else None
    status = 200
    message = ""
    try:
        cosigning.withdraw_cosignature(barrier_id=barrier.pk, actor=request.user, firm=firm)
        message = _("공동 서명을 철회했습니다.")
    except DomainError as exc:
        status = exc.status
        message = str(exc.message)
    if status == 200 and not _is_htmx(request):
        messages.success(request, message)
        return _back(request, barrier)
    barrier.refresh_from_db(fields=["affected_firm_count"])
    context = cosign_panel_context(request.user, barrier, status_message=message)
    return render(request, "barriers/cosign_panel.html", context, status=status)


# -- search before filing -----------------------------------------------------------------------------


def _filing_firms(user: Any) -> Any:
    roles = roles_of(user)
    if roles.admin:
        return Firm.objects.all()
    member_firms = AssociationMembership.objects.filter(association_id__in=roles.association_ids).values("firm_id")
    return Firm.objects.filter(Q(pk__in=roles.firm_ids) | Q(pk__in=member_firms))


@login_required
@require_POST
def similar(request: HttpRequest) -> HttpResponse:
    """Barriers like the one being typed (htmx, debounced on the filing page)."""
    firm_id = request.POST.get("firm", "")
    firm = _filing_firms(request.user).filter(pk=int(firm_id)).first() if firm_id.isdigit() else None
    draft_id = request.POST.get("draft_id", "")
    results = similarity.similar_barriers(
        user=request.user,
        firm=firm,
        title=request.POST.get("title", "")[:1000],
        body=request.POST.get("body", "")[:40_000],
        exclude_id=int(draft_id) if draft_id.isdigit() else None,
    )
    return render(request, "barriers/similar_results.html", {"results": results})


# -- officials: co-signing flags ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def cosign_flags(request: HttpRequest) -> HttpResponse:
    """Co-signing patterns flagged for review (city officials); POST marks one as reviewed."""
    if not can(request.user, "barrier.cosign_flags"):
        return render(request, "errors/403.html", status=403)
    if request.method == "POST":
        flag_id = request.POST.get("flag", "")
        try:
            cosigning.review_cosign_flag(flag_id=int(flag_id) if flag_id.isdigit() else 0, actor=request.user)
            messages.success(request, _("확인 처리했습니다."))
        except DomainError as exc:
            messages.error(request, str(exc.message))
        return redirect(request.get_full_path())
    barrier = None
    raw = request.GET.get("barrier", "")
    if raw.isdigit():
        barrier = Barrier.objects.filter(pk=int(raw)).first()
    unreviewed = request.GET.get("all") != "1"
    flags = selectors_cosigning.cosign_flags(request.user, barrier=barrier, unreviewed_only=unreviewed)
    page = Paginator(flags, 50).get_page(request.GET.get("page"))
    context = {"page": page, "barrier": barrier, "unreviewed": unreviewed}
    return render(request, "barriers/cosign_flags.html", context)


# -- associations ------------------------------------------------------------------------------------


@login_required
@require_GET
def my_associations(request: HttpRequest) -> HttpResponse:
    """Association staff land on their (first) association's board."""
    association = selectors_cosigning.associations_for(request.user).first()
    if association is None:
        return render(request, "errors/403.html", status=403)
    return redirect("barriers:association_board", association_id=association.pk)


@login_required
@require_GET
def association_board(request: HttpRequest, association_id: int) -> HttpResponse:
    try:
        association = selectors_cosigning.association_for_user(request.user, association_id)
    except NotFound:
        return _not_found(request)
    now = timezone.now()
    board = selectors_cosigning.association_board(request.user, association, as_of=now)
    qs = board.barriers
    status = request.GET.get("status", "")
    if status in dict((s, 1) for s, _label, _n in board.by_status):
        qs = qs.filter(status=status)
    overdue_only = request.GET.get("overdue") == "1"
    if overdue_only:
        qs = qs.filter(status__in=OPEN, due_at__lt=now)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    rows = [
        {
            "barrier": b,
            "overdue": b.due_at is not None and b.due_at < now and b.status in OPEN,
            "proxy": b.filed_via_association_id == association.pk,
        }
        for b in page
    ]
    context = {
        "board": board,
        "association": association,
        "page": page,
        "rows": rows,
        "status": status,
        "overdue_only": overdue_only,
        "can_file": can(request.user, "barrier.file_for_members", association),
    }
    return render(request, "barriers/association_board.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def association_file(request: HttpRequest, association_id: int) -> HttpResponse:
    """Association staff file one barrier per member, or one joint barrier, in one action."""
    try:
        association = selectors_cosigning.association_for_user(request.user, association_id)
    except NotFound:
        return _not_found(request)
    if not can(request.user, "barrier.file_for_members", association):
        return render(request, "errors/403.html", status=403)
    firms = list(selectors_cosigning.member_firms(association))
    status = 200
    if request.method == "POST":
        form = ProxyFilingForm(request.POST, firms=firms)
        if form.is_valid():
            data = form.cleaned_data
            by_id = {str(f.pk): f for f in firms}
            sealed = set(data["sealed_members"])
            members = [proxy_filing.MemberFiling(firm=by_id[i], seal_from_agency=i in sealed) for i in data["members"]]
            try:
                barriers = proxy_filing.file_for_members(
                    actor=request.user,
                    association=association,
                    members=members,
                    title=data["title"],
                    body=data["body"],
                    sector_codes=data["sectors"],
                    mode=data["mode"],
                    submit=data["submit_now"],
                    kind=data["kind"],
                    privacy=data["privacy"],
                    desired_change=data["desired_change"],
                )
            except DomainError as exc:
                add_domain_error(form, exc)
                status = exc.status
            else:
                messages.success(
                    request,
                    _("회원사 %(members)s곳을 대신해 %(n)s건을 작성했습니다. 회원사에 알림을 보냈습니다.")
                    % {"members": len(members), "n": len(barriers)},
                )
                return redirect("barriers:association_board", association_id=association.pk)
        else:
            status = 400
    else:
        form = ProxyFilingForm(firms=firms)
    return render(request, "barriers/association_file.html", {"form": form, "association": association}, status=status)
