"""Two officials act on the same barrier at the same moment: exactly one wins (PostgreSQL only:
SQLite serialises writers anyway)."""

from __future__ import annotations

import pytest
from django.db import connection

from accounts.models import Role
from accounts.tests.factories import MembershipFactory
from barriers import services
from barriers.models import Barrier, BarrierEvent, BarrierStatus
from barriers.tests.together import run_together
from core.errors import Conflict

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real row locks (PostgreSQL)")
@pytest.mark.parametrize("with_version", [True, False])
def test_two_officials_answer_at_once_one_wins(sectors, firm, firm_member, agency, with_version):
    city = MembershipFactory(role=Role.CITY_OFFICIAL).user
    first = MembershipFactory(role=Role.AGENCY_OFFICIAL, agency=agency).user
    second = MembershipFactory(role=Role.AGENCY_OFFICIAL, agency=agency).user
    barrier = services.file_barrier(
        actor=firm_member, firm=firm, title="동시성", body="가" * 40, sector_codes=["ai"], submit=True
    )
    services.triage_barrier(barrier_id=barrier.pk, actor=city, kind="proposal", lead_agency=agency)
    barrier = services.forward_to_agency(barrier_id=barrier.pk, actor=city)
    version = barrier.version if with_version else None

    def answer(user):
        return lambda: services.answer_barrier(
            barrier_id=barrier.pk,
            actor=user,
            outcome="long_term_review",
            body=f"{user.name}의 회신",
            expected_version=version,
        )

    outcomes = run_together(answer(first), answer(second))
    wins = [o for o in outcomes if isinstance(o, Barrier)]
    losses = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(wins) == 1 and len(losses) == 1, outcomes
    assert losses[0].status == 409
    stored = Barrier.objects.get(pk=barrier.pk)
    assert stored.status == BarrierStatus.ANSWERED and stored.answers.count() == 1
    assert BarrierEvent.objects.filter(barrier=stored, verb="answer").count() == 1
