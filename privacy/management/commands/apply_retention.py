"""python manage.py apply_retention [--dry-run] [--days N] — destroy personal data past retention.

Barriers closed or withdrawn more than ``HAECHI_RETENTION_DAYS_AFTER_CLOSE`` days ago lose their
attachments, internal notes and audit-event notes, and get their texts masked; access-log entries
older than ``HAECHI_ACCESS_LOG_DAYS`` are deleted (see ``privacy.services``). Prints what went.
Run it daily (cron). ``--dry-run`` reports without changing anything.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from privacy.services import apply_retention


class Command(BaseCommand):
    help = "보존 기간이 지난 개인정보를 파기하고 파기 내역을 보고합니다."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="파기하지 않고 대상만 보고")
        parser.add_argument("--days", type=int, help="종결 후 보존 일수 (기본: 설정값)")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if days is not None and days < 0:
            raise CommandError("--days는 0 이상이어야 합니다.")
        report = apply_retention(dry_run=options["dry_run"], days=days)
        verb = "would destroy" if report.dry_run else "destroyed"
        self.stdout.write(f"retention cutoff: barriers closed before {report.cutoff:%Y-%m-%d %H:%M %Z}")
        for item in report.barriers:
            self.stdout.write(
                f"  barrier #{item['barrier_id']} (closed {item['closed_at']}): {verb} "
                f"{item['attachments']} attachments, {item['internal_notes']} internal notes, "
                f"{item['event_notes']} event notes; masked {item['texts_masked']} texts; "
                f"unlinked {item['cosigners_unlinked']} co-signers"
            )
        totals = report.totals()
        self.stdout.write(
            f"{verb}: {len(report.barriers)} barriers, {totals['attachments']} attachments, "
            f"{totals['internal_notes']} internal notes, {totals['event_notes']} event notes, "
            f"{totals['texts_masked']} texts masked, {totals['cosigners_unlinked']} co-signers unlinked, "
            f"{report.access_log_deleted} access-log entries, {report.idempotency_keys_deleted} idempotency keys, "
            f"{len(report.orphan_files_deleted)} orphan files"
        )
