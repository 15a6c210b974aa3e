"""Re-enqueue notifications still pending (e.g. after the worker was down)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from barriers.tasks import deliver_notification, pending_notifications


class Command(BaseCommand):
    help = "발송 대기 중인 알림을 다시 작업 큐에 넣습니다."

    def handle(self, *args: Any, **options: Any) -> None:
        count = 0
        for pk in pending_notifications().values_list("pk", flat=True)[:1000]:
            deliver_notification.enqueue(notification_id=pk)
            count += 1
        self.stdout.write(f"re-enqueued {count} notifications")
