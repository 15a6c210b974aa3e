"""Fault: the mail server is down. Transitions still commit; the notification waits with its error;
when the server is back, ``retry_notifications`` and the worker send it, and the deferred retry
that comes due afterwards does not send it again (the database task queue, a real SMTP socket)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from barriers import services
from barriers.models import Barrier, BarrierStatus, Notification, NotificationStatus
from barriers.tests.factories import BODY
from bench.faults import SmtpSink, free_port

pytestmark = pytest.mark.django_db(transaction=True)


def _work() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.fixture
def mail_down(settings):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_TIMEOUT = 2
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    return port


def test_transitions_commit_while_mail_is_down_and_mail_goes_out_once_later(
    mail_down, firm, firm_member, city_official
):
    barrier = services.file_barrier(
        actor=firm_member, firm=firm, title="메일 장애", body=BODY, sector_codes=["robots"], submit=True
    )
    assert Barrier.objects.get(pk=barrier.pk).status == BarrierStatus.SUBMITTED
    _work()
    notification = Notification.objects.get(barrier=barrier)
    assert notification.recipient == city_official
    assert notification.status == NotificationStatus.PENDING and notification.attempts == 1
    assert "Connection refused" in notification.last_error or "ConnectionRefused" in notification.last_error
    deferred = DBTaskResult.objects.filter(status="READY", run_after__gt=timezone.now())
    assert deferred.count() == 1  # the back-off retry, not due yet

    with SmtpSink(mail_down) as sink:
        call_command("retry_notifications")
        _work()
        assert len(sink.messages) == 1
        assert sink.messages[0]["to"] == [city_official.email]
        # The deferred retry comes due: it finds the notification sent and leaves it.
        deferred.update(run_after=timezone.now())
        _work()
        call_command("retry_notifications")  # nothing pending any more
        _work()
        assert len(sink.messages) == 1
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT and notification.attempts == 2


def test_while_the_worker_is_stopped_tasks_wait_and_run_when_it_returns(settings, firm, firm_member, city_official):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django.core import mail

    barriers = [
        services.file_barrier(
            actor=firm_member, firm=firm, title=f"워커 {i}", body=BODY, sector_codes=["robots"], submit=True
        )
        for i in range(3)
    ]
    queued = DBTaskResult.objects.filter(status="READY", task_path="barriers.tasks.notify_event")
    assert queued.count() == 3  # one notify_event per submit, waiting for a worker
    assert not Notification.objects.exists() and mail.outbox == []
    _work()
    assert Notification.objects.filter(barrier__in=barriers, status=NotificationStatus.SENT).count() == 3
    assert len(mail.outbox) == 3
    assert not DBTaskResult.objects.filter(status="READY").exists()
