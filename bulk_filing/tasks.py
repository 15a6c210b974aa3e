"""Bulk filing as background work (django-tasks): check and import an upload, then route it."""

from __future__ import annotations

import logging

from django_tasks import task

from bulk_filing.models import BulkUpload

logger = logging.getLogger(__name__)


@task()
def process_upload(upload_id: int) -> str:
    """Check every row of an upload and file all of them or none (``services.process_upload``)."""
    from bulk_filing import services

    return services.process_upload(upload_id=upload_id)


@task()
def route_upload(upload_id: int) -> int:
    """Route the barriers an upload filed, one after another in this one task (instead of ten
    thousand queued tasks); a barrier that fails to route is logged and left for the triage page."""
    from routing.tasks import route_barrier

    upload = BulkUpload.objects.filter(pk=upload_id).only("created").first()
    if upload is None:
        return 0
    routed = 0
    for _row, barrier_id in upload.created:
        try:
            outcome = route_barrier.call(barrier_id=barrier_id)
        except Exception:  # routing never undoes a filing
            logger.exception("routing barrier %s of bulk upload %s failed", barrier_id, upload_id)
            continue
        if outcome == "no-model":
            break  # no routing model yet: the triage page offers to route later
        routed += outcome == "routed"
    return routed
