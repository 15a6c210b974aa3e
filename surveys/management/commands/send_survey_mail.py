"""Periodic sweep (cron, e.g. hourly): mail invitations of surveys that opened, then due reminders.

Follow-up surveys open six weeks after an answer; their invitations wait for this sweep.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from surveys.tasks import send_invitations, send_reminders


class Command(BaseCommand):
    help = "Enqueue survey invitation and reminder mail (idempotent; each is sent at most once)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--link-base", default="", help="public address for links, e.g. https://haechi.seoul.go.kr")

    def handle(self, *args: Any, link_base: str, **options: Any) -> None:
        send_invitations.enqueue(link_base=link_base)
        send_reminders.enqueue(link_base=link_base)
        self.stdout.write("survey mail enqueued")
