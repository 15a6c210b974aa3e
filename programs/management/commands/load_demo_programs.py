"""python manage.py load_demo_programs — demo programs and sites (idempotent, marked as demo)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from programs.demo import load_demo_programs


class Command(BaseCommand):
    help = "시연용 지원사업과 실증 장소를 만듭니다 (다시 실행해도 중복되지 않음)."

    def handle(self, *args: Any, **options: Any) -> None:
        programs, sites = load_demo_programs()
        self.stdout.write(f"demo programs={programs} sites={sites}")
