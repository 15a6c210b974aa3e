"""Consolidation of candidate recurring regulations in the database (services.consolidate_recurring):
paraphrases left in separate candidates are merged; anything an official decided stays as it is."""

from __future__ import annotations

import pytest

from routing import services
from routing.models import LinkSource, RecurringMembership, RecurringRegulation, RecurringStatus
from routing.tests.workflow_fixtures import *  # noqa: F403
from routing.tests.workflow_fixtures import MEDICAL, MEDICAL_2, PAYMENTS

pytestmark = pytest.mark.django_db


def _regulation_of(barrier) -> RecurringRegulation:
    return RecurringMembership.objects.get(barrier=barrier).regulation


def _apart(barrier, **fields) -> RecurringRegulation:
    """Put ``barrier`` in a candidate of its own, as if linking on arrival had missed its rule."""
    alone = RecurringRegulation.objects.create(statement="따로 시작된 후보", **fields)
    RecurringMembership.objects.filter(barrier=barrier).update(regulation=alone)
    services.refresh_recurring(regulation_id=alone.pk)
    return alone


def test_candidates_of_one_rule_are_merged_into_the_older_and_other_rules_stay(routing_on, sectors, submit):
    first = submit(body=MEDICAL)
    payments = submit(body=PAYMENTS, title="선불 충전 한도", sectors=("fintech",))
    second = submit(body=MEDICAL_2, title="초진 비대면 진료 금지")
    older = _regulation_of(first)
    newer = _apart(second)
    assert services.consolidate_recurring() == [(newer.pk, older.pk)]
    assert _regulation_of(second) == older != _regulation_of(payments)
    newer.refresh_from_db()
    older.refresh_from_db()
    assert newer.status == RecurringStatus.MERGED and newer.merged_into == older
    assert older.member_count == 2 and older.firm_count == 2
    assert RecurringMembership.objects.get(barrier=second).source == LinkSource.AUTOMATIC
    assert services.consolidate_recurring() == []  # nothing left to merge


def test_a_new_paraphrase_after_consolidation_joins_the_absorbing_regulation(routing_on, sectors, submit):
    first = submit(body=MEDICAL)
    _apart(submit(body=MEDICAL_2, title="초진 비대면 진료 금지"))
    services.consolidate_recurring()
    assert _regulation_of(submit(body=MEDICAL_2, title="비대면 초진")) == _regulation_of(first)


def test_confirmed_or_officially_placed_regulations_are_left_alone(routing_on, sectors, submit, city_official):
    first = submit(body=MEDICAL)
    confirmed = _apart(submit(body=MEDICAL_2, title="초진 비대면 진료 금지"), status=RecurringStatus.CONFIRMED)
    placed = _apart(submit(body=MEDICAL_2, title="비대면 초진"))
    RecurringMembership.objects.filter(regulation=placed).update(source=LinkSource.OFFICIAL)
    assert services.consolidate_recurring() == []
    assert len({_regulation_of(first).pk, confirmed.pk, placed.pk}) == 3
    confirmed.refresh_from_db()
    assert confirmed.status == RecurringStatus.CONFIRMED


def test_an_official_split_is_not_undone(routing_on, sectors, submit, city_official):
    first = submit(body=MEDICAL)
    second = submit(body=MEDICAL_2, title="초진 비대면 진료 금지")
    regulation = _regulation_of(first)
    assert _regulation_of(second) == regulation
    split = services.split_recurring(regulation_id=regulation.pk, barrier_ids=[second.pk], actor=city_official)
    assert services.consolidate_recurring() == []
    assert _regulation_of(second) == split != _regulation_of(first)
