"""Fixtures of the routing workflow tests: a small router trained on hand-written barriers over the
hand-built statute index of conftest.py (no corpus, no 70 MB model), installed for one test.

Import the fixtures into a test module with ``from routing.tests.workflow_fixtures import *``.
"""

from __future__ import annotations

import pytest

from accounts.models import Role
from accounts.tests.factories import MembershipFactory
from agencies.tests.factories import AgencyFactory
from barriers import services as barrier_services
from firms.tests.factories import FirmFactory
from routing import engine
from routing.classifier import AgencyNames, LabelledBarrier, Router

MEDICAL = "원격진료가 의료법 때문에 막혀 있어서 비대면 진료 플랫폼으로 환자 상담을 못 하고 있습니다."
MEDICAL_2 = "비대면 진료 플랫폼에서 초진 환자 원격진료가 막혀 있어 환자 상담 서비스를 못 하고 있습니다."
PAYMENTS = "전자금융거래법상 선불 충전금 한도 규정 탓에 간편결제 확장이 불가하고 전자금융업 등록 요건도 과도함."

_ROWS = [
    ("비대면 진료", "원격진료가 막혀 있어서 환자를 못 봅니다", "biohealth", "보건복지부", "의료법"),
    ("원격의료", "의사와 환자 간 원격의료 허용 범위가 좁습니다", "biohealth", "보건복지부", "의료법"),
    ("병원 진료", "초진 환자 비대면 진료 금지로 플랫폼 운영 불가", "biohealth", "보건복지부", "의료법"),
    ("결제", "선불 충전금 한도 때문에 간편결제 서비스 확장이 어렵습니다", "fintech", "금융위원회", "전자금융거래법"),
    ("송금", "전자금융업 등록 요건이 과도해 송금 서비스 출시 지연", "fintech", "금융위원회", "전자금융거래법"),
    ("결제 대행", "PG 결제대행 자본금 요건과 전자금융 감독 부담", "fintech", "금융위원회", "전자금융거래법"),
    (
        "개인정보",
        "가명정보 결합 절차가 복잡해 AI 학습 데이터 활용이 어렵습니다",
        "ai",
        "개인정보보호위원회",
        "개인정보 보호법",
    ),
    ("데이터", "개인정보 동의 없이 AI 모델 학습 불가", "ai", "개인정보보호위원회", "개인정보 보호법"),
    (
        "학습 데이터",
        "AI 학습용 데이터에 포함된 개인정보 처리 기준 불명확",
        "ai",
        "개인정보보호위원회",
        "개인정보 보호법",
    ),
]
TRAIN = [
    LabelledBarrier(str(n), title, text, sector, (ministry,), (statute,))
    for n, (title, text, sector, ministry, statute) in enumerate(_ROWS, start=1)
]


@pytest.fixture(scope="session")
def small_router(index) -> Router:
    return Router(index=index, retriever=None, agencies=AgencyNames.from_files(), law_sectors={}).fit(TRAIN)


@pytest.fixture
def routing_on(small_router):
    """Routing runs on submit with the small router; the in-memory LSH index starts empty."""
    engine.use_router(small_router)
    engine.forget_signature_index()
    yield small_router
    engine.use_router(None)
    engine.forget_signature_index()


@pytest.fixture
def health_ministry(db):
    return AgencyFactory(name="보건복지부", code="mohw")


@pytest.fixture
def finance_commission(db):
    return AgencyFactory(name="금융위원회", code="fsc")


@pytest.fixture
def health_official(health_ministry):
    return MembershipFactory(role=Role.AGENCY_OFFICIAL, agency=health_ministry).user


@pytest.fixture
def submit(django_capture_on_commit_callbacks):
    """File and submit a barrier through the real services, running the on-commit routing task."""

    def file_and_submit(*, firm=None, title="비대면 진료 제한", body=MEDICAL, sectors=("biohealth",), **fields):
        firm = firm or FirmFactory()
        member = MembershipFactory(role=Role.FIRM_MEMBER, firm=firm).user
        with django_capture_on_commit_callbacks(execute=True):
            barrier = barrier_services.file_barrier(
                actor=member, firm=firm, title=title, body=body, sector_codes=list(sectors), submit=True, **fields
            )
        barrier.refresh_from_db()
        return barrier

    return file_and_submit


__all__ = [
    "MEDICAL",
    "MEDICAL_2",
    "PAYMENTS",
    "finance_commission",
    "health_ministry",
    "health_official",
    "routing_on",
    "small_router",
    "submit",
]
