"""Cron entry (e.g. every 5 minutes): enqueue the refresh of the dashboard snapshots."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from insights.tasks import refresh_dashboards


class Command(BaseCommand):
    help = "Enqueue the refresh of the dashboard snapshots (pages show figures at most 15 minutes old)."

    def handle(self, *args: Any, **options: Any) -> None:
        refresh_dashboards.enqueue()
        self.stdout.write("dashboard refresh enqueued")
