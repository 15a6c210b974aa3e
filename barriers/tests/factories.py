"""Barrier factories: one helper per state (factories are the only code that sets a status)."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from barriers.models import Barrier, BarrierStatus, ClockStep
from firms.models import Sector
from firms.tests.factories import FirmFactory

S = BarrierStatus
BODY = "자율주행 배송 로봇이 보도를 다닐 수 없어 서울 시내 실증을 진행하지 못하고 있습니다."


class BarrierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Barrier
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"배송 로봇 보도 통행 제한 {n}")
    body = BODY
    firm = factory.SubFactory(FirmFactory)
    filed_by = factory.SubFactory(UserFactory)
    desired_change = "보도 통행 허용 기준 마련"
    status = S.DRAFT

    @factory.post_generation
    def sectors(obj, create, extracted, **kwargs):
        if create:
            obj.sectors.set(Sector.objects.filter(code__in=extracted or ["robots"]))


AFTER_FORWARD = {S.FORWARDED, S.INFO_REQUESTED, S.ANSWERED, S.SECOND_REVIEW, S.ESCALATED}
STEP_FOR = {
    S.SUBMITTED: ClockStep.TRIAGE,
    S.TRIAGED: ClockStep.TRIAGE,
    S.FORWARDED: ClockStep.AGENCY_ANSWER,
    S.INFO_REQUESTED: ClockStep.INFORMATION,
    S.ANSWERED: ClockStep.REACTION,
    S.SECOND_REVIEW: ClockStep.SECOND_ANSWER,
    S.ESCALATED: ClockStep.ESCALATION,
}


def barrier_in(status: str, *, agency=None, forwarded: bool | None = None, due_in_days: int = 5, **kwargs) -> Barrier:
    """A barrier already in ``status`` with the fields that state implies (no events)."""
    now = timezone.now()
    fields: dict = {"status": status, "status_changed_at": now}
    if status != S.DRAFT:
        fields["submitted_at"] = now - dt.timedelta(days=1)
    if agency is not None:
        fields["lead_agency"] = agency
    if forwarded if forwarded is not None else status in AFTER_FORWARD:
        fields["forwarded_at"] = now
    if status in STEP_FOR:
        fields["due_at"] = now + dt.timedelta(days=due_in_days)
        fields["due_step"] = STEP_FOR[status]
    if status in (S.CLOSED, S.WITHDRAWN):
        fields["closed_at"] = now
    fields.update(kwargs)
    barrier = BarrierFactory(**fields)
    barrier.set_due(barrier.due_at)
    barrier.save(update_fields=["due_on"])
    return barrier
