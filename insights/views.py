"""Dashboards (public and city), open-data downloads. Views parse, call one selector, render."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from accounts.permissions import can
from accounts.roles import roles_of
from agencies.models import Agency
from core.errors import DomainError
from insights import selectors, services, tasks
from insights.forms import DashboardFilterForm
from insights.monthly_report import Month, monthly_report
from insights.selectors import OPEN_DATA_LICENCE, Audience
from insights.tables import Table, csv_bytes, xlsx_bytes


def _dashboard(request: HttpRequest, audience: Audience) -> HttpResponse:
    """Unfiltered: the stored snapshot (one query). Filtered: computed live, errors explained."""
    form = DashboardFilterForm(request.GET or None)
    context: dict[str, Any] = {
        "is_city": audience is Audience.CITY,
        "may_see_city": can(request.user, "insights.view_city_dashboard"),
    }
    if not form.is_bound:
        language = get_language() or "ko"
        key = services.snapshot_key(audience, language)
        snapshot = selectors.stored_snapshot(key=key)
        if snapshot is None:  # never computed (a new installation): once, here
            snapshot = services.refresh_snapshot(audience=audience, language=language)
        elif selectors.is_stale(snapshot) and services.claim_snapshot_refresh(key=key):
            # Served stale (the page says when it was computed); one background refresh.
            tasks.refresh_dashboard_snapshot.enqueue(audience=audience.value, language=language)
        # Our own template output, rendered with autoescaping when the snapshot was made.
        context["body_html"] = mark_safe(snapshot.html)  # noqa: S308
        return render(request, "insights/dashboard.html", context)
    status = 200
    filters: dict[str, Any] = {"dimension": None, "since": None, "until": None}
    if form.is_valid():
        filters = {k: form.cleaned_data[k] or None for k in filters}
        try:
            selectors.check_filters(**filters)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            filters = {"dimension": None, "since": None, "until": None}
            status = 400
    else:
        status = 400
    if request.htmx:  # type: ignore[attr-defined]
        # Only the filtered section is re-rendered, so only its tables are computed.
        section = selectors.barrier_section(audience=audience, **filters)
        context.update(services.dashboard_context(audience=audience, data=section, form=form))
        # htmx 2 does not swap 4xx: the filtered section (with its error) comes back as 200.
        return render(request, "insights/_dashboard_body.html#barrier-section", context)
    data = selectors.dashboard(audience=audience, **filters)
    context.update(services.dashboard_context(audience=audience, data=data, form=form))
    return render(request, "insights/dashboard.html", context, status=status)


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The public dashboard: aggregated, small cells suppressed, no firm named."""
    return _dashboard(request, Audience.PUBLIC)


@require_GET
def city_dashboard(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not can(request.user, "insights.view_city_dashboard"):
        return render(request, "errors/403.html", status=403)
    return _dashboard(request, Audience.CITY)


def _table_or_404(slug: str, audience: Audience) -> Table:
    if len(slug) > 60:
        raise Http404
    for table in selectors.dashboard(audience=audience).tables():
        if table.slug == slug:
            return table
    raise Http404


DOWNLOADS = {
    "csv": ("text/csv; charset=utf-8", csv_bytes),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx_bytes),
}


def _download(table: Table, kind: str) -> HttpResponse:
    content_type, render_bytes = DOWNLOADS[kind]
    stamp = timezone.localdate().isoformat()
    response = HttpResponse(render_bytes(table), content_type=content_type)
    # The slug is ours ([a-z0-9-]), so the file name needs no escaping.
    response["Content-Disposition"] = f'attachment; filename="haechi-{table.slug}-{stamp}.{kind}"'
    return response


def _city_download(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    if not can(request.user, "insights.view_city_dashboard"):
        return render(request, "errors/403.html", status=403)
    return _download(_table_or_404(slug, Audience.CITY), kind)


@require_GET
def table_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """One public table as CSV (formula-safe, UTF-8 with BOM)."""
    return _download(_table_or_404(slug, Audience.PUBLIC), "csv")


@require_GET
def table_xlsx(request: HttpRequest, slug: str) -> HttpResponse:
    """One public table as an XLSX workbook (numbers as numbers, text formula-safe)."""
    return _download(_table_or_404(slug, Audience.PUBLIC), "xlsx")


@require_GET
def city_table_csv(request: HttpRequest, slug: str) -> HttpResponse:
    return _city_download(request, slug, "csv")


@require_GET
def city_table_xlsx(request: HttpRequest, slug: str) -> HttpResponse:
    return _city_download(request, slug, "xlsx")


@require_GET
def open_data(request: HttpRequest) -> HttpResponse:
    """The list of public tables with their CSV and JSON addresses and the licence."""
    tables = selectors.dashboard(audience=Audience.PUBLIC).tables()
    return render(request, "insights/open_data.html", {"tables": tables, "licence": OPEN_DATA_LICENCE})


def _report_or_refusal(request: HttpRequest, *, month: str, agency: Agency | None) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not can(request.user, "insights.view_monthly_report", agency):
        return render(request, "errors/403.html", status=403)
    try:
        period = Month.parse(month)
    except DomainError as exc:
        return render(request, "errors/400.html", {"message": exc.message}, status=400)
    report = monthly_report(month=period, agency=agency)
    return render(request, "insights/monthly_report.html", {"report": report})


@require_GET
def city_monthly_report(request: HttpRequest, month: str) -> HttpResponse:
    """The city's monthly report: every agency's figures and every overdue answer (printable)."""
    return _report_or_refusal(request, month=month, agency=None)


@require_GET
def agency_monthly_report(request: HttpRequest, month: str, code: str) -> HttpResponse:
    """One agency's monthly report: its figures and its own overdue answers (printable)."""
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        raise Http404
    return _report_or_refusal(request, month=month, agency=agency)


@require_GET
def monthly_reports(request: HttpRequest) -> HttpResponse:
    """The reports this person may read: the last twelve months, city-wide and per agency."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    city = can(request.user, "insights.view_monthly_report", None)
    if city:
        agencies = list(Agency.objects.filter(barriers_led__isnull=False).distinct().order_by("name"))
    else:
        agencies = list(Agency.objects.filter(pk__in=roles_of(request.user).agency_ids).order_by("name"))
    if not city and not agencies:
        return render(request, "errors/403.html", status=403)
    months = [Month.current()]
    while len(months) < 12:
        months.append(months[-1].previous)
    context = {"months": months, "agencies": agencies, "city": city}
    return render(request, "insights/monthly_reports.html", context)
