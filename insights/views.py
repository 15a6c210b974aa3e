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
from core.errors import DomainError
from insights import selectors, services
from insights.forms import DashboardFilterForm
from insights.selectors import OPEN_DATA_LICENCE, Audience
from insights.tables import Table, csv_bytes


def _dashboard(request: HttpRequest, audience: Audience) -> HttpResponse:
    """Unfiltered: the stored snapshot (one query). Filtered: computed live, errors explained."""
    form = DashboardFilterForm(request.GET or None)
    context: dict[str, Any] = {
        "is_city": audience is Audience.CITY,
        "may_see_city": can(request.user, "insights.view_city_dashboard"),
    }
    if not form.is_bound:
        key = services.snapshot_key(audience, get_language() or "ko")
        snapshot = selectors.fresh_snapshot(key=key) or services.refresh_snapshot(
            audience=audience, language=get_language() or "ko"
        )
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
    data = selectors.dashboard(audience=audience, **filters)
    context.update(services.dashboard_context(audience=audience, data=data, form=form))
    if request.htmx:  # type: ignore[attr-defined]
        # htmx 2 does not swap 4xx: the filtered section (with its error) comes back as 200.
        return render(request, "insights/_dashboard_body.html#barrier-section", context)
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


def _csv_response(table: Table) -> HttpResponse:
    stamp = timezone.localdate().isoformat()
    response = HttpResponse(csv_bytes(table), content_type="text/csv; charset=utf-8")
    # The slug is ours ([a-z0-9-]), so the file name needs no escaping.
    response["Content-Disposition"] = f'attachment; filename="haechi-{table.slug}-{stamp}.csv"'
    return response


@require_GET
def table_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """One public table as CSV (formula-safe, UTF-8 with BOM)."""
    return _csv_response(_table_or_404(slug, Audience.PUBLIC))


@require_GET
def city_table_csv(request: HttpRequest, slug: str) -> HttpResponse:
    if not can(request.user, "insights.view_city_dashboard"):
        return render(request, "errors/403.html", status=403)
    return _csv_response(_table_or_404(slug, Audience.CITY))


@require_GET
def open_data(request: HttpRequest) -> HttpResponse:
    """The list of public tables with their CSV and JSON addresses and the licence."""
    tables = selectors.dashboard(audience=Audience.PUBLIC).tables()
    return render(request, "insights/open_data.html", {"tables": tables, "licence": OPEN_DATA_LICENCE})
