"""python manage.py notify_program_matches — tell firms about newly matching open programs (once each)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from programs.services import notify_matching_firms


class Command(BaseCommand):
    help = "접수 중인 지원사업 중 새로 자격이 된 기업에 알림을 만듭니다 (사업·기업 쌍마다 한 번)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"notices={notify_matching_firms()}")
