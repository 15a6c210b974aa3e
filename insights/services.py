"""Writes of the insights app: dashboard snapshots (pre-computed pages)."""

from __future__ import annotations

import datetime as dt

from django.template.loader import render_to_string
from django.utils import timezone, translation

from insights import selectors
from insights.forms import DashboardFilterForm
from insights.models import DashboardSnapshot
from insights.selectors import Audience


def snapshot_key(audience: Audience, language: str) -> str:
    return f"{audience.value}:{language}"


def dashboard_context(*, audience: Audience, data: selectors.Dashboard, form: DashboardFilterForm) -> dict[str, object]:
    return {
        "data": data,
        "form": form,
        "is_city": audience is Audience.CITY,
        "csv_url_name": "insights:city_csv" if audience is Audience.CITY else "insights:csv",
        "xlsx_url_name": "insights:city_xlsx" if audience is Audience.CITY else "insights:xlsx",
        "computed_at": timezone.localtime(),
    }


def refresh_snapshot(*, audience: Audience, language: str, now: dt.datetime | None = None) -> DashboardSnapshot:
    """Compute the unfiltered dashboard for one audience and language and store its rendered body."""
    now = now or timezone.now()
    with translation.override(language):
        data = selectors.dashboard(audience=audience, now=now)
        context = dashboard_context(audience=audience, data=data, form=DashboardFilterForm())
        context["computed_at"] = timezone.localtime(now)
        html = render_to_string("insights/_dashboard_body.html", context)
    snapshot, _created = DashboardSnapshot.objects.update_or_create(
        key=snapshot_key(audience, language), defaults={"computed_at": now, "html": html}
    )
    return snapshot
