"""Routing as background work (django-tasks): a submitted barrier is routed after its commit.

``enqueue_routing`` is what ``barriers.services.intake.submit_barrier`` calls on commit; the task
reads the barrier, asks the router (``routing.engine``), stores the proposal and links the
barrier into a recurring regulation. Routing never blocks or fails a submission: when the model
is not built yet the task logs it and the triage page offers to route again later.
"""

from __future__ import annotations

import logging

from django_tasks import task

from barriers.models import Barrier, BarrierStatus
from routing import engine, services

logger = logging.getLogger(__name__)


@task()
def route_barrier(barrier_id: int) -> str:
    """Route one barrier and link it; returns what happened (for the task's result)."""
    router = engine.get_router()
    if router is None:
        return "no-model"
    barrier = Barrier.objects.filter(pk=barrier_id).only("pk", "title", "body", "statutes_named", "status").first()
    if barrier is None or barrier.status in (BarrierStatus.DRAFT, BarrierStatus.WITHDRAWN):
        return "skipped"
    text = "\n".join(part for part in (barrier.body, barrier.statutes_named) if part)
    routed = engine.route_texts(router, [(barrier.title, text)])[0]
    services.record_routing(barrier_id=barrier.pk, routed=routed, model_version=engine.model_version(router))
    return "routed"


def enqueue_routing(barrier_id: int) -> None:
    """Queue routing for a barrier (call it on commit). A queue failure is logged, never raised:
    the submission has happened and the city can still route by hand from the triage page."""
    try:
        route_barrier.enqueue(barrier_id=barrier_id)
    except Exception:  # the immediate backend runs the task here: routing must not undo a submission
        logger.exception("routing barrier %s failed", barrier_id)


@task()
def refresh_recurring_regulations() -> int:
    """Merge candidate recurring regulations that concern one rule (``consolidate_recurring``:
    linking on arrival leaves some paraphrases apart), then refresh every recurring regulation's
    figures (days unresolved grow, co-signatures and answers arrive through other apps); schedule
    it like the other periodic jobs."""
    services.consolidate_recurring()
    return services.refresh_all_recurring()
