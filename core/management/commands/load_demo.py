"""Load reference data plus demo firms, associations and one account per role (idempotent)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "데모 데이터(기관, 분야, 클러스터, 기업, 협회, 역할별 계정)를 불러옵니다."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="DEBUG가 꺼져 있어도 실행 (데모 서버 전용)")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "데모 계정은 알려진 비밀번호를 씁니다. 운영 환경에서는 실행하지 마세요 (--force로 강제)."
            )
        call_command("load_reference_data", stdout=self.stdout)
        accounts = load_demo()
        self.stdout.write("")
        self.stdout.write("데모 계정 (Demo accounts) — 비밀번호/password: " + DEMO_PASSWORD)
        for account in accounts:
            suffix = f" · {account.organisation}" if account.organisation else ""
            self.stdout.write(f"  {account.email:<28} {account.role}{suffix}")
