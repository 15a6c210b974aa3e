"""Cron entry (e.g. hourly): enqueue the refresh of every recurring regulation's figures.

Days unresolved grow by themselves and answers, co-signatures and publication arrive through
other apps, so the ranked list must not depend on someone opening a page to become current.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from routing.tasks import refresh_recurring_regulations


class Command(BaseCommand):
    help = "Enqueue the refresh of every recurring regulation's figures (harm score, firms, days unresolved)."

    def handle(self, *args: Any, **options: Any) -> None:
        refresh_recurring_regulations.enqueue()
        self.stdout.write("recurring regulations refresh enqueued")
