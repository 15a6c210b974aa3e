"""Routing's answers to other apps' domain signals (connected in ``RoutingConfig.ready``)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from barriers.signals import barrier_triaged
from routing import services


@receiver(barrier_triaged, dispatch_uid="routing.record_triage_decision")
def keep_triage_decision(
    sender: Any, *, barrier: Any, actor: Any, sectors: Any, lead_agency: Any, **kwargs: Any
) -> None:
    services.record_triage_decision(
        barrier=barrier,
        actor=actor,
        sector_codes=[s.code for s in sectors],
        lead_agency=lead_agency,
        cooperating_agencies=kwargs.get("cooperating_agencies", ()),
    )
