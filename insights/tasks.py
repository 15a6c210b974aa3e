"""Background refresh of the dashboard snapshots (django-tasks)."""

from __future__ import annotations

from django.conf import settings
from django_tasks import task

from insights import services
from insights.selectors import Audience


@task()
def refresh_dashboards() -> int:
    """Recompute every dashboard snapshot (each audience × language). Run every few minutes."""
    count = 0
    for audience in Audience:
        for language, _name in settings.LANGUAGES:
            services.refresh_snapshot(audience=audience, language=language)
            count += 1
    return count
