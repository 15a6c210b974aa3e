"""Notifications as background tasks (django-tasks): one e-mail per person allowed to know.

``notify_event`` runs after the transition commits and writes ``Notification`` rows;
``deliver_notification`` sends one and retries with back-off. A failed send never touches the
barrier. ``send_daily_digest`` e-mails officials their due and overdue items.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task
from django_tasks.exceptions import InvalidTaskError

from accounts.models import Membership, Role, User
from accounts.permissions import can
from barriers.models import (
    Barrier,
    BarrierEvent,
    BarrierStatus,
    EventKind,
    Notification,
    NotificationStatus,
)
from barriers.transitions import OPEN

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_SECONDS = (60, 300, 1800, 7200)

# Who hears about what: "filer", "city", "agency" (lead agency's officials).
AUDIENCE: dict[str, tuple[str, ...]] = {
    "submit": ("city",),
    "triage": ("filer",),
    "forward": ("filer", "agency"),
    "transfer": ("filer", "agency", "city"),
    "request_information": ("filer", "city"),
    "provide_information": ("agency",),
    "answer": ("filer", "city"),
    "accept_answer": ("agency", "city"),
    "request_second_review": ("agency", "city"),
    "escalate": ("filer", "agency", "city"),
    "close": ("filer", "agency"),
    "withdraw": ("agency", "city"),
    "extend_deadline": ("filer", "city"),
    "record_outcome": ("filer", "city"),
}

VERB_LABELS: dict[str, str] = {
    "submit": "접수되었습니다",
    "triage": "검토·분류되었습니다",
    "forward": "소관기관에 전달되었습니다",
    "transfer": "다른 기관으로 이송되었습니다",
    "request_information": "추가 정보 제출이 요청되었습니다",
    "provide_information": "추가 정보가 제출되었습니다",
    "answer": "회신이 등록되었습니다",
    "accept_answer": "신청인이 회신을 수용했습니다",
    "request_second_review": "재검토가 요청되었습니다",
    "escalate": "규제개혁위원회에 상정되었습니다",
    "close": "종결되었습니다",
    "withdraw": "취하되었습니다",
    "extend_deadline": "처리기간이 연장되었습니다",
    "record_outcome": "개선 이행 단계가 기록되었습니다",
}


def _recipients(barrier: Barrier, audiences: tuple[str, ...], *, exclude: int | None) -> list[User]:
    q = Q(pk__in=[])
    if "filer" in audiences:
        q |= Q(pk=barrier.filed_by_id) | Q(
            memberships__role=Role.FIRM_MEMBER, memberships__firm_id=barrier.firm_id, memberships__is_active=True
        )
    if "city" in audiences:
        q |= Q(memberships__role=Role.CITY_OFFICIAL, memberships__is_active=True)
    if "agency" in audiences and barrier.lead_agency_id:
        q |= Q(
            memberships__role=Role.AGENCY_OFFICIAL,
            memberships__agency_id=barrier.lead_agency_id,
            memberships__is_active=True,
        )
    users = User.objects.filter(q, is_active=True).exclude(pk=exclude or 0).distinct().order_by("pk")
    # Only people who may see the barrier hear about it (a former agency after 이송 does not).
    return [u for u in users if can(u, "barrier.view", barrier)]


def _message(barrier: Barrier, event: BarrierEvent, recipient: User) -> tuple[str, str]:
    """Subject and body; the firm is named only to those allowed to know it (sealed identity)."""
    what = VERB_LABELS.get(event.verb, "처리 상태가 바뀌었습니다")
    subject = f"[해치] 규제 애로 #{barrier.pk} {what}"
    lines = [f"규제 애로 #{barrier.pk} 「{barrier.title}」이(가) {what}."]
    if can(recipient, "barrier.view_identity", barrier):
        lines.append(f"기업: {barrier.firm.name}")
    lines.append(f"현재 상태: {BarrierStatus(barrier.status).label}")
    if barrier.due_at:
        lines.append(f"처리 기한: {timezone.localtime(barrier.due_at):%Y-%m-%d %H:%M}")
    if event.note and event.kind != EventKind.DRAFT_UPDATED:
        lines += ["", event.note[:2000]]
    lines += ["", "자세한 내용은 해치에 로그인해 확인하세요."]
    return subject, "\n".join(lines)


@task()
def notify_event(event_id: int) -> int:
    """Queue one e-mail per person who should hear about ``event``; returns how many."""
    event = BarrierEvent.objects.select_related("barrier", "barrier__firm").filter(pk=event_id).first()
    if event is None:
        return 0
    audiences = AUDIENCE.get(event.verb, ())
    if not audiences:
        return 0
    barrier = event.barrier
    created = []
    for user in _recipients(barrier, audiences, exclude=event.actor_id):
        subject, body = _message(barrier, event, user)
        created.append(
            Notification.objects.create(recipient=user, barrier=barrier, event=event, subject=subject, body=body)
        )
    for notification in created:
        deliver_notification.enqueue(notification_id=notification.pk)
    return len(created)


def _schedule_retry(notification_id: int, attempts: int) -> None:
    delay = BACKOFF_SECONDS[min(attempts - 1, len(BACKOFF_SECONDS) - 1)]
    try:
        deliver_notification.using(run_after=timezone.now() + dt.timedelta(seconds=delay)).enqueue(
            notification_id=notification_id
        )
    except InvalidTaskError:
        # Backends without deferred runs (the immediate test backend): retry straight away.
        deliver_notification.enqueue(notification_id=notification_id)


@task()
def deliver_notification(notification_id: int) -> str:
    """Send one notification; on failure record the error and retry later, up to MAX_ATTEMPTS."""
    if connection.features.has_select_for_update_skip_locked:
        # Hold the row while sending: a second worker (the deferred retry and the one that
        # retry_notifications queued) skips it and then finds it sent. SQLite runs one worker.
        with transaction.atomic():
            claimed = (
                Notification.objects.select_for_update(skip_locked=True)
                .filter(pk=notification_id, status=NotificationStatus.PENDING)
                .first()
            )
            return _deliver(claimed) if claimed is not None else "skipped"
    claimed = Notification.objects.filter(pk=notification_id, status=NotificationStatus.PENDING).first()
    return _deliver(claimed) if claimed is not None else "skipped"


def _deliver(claimed: Notification) -> str:
    recipient = claimed.recipient
    try:
        send_mail(claimed.subject, claimed.body, settings.DEFAULT_FROM_EMAIL, [recipient.email], fail_silently=False)
    except Exception as exc:  # any transport error: record, retry, never raise into the worker
        attempts = claimed.attempts + 1
        final = attempts >= MAX_ATTEMPTS
        Notification.objects.filter(pk=claimed.pk).update(
            attempts=attempts,
            last_error=f"{type(exc).__name__}: {exc}"[:1000],
            status=NotificationStatus.FAILED if final else NotificationStatus.PENDING,
        )
        logger.warning("notification %s failed (attempt %s): %s", claimed.pk, attempts, exc)
        if not final:
            _schedule_retry(claimed.pk, attempts)
        return "failed" if final else "retrying"
    Notification.objects.filter(pk=claimed.pk).update(
        attempts=claimed.attempts + 1, status=NotificationStatus.SENT, sent_at=timezone.now()
    )
    return "sent"


@task()
def send_daily_digest() -> int:
    """E-mail each official the open barriers of their queue that are overdue or due within 2 days."""
    from barriers.selectors import work_queue

    now = timezone.now()
    soon = now + dt.timedelta(days=2)
    officials = (
        User.objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__role__in=[Role.CITY_OFFICIAL, Role.AGENCY_OFFICIAL],
        )
        .distinct()
        .order_by("pk")
    )
    sent = 0
    for official in officials:
        due = list(work_queue(official, as_of=now).filter(due_at__lte=soon, status__in=OPEN)[:50])
        if not due:
            continue
        overdue = [b for b in due if b.due_at and b.due_at < now]
        lines = [f"처리 기한이 지났거나 임박한 규제 애로 {len(due)}건 (기한 경과 {len(overdue)}건)", ""]
        for b in due:
            flag = "기한 경과" if b.due_at and b.due_at < now else "임박"
            due_text = f"{timezone.localtime(b.due_at):%Y-%m-%d %H:%M}" if b.due_at else "-"
            lines.append(f"- [{flag}] #{b.pk} {b.title[:80]} (기한 {due_text})")
        notification = Notification.objects.create(
            recipient=official,
            subject=f"[해치] 처리 기한 알림: {len(due)}건",
            body="\n".join(lines),
        )
        deliver_notification.enqueue(notification_id=notification.pk)
        sent += 1
    return sent


def pending_notifications() -> Any:
    """Notifications still waiting (for the admin and the retry command)."""
    return Notification.objects.filter(status=NotificationStatus.PENDING)


__all__ = ["Membership", "deliver_notification", "notify_event", "send_daily_digest"]
