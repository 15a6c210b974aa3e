"""Routing's permission rules, persona by persona."""

from __future__ import annotations

import pytest

from accounts.permissions import can
from barriers.models import BarrierStatus
from barriers.tests.factories import barrier_in

pytestmark = pytest.mark.django_db

PERSONAS = ["firm_member", "association_staff", "city_official", "agency_official", "admin_user", "outsider"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_rules_by_persona(request, sectors, persona):
    user = request.getfixturevalue(persona)
    submitted = barrier_in(BarrierStatus.SUBMITTED)
    draft = barrier_in(BarrierStatus.DRAFT)
    expected = {
        "firm_member": (False, False, False, False, False),
        "association_staff": (False, False, False, False, False),
        "city_official": (True, True, True, True, False),
        "agency_official": (False, False, True, False, True),
        "admin_user": (True, True, True, True, True),
        "outsider": (False, False, False, False, False),
    }[persona]
    got = (
        can(user, "routing.view_suggestion", submitted),
        can(user, "routing.decide", submitted),
        can(user, "recurring.view_internal"),
        can(user, "recurring.manage"),
        can(user, "recurring.answer"),
    )
    assert got == expected
    assert can(user, "routing.view_suggestion", draft) == (persona == "admin_user")


def test_anonymous_gets_nothing(db):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    assert not any(can(anonymous, a) for a in ("recurring.view_internal", "recurring.manage", "recurring.answer"))
