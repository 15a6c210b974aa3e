"""Routing pages: the triage proposal partial (htmx, inside the barrier page's triage form), the
ranked list of recurring regulations and a page for each (merge, split, confirm, answer once),
and the passport fragment listing the recurring regulations about a statute.

Views parse a form, call one service or selector and render; they never decide permissions
themselves beyond asking ``can``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import can
from agencies.selectors import agency_by_name
from barriers import selectors as barrier_selectors
from barriers.models import Barrier
from barriers.transitions import can_move
from core.errors import DomainError, NotFound
from routing import selectors, services
from routing.classifier import SECTOR_NAMES
from routing.forms import CorrectionForm, MergeForm, RecurringAnswerForm, RecurringFilterForm, SplitForm, StatementForm
from routing.models import RecurringRegulation, RecurringStatus
from routing.tasks import enqueue_routing

STALE_AFTER = dt.timedelta(minutes=10)  # days unresolved and answers move on their own


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _barrier(request: HttpRequest, barrier_id: int) -> Barrier | None:
    try:
        return barrier_selectors.barrier_for_user(request.user, barrier_id)
    except NotFound:
        return None


def _version(request: HttpRequest) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


# ---- triage proposal ---------------------------------------------------------------------------
def _proposal_context(barrier: Barrier, *, form: CorrectionForm | None = None, error: str = "") -> dict[str, Any]:
    suggestion = selectors.suggestion_for(barrier=barrier)
    proposed = [s["name"] for s in suggestion.statutes] if suggestion else []
    if form is None:
        initial: dict[str, Any] = {"kind": barrier.kind, "statutes": proposed}
        if suggestion:
            initial["sector"] = suggestion.sector
            lead = agency_by_name(suggestion.top_agency_name) if suggestion.top_agency_name else None
            if lead is not None:
                initial["lead_agency"] = lead.pk
        form = CorrectionForm(initial=initial, proposed_statutes=proposed, prefix="routing")
    scores = sorted((suggestion.sector_scores.items() if suggestion else []), key=lambda kv: -kv[1])
    return {
        "barrier": barrier,
        "suggestion": suggestion,
        "sector_scores": [(SECTOR_NAMES.get(code, code), code, round(p * 100)) for code, p in scores],
        "sector_label": SECTOR_NAMES.get(suggestion.sector, suggestion.sector) if suggestion else "",
        "can_triage": can_move(barrier.status, "triage"),
        "form": form,
        "error": error,
        "membership": getattr(barrier, "recurring_membership", None),
    }


@login_required
@require_GET
def proposal(request: HttpRequest, barrier_id: int) -> HttpResponse:
    """The routing proposal for the triage form (an htmx fragment)."""
    barrier = _barrier(request, barrier_id)
    if barrier is None:
        return render(request, "errors/404.html", status=404)
    if not can(request.user, "routing.view_suggestion", barrier):
        return HttpResponse(status=204)  # nothing to show this viewer; the slot stays empty
    return render(request, "routing/_proposal.html", _proposal_context(barrier))


def _after_triage(request: HttpRequest, barrier: Barrier) -> HttpResponse:
    url = reverse("barriers:detail", args=[barrier.pk])
    messages.success(request, _("검토·분류했습니다."))
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url  # the whole status panel changes: reload the page
        return response
    return redirect(url)


@login_required
@require_POST
def accept(request: HttpRequest, barrier_id: int) -> HttpResponse:
    """One click: triage with the proposed sector and lead agency."""
    barrier = _barrier(request, barrier_id)
    if barrier is None:
        return render(request, "errors/404.html", status=404)
    try:
        services.accept_suggestion(barrier_id=barrier.pk, actor=request.user, expected_version=_version(request))
    except DomainError as exc:
        context = _proposal_context(barrier, error=str(exc.message))
        return render(request, "routing/_proposal.html", context, status=exc.status)
    return _after_triage(request, barrier)


@login_required
@require_POST
def correct(request: HttpRequest, barrier_id: int) -> HttpResponse:
    """Triage with the official's own choice; the difference is kept as a correction."""
    barrier = _barrier(request, barrier_id)
    if barrier is None:
        return render(request, "errors/404.html", status=404)
    suggestion = selectors.suggestion_for(barrier=barrier)
    proposed = [s["name"] for s in suggestion.statutes] if suggestion else []
    form = CorrectionForm(request.POST, proposed_statutes=proposed, prefix="routing")
    status = 400
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.triage_with_routing(
                barrier_id=barrier.pk,
                actor=request.user,
                kind=d["kind"],
                lead_agency=d["lead_agency"],
                cooperating_agencies=d["cooperating_agencies"],
                sector_code=d["sector"].code,
                statutes=form.statute_names(),
                note=d["note"],
                expected_version=_version(request),
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            status = exc.status
        else:
            return _after_triage(request, barrier)
    return render(request, "routing/_proposal.html", _proposal_context(barrier, form=form), status=status)


@login_required
@require_POST
def reroute(request: HttpRequest, barrier_id: int) -> HttpResponse:
    """Ask for a (new) proposal now, e.g. after the model was retrained."""
    barrier = _barrier(request, barrier_id)
    if barrier is None:
        return render(request, "errors/404.html", status=404)
    if not can(request.user, "routing.decide", barrier):
        return render(request, "errors/403.html", status=403)
    enqueue_routing(barrier.pk)
    barrier = _barrier(request, barrier_id) or barrier
    return render(request, "routing/_proposal.html", _proposal_context(barrier))


# ---- recurring regulations ---------------------------------------------------------------------
@require_GET
def recurring_list(request: HttpRequest) -> HttpResponse:
    """Recurring regulations ranked by harm, filtered by sector and agency."""
    form = RecurringFilterForm(request.GET or None)
    filters = selectors.RecurringFilter()
    internal = selectors.sees_internal(request.user)
    if form.is_valid():
        d = form.cleaned_data
        filters = selectors.RecurringFilter(
            sector=d["sector"].code if d["sector"] else "",
            agency_id=d["agency"].pk if d["agency"] else None,
            include_single=bool(d["single"]) and internal,
        )
    services.refresh_stale_recurring()
    page = Paginator(selectors.recurring_list(user=request.user, filters=filters), 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "rows": [_row(r, internal=internal) for r in page],
        "form": form,
        "internal": internal,
        "query": query.urlencode(),
    }
    return render(request, "routing/recurring_list.html", context)


def _row(regulation: RecurringRegulation, *, internal: bool) -> dict[str, Any]:
    """What one list row or page header shows: internal figures for officials, public ones else."""
    confirmed = regulation.status == RecurringStatus.CONFIRMED
    if internal:
        return {
            "regulation": regulation,
            "title": regulation.statement,
            "members": regulation.member_count,
            "firms": regulation.firm_count,
            "days": regulation.days_unresolved,
            "first": regulation.first_reported_at,
            "answer": regulation.get_answer_state_display(),
            "harm": regulation.harm_score,
            "confirmed": confirmed,
        }
    return {
        "regulation": regulation,
        # A candidate's statement was copied from its first barrier, which may be private.
        "title": regulation.statement if confirmed else regulation.public_title,
        "members": regulation.public_member_count,
        "firms": regulation.public_firm_count,
        "days": regulation.public_days_unresolved,
        "first": regulation.public_first_reported_at,
        "answer": regulation.get_public_answer_state_display(),
        "harm": regulation.public_harm_score,
        "confirmed": confirmed,
    }


def _regulation(request: HttpRequest, regulation_id: int) -> RecurringRegulation | None:
    try:
        return selectors.recurring_for_user(user=request.user, regulation_id=regulation_id)
    except NotFound:
        return None


@require_GET
def recurring_detail(request: HttpRequest, regulation_id: int) -> HttpResponse:
    services.refresh_stale_recurring()  # a member may have become public (or been answered) since
    regulation = _regulation(request, regulation_id)
    if regulation is None:
        return render(request, "errors/404.html", status=404)
    if regulation.status == RecurringStatus.MERGED and regulation.merged_into_id:
        return redirect("routing:recurring_detail", regulation_id=regulation.merged_into_id)
    if regulation.refreshed_at is None or timezone.now() - regulation.refreshed_at > STALE_AFTER:
        regulation = services.refresh_recurring(regulation_id=regulation.pk)
    return render(request, "routing/recurring_detail.html", _detail_context(request, regulation))


def _detail_context(request: HttpRequest, regulation: RecurringRegulation, **forms: Any) -> dict[str, Any]:
    internal = selectors.sees_internal(request.user)
    members = list(selectors.members_for(user=request.user, regulation=regulation))
    manage = can(request.user, "recurring.manage", regulation)
    answerable = [b for b in members if can_move(b.status, "answer") and can(request.user, "barrier.answer", b)]
    return {
        "row": _row(regulation, internal=internal),
        "regulation": regulation,
        "internal": internal,
        "members": members,
        "statutes": regulation.statutes if internal else selectors.public_statutes(regulation),
        "articles": regulation.articles if internal else [],
        "can_manage": manage,
        "answerable": answerable,
        "statement_form": forms.get("statement_form") or StatementForm(initial={"statement": regulation.statement}),
        "merge_form": forms.get("merge_form") or MergeForm(),
        "split_form": forms.get("split_form") or SplitForm(members=[(b.pk, b.title) for b in members]),
        "answer_form": forms.get("answer_form") or RecurringAnswerForm(prefix="answer"),
    }


def _manage_action(request: HttpRequest, regulation_id: int, run: Any, form_name: str, form: Any) -> HttpResponse:
    regulation = _regulation(request, regulation_id)
    if regulation is None:
        return render(request, "errors/404.html", status=404)
    status = 400
    if form.is_valid():
        try:
            result = run(regulation, form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            status = exc.status
        else:
            target = result.pk if isinstance(result, RecurringRegulation) else regulation.pk
            return redirect("routing:recurring_detail", regulation_id=target)
    context = _detail_context(request, regulation, **{form_name: form})
    return render(request, "routing/recurring_detail.html", context, status=status)


@login_required
@require_POST
def confirm(request: HttpRequest, regulation_id: int) -> HttpResponse:
    def run(regulation: RecurringRegulation, d: dict[str, Any]) -> RecurringRegulation:
        result = services.confirm_recurring(regulation_id=regulation.pk, actor=request.user, statement=d["statement"])
        messages.success(request, _("본질적 규제로 확정했습니다."))
        return result

    return _manage_action(request, regulation_id, run, "statement_form", StatementForm(request.POST))


@login_required
@require_POST
def merge(request: HttpRequest, regulation_id: int) -> HttpResponse:
    def run(regulation: RecurringRegulation, d: dict[str, Any]) -> RecurringRegulation:
        result = services.merge_recurring(source_id=regulation.pk, target_id=d["target"], actor=request.user)
        messages.success(request, _("병합했습니다."))
        return result

    return _manage_action(request, regulation_id, run, "merge_form", MergeForm(request.POST))


@login_required
@require_POST
def split(request: HttpRequest, regulation_id: int) -> HttpResponse:
    regulation = _regulation(request, regulation_id)
    members = (
        [(b.pk, b.title) for b in selectors.members_for(user=request.user, regulation=regulation)] if regulation else []
    )

    def run(regulation: RecurringRegulation, d: dict[str, Any]) -> RecurringRegulation:
        result = services.split_recurring(
            regulation_id=regulation.pk, barrier_ids=d["barrier_ids"], actor=request.user, statement=d["statement"]
        )
        messages.success(request, _("새 본질적 규제로 나누었습니다."))
        return result

    return _manage_action(request, regulation_id, run, "split_form", SplitForm(request.POST, members=members))


@login_required
@require_POST
def answer(request: HttpRequest, regulation_id: int) -> HttpResponse:
    def run(regulation: RecurringRegulation, d: dict[str, Any]) -> RecurringRegulation:
        result = services.answer_recurring(regulation_id=regulation.pk, actor=request.user, **d)
        text = _("%(n)s건에 회신했습니다.") % {"n": len(result.answered)}
        if result.skipped:
            text += " " + _("%(n)s건은 회신할 수 없는 상태라 건너뛰었습니다.") % {"n": len(result.skipped)}
        messages.success(request, text)
        return result.regulation

    return _manage_action(
        request, regulation_id, run, "answer_form", RecurringAnswerForm(request.POST, prefix="answer")
    )


@require_GET
def for_statute(request: HttpRequest) -> HttpResponse:
    """Recurring regulations about a statute, for the regulation passport (an htmx fragment)."""
    name = request.GET.get("name", "").strip()[:300]
    services.refresh_stale_recurring()
    regulations = selectors.recurring_for_statute(user=request.user, statute_name=name) if name else []
    internal = selectors.sees_internal(request.user)
    rows = [_row(r, internal=internal) for r in regulations]
    return render(request, "routing/_for_statute.html", {"rows": rows, "name": name})
