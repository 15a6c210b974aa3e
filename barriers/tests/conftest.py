from __future__ import annotations

import pytest

from accounts.models import Role
from accounts.tests.factories import MembershipFactory
from barriers import services
from barriers.tests.factories import BODY


@pytest.fixture
def second_firm_member(firm):
    """A colleague at the same firm."""
    return MembershipFactory(role=Role.FIRM_MEMBER, firm=firm).user


@pytest.fixture
def other_agency_official(other_agency):
    return MembershipFactory(role=Role.AGENCY_OFFICIAL, agency=other_agency).user


@pytest.fixture
def submitted(firm, firm_member):
    return services.file_barrier(
        actor=firm_member,
        firm=firm,
        title="로봇 보도 통행 제한",
        body=BODY,
        sector_codes=["robots"],
        submit=True,
    )


@pytest.fixture
def forwarded(submitted, city_official, agency):
    services.triage_barrier(barrier_id=submitted.pk, actor=city_official, kind="proposal", lead_agency=agency)
    return services.forward_to_agency(barrier_id=submitted.pk, actor=city_official)


@pytest.fixture
def answered(forwarded, agency_official):
    return services.answer_barrier(
        barrier_id=forwarded.pk,
        actor=agency_official,
        outcome="declined",
        body="현행 도로교통법상 보도 통행은 허용되지 않습니다.",
        reason_code="safety",
        legal_basis="도로교통법 제13조의2",
    )
