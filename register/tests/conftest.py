"""Barriers driven through the real workflow services to the states the register cares about."""

from __future__ import annotations

import pytest

from barriers import services as barrier_services
from barriers.tests.factories import BODY
from register import services

SECRET_BODY = (
    BODY + " 담당자 김철수 과장에게 010-1234-5678 또는 chulsoo@example.com 으로 연락 주십시오. "
    "도로교통법 제13조의2 제1항 때문에 3,000만원의 손실이 났습니다."
)


def file_barrier(firm, member, *, title="로봇 보도 통행 제한", body=SECRET_BODY, sectors=("robots",), **fields):
    return barrier_services.file_barrier(
        actor=member, firm=firm, title=title, body=body, sector_codes=list(sectors), submit=True, **fields
    )


def triage(barrier, official, agency):
    return barrier_services.triage_barrier(barrier_id=barrier.pk, actor=official, kind="proposal", lead_agency=agency)


def forward(barrier, official):
    return barrier_services.forward_to_agency(barrier_id=barrier.pk, actor=official)


def answer(barrier, agency_official, *, body="현행 도로교통법상 보도 통행은 허용되지 않습니다."):
    return barrier_services.answer_barrier(
        barrier_id=barrier.pk,
        actor=agency_official,
        outcome="declined",
        body=body,
        reason_code="safety",
        legal_basis="도로교통법 제13조의2",
    )


@pytest.fixture
def triaged(firm, firm_member, city_official, agency):
    barrier = file_barrier(firm, firm_member)
    return triage(barrier, city_official, agency)


@pytest.fixture
def published(triaged, city_official):
    return services.publish_barrier(barrier_id=triaged.pk, actor=city_official)


@pytest.fixture
def answered_published(triaged, city_official, agency_official):
    forward(triaged, city_official)
    answer(triaged, agency_official)
    return services.publish_barrier(barrier_id=triaged.pk, actor=city_official)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The register caches k-anonymity counts and filing years; every test starts without them."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
