"""Read side of personal-data protection: a person's own data, as one JSON document."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from barriers.models import Barrier, BarrierEvent
from privacy.models import PersonalDataAccess

EXPORT_FORMAT = "haechi-personal-data-export/1"


def _when(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _event(event: BarrierEvent) -> dict[str, Any]:
    return {
        "barrier_id": event.barrier_id,
        "at": _when(event.created_at),
        "kind": event.kind,
        "verb": event.verb,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "note": event.note,
        "note_erased": event.redacted_at is not None,
    }


def personal_data_export(user: Any) -> dict[str, Any]:
    """Everything Haechi holds about ``user`` as a person: the account, memberships, barriers
    they filed with their events, events they wrote elsewhere, survey answers they submitted,
    co-signatures they signed and who viewed their data (the access log)."""
    from surveys.models import Response

    memberships = [
        {
            "role": m.role,
            "firm": m.firm.name if m.firm else None,
            "association": m.association.name if m.association else None,
            "agency": m.agency.name if m.agency else None,
            "active": m.is_active,
            "since": _when(m.created_at),
        }
        for m in user.memberships.select_related("firm", "association", "agency").order_by("pk")
    ]
    barriers = []
    for barrier in Barrier.objects.filter(filed_by=user).select_related("firm").order_by("pk"):
        barriers.append(
            {
                "id": barrier.pk,
                "firm": barrier.firm.name,
                "title": barrier.title,
                "body": barrier.body,
                "statutes_named": barrier.statutes_named,
                "desired_change": barrier.desired_change,
                "harm_cost_won": barrier.harm_cost_won,
                "harm_delay_months": barrier.harm_delay_months,
                "harm_lost_market": barrier.harm_lost_market,
                "privacy": barrier.privacy,
                "seal_from_agency": barrier.seal_from_agency,
                "status": barrier.status,
                "created_at": _when(barrier.created_at),
                "submitted_at": _when(barrier.submitted_at),
                "closed_at": _when(barrier.closed_at),
                "attachments": [
                    {"name": a.original_name, "type": a.file_type, "size": a.size, "sha256": a.sha256}
                    for a in barrier.attachments.order_by("pk")
                ],
                # Officials' notes on the firm's own case are the firm's data too, except internal notes.
                "events": [_event(e) for e in barrier.events.order_by("seq", "pk") if e.actor_id == user.pk],
            }
        )
    filed_ids = {b["id"] for b in barriers}
    elsewhere = [_event(e) for e in BarrierEvent.objects.filter(actor=user).exclude(barrier_id__in=filed_ids)]
    survey_answers = []
    for response in (
        Response.objects.filter(submitted_by=user).select_related("survey").prefetch_related("answers__question")
    ):
        survey_answers.append(
            {
                "survey": str(response.survey),
                "submitted_at": _when(response.submitted_at),
                "answers": [
                    {
                        "question": str(a.question),
                        "scale": a.scale_value,
                        "yes_no": a.bool_value,
                        "choice": a.choice_value,
                        "text": a.text_value,
                    }
                    for a in response.answers.all()
                ],
            }
        )
    cosignatures = []
    related = getattr(user, "cosignatures", None)
    if related is not None:
        cosignatures = [
            {
                "barrier_id": c.barrier_id,
                "account": c.account,
                "harm_cost_won": c.harm_cost_won,
                "harm_delay_months": c.harm_delay_months,
                "signed_at": _when(c.created_at),
                "withdrawn_at": _when(c.withdrawn_at),
            }
            for c in related.order_by("pk")
        ]
    viewed_by = [
        {"at": _when(a.accessed_at), "by": a.viewer_label, "what": a.what, "barrier_id": a.barrier_id}
        for a in PersonalDataAccess.objects.filter(subject_user=user).order_by("-accessed_at")[:1000]
    ]
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _when(timezone.now()),
        "account": {
            "email": user.email,
            "name": user.name,
            "preferred_language": user.preferred_language,
            "date_joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
        },
        "memberships": memberships,
        "barriers_filed": barriers,
        "events_elsewhere": elsewhere,
        "survey_answers": survey_answers,
        "cosignatures": cosignatures,
        "access_log_about_me": viewed_by,
    }
