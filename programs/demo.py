"""Demo programs and demonstration sites, clearly marked as demo (``is_demo``, "[시연]" in the title).

Idempotent: programs are keyed by (source=demo, external_id), sites by name. Application periods
are set relative to today on every run so the demo always has open programs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from firms.models import Cluster, Sector
from programs.models import DemonstrationSite, PeriodKind, ProgramSource, SiteKind, SupportProgram
from programs.search import search_document

DEMO_PREFIX = "[시연] "


@dataclass(frozen=True)
class DemoProgram:
    key: str
    title: str
    kind: str
    summary: str
    sectors: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    clusters: tuple[str, ...] = ()
    max_age: int | None = None
    min_age: int | None = None
    closes_in_days: int | None = 60
    places: int | None = None
    budget: int | None = None


PROGRAMS = (
    DemoProgram(
        "demo-robot-testbed",
        "서울 로봇 현장 실증 지원",
        "testbed",
        "배달·안내·방역 로봇을 지하철역, 공원, 공공청사에서 실증하도록 장소와 보험료를 지원합니다.",
        sectors=("robots",),
        sizes=("small", "medium"),
        places=12,
        budget=600_000_000,
    ),
    DemoProgram(
        "demo-sandbox-cost",
        "규제샌드박스 실증특례 비용 지원",
        "sandbox_cost",
        "실증특례·임시허가를 받았거나 신청하는 기업에 실증 비용과 책임보험료를 지원합니다.",
        sizes=("small", "medium"),
        closes_in_days=10,
        places=20,
    ),
    DemoProgram(
        "demo-mobility-zone",
        "상암 자율주행 시범운행지구 실증 참여기업 모집",
        "testbed",
        "상암 시범운행지구에서 자율주행 셔틀·배송 서비스를 실증할 기업을 모집합니다.",
        sectors=("mobility",),
        clusters=("sangam",),
        places=5,
    ),
    DemoProgram(
        "demo-fintech-overseas",
        "핀테크 해외 진출 지원 (여의도)",
        "overseas",
        "동남아 현지 실증(PoC), 현지 규제 자문, 투자자 연결을 지원합니다.",
        sectors=("fintech",),
        stages=("early", "leap"),
        places=15,
    ),
    DemoProgram(
        "demo-bio-ip",
        "바이오헬스 임상·특허 전략 컨설팅",
        "ip",
        "임상 설계와 특허 포트폴리오, 의료기기 인허가 전략을 전문가가 함께 세웁니다.",
        sectors=("biohealth",),
        places=10,
    ),
    DemoProgram(
        "demo-ai-data",
        "AI 학습데이터 구축 바우처",
        "funding",
        "AI 기업이 학습데이터를 구매·가공하는 비용을 바우처로 지원합니다.",
        sectors=("ai",),
        sizes=("small", "medium"),
        closes_in_days=30,
        budget=2_000_000_000,
    ),
    DemoProgram(
        "demo-early-seed",
        "초기 창업기업 사업화 자금",
        "funding",
        "창업 3년 이내 기업의 시제품 제작과 초기 마케팅 비용을 지원합니다.",
        max_age=3,
        budget=1_000_000_000,
    ),
    DemoProgram(
        "demo-growth-invest",
        "성장기 혁신기업 투자 연계 (IR 데이)",
        "investment",
        "업력 7년 초과 혁신기업을 벤처캐피털과 연결하는 IR 행사를 엽니다.",
        stages=("growth",),
        closes_in_days=None,
    ),
)


@dataclass(frozen=True)
class DemoSite:
    name: str
    kind: str
    operator: str
    address: str
    cluster: str
    sectors: tuple[str, ...]
    capacity: int
    slot_minutes: int
    rules: str
    sandbox_case: str = ""


SITES = (
    DemoSite(
        "상암 자율주행 시범운행지구 실증 구간",
        SiteKind.PILOT_ZONE,
        "서울시 자율주행 시범운행지구 운영사무국",
        "서울 마포구 상암동 DMC 일대",
        "sangam",
        ("mobility",),
        3,
        120,
        "안전요원 동승 필수. 차량별 책임보험 증빙 제출.",
        "자율주행 셔틀 유상 운송 실증특례",
    ),
    DemoSite(
        "양재 로봇 실증 필드",
        SiteKind.ROBOT_FIELD,
        "양재 AI·로봇 혁신허브",
        "서울 서초구 양재동",
        "yangjae-suseo",
        ("robots", "ai"),
        4,
        60,
        "보행자 구역 시속 5km 이하. 실증 전 안전 점검.",
        "실외 이동로봇 보도 통행 실증특례",
    ),
    DemoSite(
        "홍릉 병원 테스트베드",
        SiteKind.HOSPITAL,
        "홍릉 바이오·의료 클러스터 지원센터",
        "서울 동대문구 회기동",
        "hongneung",
        ("biohealth",),
        2,
        60,
        "IRB 승인 사본 제출. 환자 정보는 가명 처리된 자료만 사용.",
        "",
    ),
    DemoSite(
        "여의도 핀테크 실증 랩",
        SiteKind.FINTECH_LAB,
        "서울핀테크랩",
        "서울 영등포구 여의도동",
        "yeouido",
        ("fintech",),
        6,
        60,
        "가상 고객 데이터만 사용. 외부 망 연결은 사전 승인.",
        "혁신금융서비스 지정 과제 시험 운영",
    ),
)


@transaction.atomic
def load_demo_programs() -> tuple[int, int]:
    """Create or refresh the demo programs and sites; returns (programs, sites)."""
    today = timezone.localdate()
    sectors = {s.code: s for s in Sector.objects.all()}
    clusters = {c.slug: c for c in Cluster.objects.all()}
    for item in PROGRAMS:
        title = DEMO_PREFIX + item.title
        program, _created = SupportProgram.objects.update_or_create(
            source=ProgramSource.DEMO,
            external_id=item.key,
            defaults={
                "title": title,
                "summary": item.summary + "\n\n이 사업은 시연용 데이터입니다.",
                "operator": "해치 시연",
                "agency_name": "서울특별시",
                "kind": item.kind,
                "size_classes": list(item.sizes),
                "stages": list(item.stages),
                "max_age_years": item.max_age,
                "min_age_years": item.min_age,
                "allows_pre_founding": item.max_age is not None,
                "sectors_required": bool(item.sectors),
                "regions": ["서울"],
                "announced_on": today - dt.timedelta(days=14),
                "opens_on": today - dt.timedelta(days=14) if item.closes_in_days else None,
                "closes_on": today + dt.timedelta(days=item.closes_in_days) if item.closes_in_days else None,
                "period_kind": PeriodKind.DATED if item.closes_in_days else PeriodKind.ROLLING,
                "period_text": "" if item.closes_in_days else "상시 모집",
                "archived": False,
                "places": item.places,
                "budget_krw": item.budget,
                "is_demo": True,
                "search_document": search_document(title, item.summary),
            },
        )
        program.sectors.set([sectors[c] for c in item.sectors if c in sectors])
        program.clusters.set([clusters[c] for c in item.clusters if c in clusters])
    for site_item in SITES:
        site, _created = DemonstrationSite.objects.update_or_create(
            name=DEMO_PREFIX + site_item.name,
            defaults={
                "kind": site_item.kind,
                "operator_name": site_item.operator,
                "address": site_item.address,
                "cluster": clusters.get(site_item.cluster),
                "capacity": site_item.capacity,
                "slot_minutes": site_item.slot_minutes,
                "rules": site_item.rules,
                "sandbox_case": site_item.sandbox_case,
                "description": "시연용 실증 장소입니다.",
                "is_demo": True,
                "opens_at": dt.time(9),
                "closes_at": dt.time(18),
            },
        )
        site.sectors.set([sectors[c] for c in site_item.sectors if c in sectors])
    return len(PROGRAMS), len(SITES)
