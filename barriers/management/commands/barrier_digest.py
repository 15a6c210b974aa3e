"""Daily digest of due and overdue barriers for officials (run from cron once a day)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from barriers.tasks import send_daily_digest


class Command(BaseCommand):
    help = "처리 기한이 지났거나 임박한 규제 애로를 담당자에게 메일로 알립니다."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--now", action="store_true", help="큐에 넣지 않고 바로 실행합니다.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["now"]:
            count = send_daily_digest.call()
            self.stdout.write(f"digest e-mails queued for {count} officials")
        else:
            result = send_daily_digest.enqueue()
            self.stdout.write(f"digest task enqueued: {result.id}")
