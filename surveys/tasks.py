"""Survey mail as background tasks (django-tasks). Enqueued after commit, never inside a transaction.

Each task is safe to run twice or concurrently: invitations and reminders are claimed row by row
(compare-and-swap), so a firm gets each invitation once and at most one reminder.
"""

from __future__ import annotations

from django_tasks import task

from surveys import services


@task()
def send_invitations(survey_id: int | None = None, link_base: str = "") -> int:
    """Mail the unsent invitations of open surveys (of one survey, or all)."""
    return services.send_due_invitations(survey_id=survey_id, link_base=link_base)


@task()
def send_reminders(survey_id: int | None = None, link_base: str = "") -> int:
    """Send the one reminder each unanswered invitation may get (of one survey, or all)."""
    return services.remind_unanswered(survey_id=survey_id, link_base=link_base)
