"""python manage.py verify_audit [--barrier ID ...] — recompute the barrier audit hash chains.

Exit status 0 when every chain verifies; 1 with the first broken link of each broken chain.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from barriers.audit import verify_chains


class Command(BaseCommand):
    help = "규제 애로 처리 이력의 해시 체인을 다시 계산해 위·변조를 찾습니다."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--barrier", type=int, action="append", help="이 규제 애로만 검사 (여러 번 가능)")

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_chains(barrier_ids=options["barrier"])
        assert result.broken is not None
        self.stdout.write(
            f"checked {result.events} events in {result.barriers} chains "
            f"({result.redacted} notes erased under the retention rules)"
        )
        if result.broken:
            for link in result.broken:
                self.stderr.write(f"BROKEN {link}")
            raise CommandError(f"{len(result.broken)} chain(s) broken; first: {result.broken[0]}")
        self.stdout.write("audit chain OK")
