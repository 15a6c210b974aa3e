"""Barriers moved through the real workflow services, for the metrics and report tests."""

from __future__ import annotations

import datetime as dt

from barriers import services as barrier_services

LEDGER_TO_PROMULGATION = ("plan", "draft_amendment", "pre_announcement", "promulgation")


def forwarded_barrier(*, firm, filer, city, agency, title: str, body: str, sectors: list[str]):
    """A barrier filed by ``filer``, triaged by ``city`` and forwarded to ``agency``."""
    barrier = barrier_services.file_barrier(
        actor=filer, firm=firm, title=title, body=body, sector_codes=sectors, submit=True
    )
    barrier_services.triage_barrier(barrier_id=barrier.pk, actor=city, kind="proposal", lead_agency=agency)
    return barrier_services.forward_to_agency(barrier_id=barrier.pk, actor=city)


def accept_and_promulgate(*, barrier, official, on: dt.date) -> None:
    """The agency accepts with a plan and records the outcome ledger up to promulgation."""
    barrier_services.answer_barrier(
        barrier_id=barrier.pk,
        actor=official,
        outcome="accepted",
        body="기준을 마련하겠습니다.",
        plan_change="인허가 기준 신설",
        plan_due_on=on + dt.timedelta(days=90),
    )
    for stage in LEDGER_TO_PROMULGATION:
        barrier_services.record_outcome_milestone(barrier_id=barrier.pk, actor=official, stage=stage, happened_on=on)
