"""The hourly cron entry keeps recurring regulations' figures current without a page view."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from routing.models import RecurringMembership, RecurringRegulation
from routing.tests.workflow_fixtures import *  # noqa: F403
from routing.tests.workflow_fixtures import MEDICAL

pytestmark = pytest.mark.django_db


def test_refresh_recurring_command_recomputes_stale_figures(routing_on, sectors, submit):
    barrier = submit(body=MEDICAL)
    regulation = RecurringMembership.objects.get(barrier=barrier).regulation
    RecurringRegulation.objects.filter(pk=regulation.pk).update(harm_score=0, member_count=0, firm_count=0)

    call_command("refresh_recurring")  # the test settings run enqueued tasks immediately

    regulation.refresh_from_db()
    assert regulation.member_count == 1
    assert regulation.firm_count == 1
    assert regulation.harm_score > 0
