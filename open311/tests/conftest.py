from __future__ import annotations

import pytest

from accounts.models import Role
from accounts.tests.factories import MembershipFactory
from barriers import services as barrier_services
from barriers.tests.factories import BODY
from open311.models import Open311Client
from register import services as register_services

SECRET_BODY = (
    BODY + " 담당자 김철수 과장에게 010-1234-5678 또는 chulsoo@example.com 으로 연락 주십시오. "
    "도로교통법 제13조의2 제1항 때문에 3,000만원의 손실이 났습니다."
)


def file_and_triage(firm, member, official, agency, *, title="로봇 보도 통행 제한", sectors=("robots",), **fields):
    barrier = barrier_services.file_barrier(
        actor=member, firm=firm, title=title, body=SECRET_BODY, sector_codes=list(sectors), submit=True, **fields
    )
    return barrier_services.triage_barrier(barrier_id=barrier.pk, actor=official, kind="proposal", lead_agency=agency)


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def published(firm, firm_member, city_official, agency):
    barrier = file_and_triage(firm, firm_member, city_official, agency)
    return register_services.publish_barrier(barrier_id=barrier.pk, actor=city_official)


@pytest.fixture
def firm_client(firm, firm_member):
    client = Open311Client(name="기업 앱", user=firm_member, firm=firm)
    key = client.set_new_key()
    client.save()
    client.plain_key = key
    return client


@pytest.fixture
def association_client(association, association_staff):
    client = Open311Client(name="협회 시스템", user=association_staff, association=association)
    key = client.set_new_key()
    client.save()
    client.plain_key = key
    return client


@pytest.fixture
def second_city_official(db):
    return MembershipFactory(role=Role.CITY_OFFICIAL).user
