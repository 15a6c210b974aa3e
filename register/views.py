"""Register pages: the public list (search, filters, sort, CSV) and permalinks, open to everyone;
the city official's publication queue with the redacted preview, publish and withdraw (htmx).

Views parse a form, call one selector or service and render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import can
from barriers.models import Barrier
from core.errors import DomainError, NotFound
from core.forms import add_domain_error
from core.spreadsheet import csv_bytes
from register import forms, selectors, services
from register.models import Publication

CSV_MAX_ROWS = 10_000


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _filters(request: HttpRequest) -> tuple[forms.RegisterFilterForm, selectors.RegisterFilter]:
    form = forms.RegisterFilterForm(request.GET or None)
    return form, (form.to_filter() if request.GET else selectors.RegisterFilter())


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The public register: search, filters, sort and pages; no sign-in."""
    form, filters = _filters(request)
    now = timezone.now()
    ids: Any = selectors.register_page_ids(filters, now=now)  # a queryset, or SearchNewest (sliced alike)
    paginator = selectors.CappedPaginator(ids, selectors.PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    ids_shown = list(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows_html": _rows_html(ids_shown, now=now),
        # The rows themselves, loaded only if something reads them (the page shows rows_html).
        "rows": SimpleLazyObject(lambda: selectors.rows_for(selectors.load_publications(ids_shown), now=now)),
        "query": query.urlencode(),
        "can_review": can(request.user, "register.review"),
        "capped": paginator.capped,
        "total": selectors.register_total(),
    }
    template = "register/index.html#results" if _is_htmx(request) else "register/index.html"
    return render(request, template, context)


ROWS_FRAGMENT_SECONDS = 300


def _rows_html(ids: list[int], *, now: Any) -> str:
    """The table rows of the publications ``ids``, rendered once and kept in the cache under
    what they show (``selectors.rows_fingerprint``: the rows' stored state, the agencies' names,
    the day and whether each is late yet, the language).

    The register is public and its rows change only through publication, a transition (which
    bumps the barrier's version) or a co-signature: loading and rendering 20 rows was three
    quarters of the page's CPU time, and most reads find the same rows. What the fingerprint
    does not hold (a firm renamed or resized, the anonymity counts, themselves cached for five
    minutes) shows within ``ROWS_FRAGMENT_SECONDS``."""
    key = selectors.rows_fingerprint(ids, now=now)
    html: str | None = cache.get(key)
    if html is None:
        rows = selectors.rows_for(selectors.load_publications(ids), now=now)
        html = render_to_string("register/_rows.html", {"rows": rows})
        cache.set(key, html, ROWS_FRAGMENT_SECONDS)
    return mark_safe(html)  # noqa: S308  # rendered by the (autoescaping) template above


@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    """The filtered register as CSV (formula-safe, UTF-8 with BOM), at most ``CSV_MAX_ROWS`` rows."""
    _form, filters = _filters(request)
    now = timezone.now()
    publications = selectors.register_list(filters, now=now, limit=CSV_MAX_ROWS)
    header = [
        _("공개 번호"),
        _("제목"),
        _("분야"),
        _("신청 기업"),
        _("소관기관"),
        _("상태"),
        _("접수일"),
        _("처리 기한"),
        _("기한 경과(근무일)"),
        _("같은 애로 기업 수"),
        _("검토 결과"),
        _("수용곤란 사유"),
        _("공개 주소"),
    ]
    rows = []
    for row in selectors.rows_for(publications, now=now):
        barrier = row.barrier
        answer = row.latest_answer
        rows.append(
            [
                row.publication.public_id,
                row.publication.title,
                ", ".join(row.sector_names),
                row.identity.label,
                barrier.lead_agency.name if barrier.lead_agency_id else "",
                row.status_label,
                _local_date(barrier.submitted_at),
                _local_date(barrier.due_at) if row.overdue_days or barrier.due_step in selectors.OWED_STEPS else "",
                row.overdue_days,
                barrier.affected_firm_count,
                row.outcome_label,
                answer.get_reason_code_display() if answer and answer.reason_code else "",
                request.build_absolute_uri(reverse("register:detail", args=[row.publication.public_id])),
            ]
        )
    response = HttpResponse(csv_bytes(header, rows), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime(now).strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="haechi-register-{stamp}.csv"'
    return response


def _local_date(moment: Any) -> str:
    return timezone.localtime(moment).date().isoformat() if moment else ""


@require_GET
def detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """The permalink of one published barrier: redacted text, answers, reason, ledger and dates."""
    try:
        publication = selectors.publication_by_public_id(public_id)
    except NotFound:
        return render(request, "errors/404.html", status=404)
    services.mask_new_parts(publication=publication)
    now = timezone.now()
    (row,) = selectors.rows_for([publication], now=now)
    context = {
        "publication": publication,
        "row": row,
        "barrier": publication.barrier,
        "answers": selectors.public_answers(publication),
        "milestones": selectors.public_milestones(publication),
        "can_review": can(request.user, "register.review"),
    }
    return render(request, "register/detail.html", context)


# -- the city official's side -----------------------------------------------------------------------


@login_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    """Barriers awaiting publication, and publications with automatically masked new answers."""
    if not can(request.user, "register.review"):
        return render(request, "errors/403.html", status=403)
    page = Paginator(selectors.awaiting_publication(), 25).get_page(request.GET.get("page"))
    context = {"page": page, "needing_review": selectors.needing_review()[:50], "query": ""}
    return render(request, "register/queue.html", context)


def _reviewable(request: HttpRequest, barrier_id: int) -> Barrier | None:
    return Barrier.objects.select_related("firm", "lead_agency").filter(pk=barrier_id).first()


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, barrier_id: int) -> HttpResponse:
    """The redacted preview of one barrier; POST refreshes it with more masks (htmx) or publishes."""
    if not can(request.user, "register.review"):
        return render(request, "errors/403.html", status=403)
    barrier = _reviewable(request, barrier_id)
    if barrier is None or not selectors.is_publishable(barrier) and not hasattr(barrier, "publication"):
        return render(request, "errors/404.html", status=404)
    publication: Publication | None = getattr(barrier, "publication", None)
    initial = "\n".join(publication.extra_terms) if publication else ""
    form = forms.MaskForm(request.POST or None, initial={"extra_terms": initial})
    status = 200
    terms: list[str] = list(publication.extra_terms) if publication else []
    if request.method == "POST":
        if form.is_valid():
            terms = form.terms()
            if request.POST.get("action") == "publish":
                try:
                    publication = services.publish_barrier(barrier_id=barrier.pk, actor=request.user, extra_terms=terms)
                except DomainError as exc:
                    add_domain_error(form, exc)
                    status = exc.status
                else:
                    messages.success(request, _("공개했습니다."))
                    return redirect("register:review", barrier_id=barrier.pk)
        else:
            status = 400
    try:
        preview = services.preview_publication(barrier=barrier, extra_terms=terms)
    except DomainError as exc:
        add_domain_error(form, exc)
        preview = services.preview_publication(barrier=barrier)
        status = exc.status
    context = {
        "barrier": barrier,
        "publication": publication,
        "publishable": selectors.is_publishable(barrier),
        "form": form,
        "withdraw_form": forms.WithdrawForm(),
        "preview": preview,
        "sections": [
            (_("제목"), _segments(preview.title)),
            (_("내용"), _segments(preview.body)),
            (_("개선 요청 사항"), _segments(preview.desired_change)),
        ],
    }
    template = (
        "register/review.html#preview" if _is_htmx(request) and request.method == "POST" else "register/review.html"
    )
    return render(request, template, context, status=status)


def _segments(redaction: Any) -> list[dict[str, Any]]:
    """The normalised source cut into plain and masked pieces, for highlighting in the preview."""
    parts: list[dict[str, Any]] = []
    pos = 0
    for span in redaction.spans:
        if span.start > pos:
            parts.append({"text": redaction.source[pos : span.start]})
        parts.append({"text": span.original, "mask": span.mask, "kind": str(span.kind)})
        pos = span.end
    if pos < len(redaction.source):
        parts.append({"text": redaction.source[pos:]})
    return parts


@login_required
@require_POST
def withdraw(request: HttpRequest, barrier_id: int) -> HttpResponse:
    """Withdraw a publication (city officials)."""
    if not can(request.user, "register.withdraw"):
        return render(request, "errors/403.html", status=403)
    form = forms.WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("공개를 철회하는 사유를 적어 주세요."))
        return redirect("register:review", barrier_id=barrier_id)
    try:
        services.withdraw_publication(barrier_id=barrier_id, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("register:review", barrier_id=barrier_id)
    messages.success(request, _("공개를 철회했습니다."))
    return redirect("register:review", barrier_id=barrier_id)
