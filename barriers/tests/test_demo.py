"""The demo barriers are real workflow output: filed and moved by the service functions."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from barriers.demo import DEMO_BARRIERS, load_demo_barriers
from barriers.models import AnswerOutcome, Barrier, BarrierStatus
from core.demo import load_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_world():
    call_command("load_reference_data")
    load_demo()


def test_demo_barriers_reach_every_stage_of_the_workflow(demo_world):
    statuses = set(Barrier.objects.values_list("status", flat=True))
    assert {BarrierStatus.DRAFT, BarrierStatus.SUBMITTED, BarrierStatus.FORWARDED, BarrierStatus.CLOSED} <= statuses
    assert Barrier.objects.count() == len(DEMO_BARRIERS)


def test_demo_answers_carry_what_the_workflow_demands(demo_world):
    declined = Barrier.objects.get(answers__outcome=AnswerOutcome.DECLINED)
    answer = declined.answers.get()
    assert answer.reason_code and answer.legal_basis
    accepted = Barrier.objects.get(answers__outcome=AnswerOutcome.ACCEPTED)
    assert accepted.milestones.count() == 2


def test_demo_barriers_have_an_audit_trail_for_every_step(demo_world):
    closed = Barrier.objects.get(status=BarrierStatus.CLOSED)
    verbs = list(closed.events.order_by("created_at", "pk").values_list("verb", flat=True))
    assert verbs[:5] == ["file", "submit", "triage", "forward", "answer"]


def test_loading_demo_barriers_again_files_nothing_twice(demo_world):
    assert load_demo_barriers() == 0
    assert Barrier.objects.count() == len(DEMO_BARRIERS)
