"""Background refresh of the dashboard snapshots (django-tasks)."""

from __future__ import annotations

from django.conf import settings
from django_tasks import task

from insights import services
from insights.selectors import Audience


@task()
def refresh_dashboards() -> int:
    """Recompute every dashboard snapshot (each audience × language) and the per-dimension
    barrier tables filters show. Run every few minutes."""
    count = 0
    services.refresh_barrier_measures()  # once for every snapshot and table below
    for language, _name in settings.LANGUAGES:
        for audience in Audience:
            services.refresh_snapshot(audience=audience, language=language, refresh_measures=False)
            count += 1
        count += services.warm_filtered_tables(language=language)
    return count


@task()
def refresh_dashboard_snapshot(audience: str, language: str) -> str:
    """Recompute one stale snapshot (queued by the first visitor who found it stale)."""
    snapshot = services.refresh_snapshot(audience=Audience(audience), language=language)
    return snapshot.key
