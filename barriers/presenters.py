"""Shape barriers for one viewer: the firm's identity only for those allowed to know it.

The shapes are plain dicts in the form of ``BarrierSummaryOut`` / ``BarrierOut``: django-ninja
validates a handler's result against its response schema anyway, so building schema objects
here would validate every row twice (a third of a queue page's serialisation time)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import get_language

from accounts.permissions import can
from barriers import selectors
from barriers.models import Barrier, BarrierStatus, DeclineReason
from barriers.transitions import OPEN
from core.business_days import SEOUL, overdue_business_days

# (language, status) → the status label: a list page asked the lazy translation once per row.
_STATUS_LABELS: dict[tuple[str | None, str], str] = {}


def status_label(status: str) -> str:
    """The label of ``status`` in the active language."""
    key = (get_language(), status)
    label = _STATUS_LABELS.get(key)
    if label is None:
        label = _STATUS_LABELS[key] = str(BarrierStatus(status).label)
    return label


def json_time(value: dt.datetime | None) -> str | None:
    """``value`` as the API's JSON renderer writes it (``DjangoJSONEncoder``: milliseconds, ``Z``
    for UTC), so a list page hands the renderer strings instead of one encoder call per time."""
    if value is None:
        return None
    text = value.isoformat()
    if value.microsecond:
        text = text[:23] + text[26:]
    if text.endswith("+00:00"):
        text = text[:-6] + "Z"
    return text


class PageClock:
    """``selectors.overdue_days`` for the rows of one page at one moment, computed once per due
    date in Seoul (a page's rows share a few due dates; the count depends on nothing else)."""

    def __init__(self, now: dt.datetime, closures: frozenset[dt.date]) -> None:
        self.now = now
        self.closures = closures
        self._by_day: dict[dt.date, int] = {}

    def overdue_days(self, barrier: Barrier) -> int:
        due = barrier.due_at
        if due is None or barrier.status not in OPEN or due >= self.now:
            return 0
        day = due.astimezone(SEOUL).date()
        days = self._by_day.get(day)
        if days is None:
            days = self._by_day[day] = overdue_business_days(due, self.now, extra_holidays=self.closures)
        return days


def _summary_fields(
    barrier: Barrier,
    viewer: Any,
    *,
    now: dt.datetime,
    closures: frozenset[dt.date] | None = None,
    sector_codes: list[str] | None = None,
    agencies: dict[int, dict[str, str]] | None = None,
    clock: PageClock | None = None,
) -> dict[str, Any]:
    shows_identity = can(viewer, "barrier.view_identity", barrier)
    if agencies is not None:
        lead_agency = agencies.get(barrier.lead_agency_id) if barrier.lead_agency_id is not None else None
    else:
        lead = barrier.lead_agency
        lead_agency = {"code": lead.code, "name": lead.name} if lead else None
    return {
        "id": barrier.pk,
        "title": barrier.title,
        "status": barrier.status,
        "status_label": status_label(barrier.status),
        "kind": barrier.kind,
        "firm": {"id": barrier.firm_id, "name": barrier.firm.name} if shows_identity else None,
        "lead_agency": lead_agency,
        "sectors": sector_codes if sector_codes is not None else [s.code for s in barrier.sectors.all()],
        "affected_firm_count": barrier.affected_firm_count,
        "submitted_at": barrier.submitted_at,
        "due_at": barrier.due_at,
        "due_step": barrier.due_step,
        "overdue_days": (
            clock.overdue_days(barrier)
            if clock is not None
            else selectors.overdue_days(barrier, as_of=now, closures=closures)
        ),
        "version": barrier.version,
    }


def _text_fields(barrier: Barrier) -> dict[str, Any]:
    return {
        "body": barrier.body,
        "statutes_named": barrier.statutes_named,
        "desired_change": barrier.desired_change,
        "harm_cost_won": barrier.harm_cost_won,
        "harm_delay_months": barrier.harm_delay_months,
        "harm_lost_market": barrier.harm_lost_market,
        "privacy": barrier.privacy,
        "seal_from_agency": barrier.seal_from_agency,
        "escalation_level": barrier.escalation_level,
        "second_review_used": barrier.second_review_used,
        "first_answered_at": barrier.first_answered_at,
        "closed_at": barrier.closed_at,
    }


def summary(
    barrier: Barrier,
    viewer: Any,
    *,
    now: dt.datetime,
    closures: frozenset[dt.date] | None = None,
    sector_codes: list[str] | None = None,
    agencies: dict[int, dict[str, str]] | None = None,
    clock: PageClock | None = None,
    times_as_text: bool = False,
) -> dict[str, Any]:
    """A list row (``BarrierSummaryOut``). ``sector_codes``: read for the whole page
    (``selectors.sector_codes_of``); otherwise from ``barrier.sectors``. ``agencies``: the lead
    agencies of the page (``agency_table.agency_refs``); otherwise ``barrier.lead_agency``.
    ``clock``: the page's overdue days (``PageClock``). ``times_as_text``: times already in the
    JSON renderer's text (``json_time``), for a page rendered without schema validation."""
    row = _summary_fields(
        barrier, viewer, now=now, closures=closures, sector_codes=sector_codes, agencies=agencies, clock=clock
    )
    if times_as_text:
        row["submitted_at"] = json_time(row["submitted_at"])
        row["due_at"] = json_time(row["due_at"])
    return row


def detail(barrier: Barrier, viewer: Any, *, now: dt.datetime, fresh: bool = False) -> dict[str, Any]:
    """The full barrier for ``viewer`` (``BarrierOut``). ``fresh``: just filed, so no answers,
    milestones or files."""
    if fresh:
        return {
            **_summary_fields(barrier, viewer, now=now, closures=frozenset()),
            **_text_fields(barrier),
            "cooperating_agencies": [],
            "answers": [],
            "milestones": [],
            "attachments": [],
            "actions": selectors.available_actions(barrier, viewer),
        }
    answers = [
        {
            "round": a.round,
            "agency": a.agency.name,
            "outcome": a.outcome,
            "outcome_label": str(a.get_outcome_display()),
            "body": a.body,
            "reason_code": a.reason_code,
            "reason_label": str(DeclineReason(a.reason_code).label) if a.reason_code else "",
            "legal_basis": a.legal_basis,
            "plan_change": a.plan_change,
            "plan_statute": a.plan_statute,
            "plan_due_on": a.plan_due_on,
            "created_at": a.created_at,
        }
        for a in barrier.answers.select_related("agency")
    ]
    milestones = [
        {"stage": m.stage, "stage_label": str(m.get_stage_display()), "happened_on": m.happened_on, "note": m.note}
        for m in barrier.milestones.all()
    ]
    attachments = [
        {
            "id": a.pk,
            "name": name,
            "file_type": a.file_type,
            "size": a.size,
            "url": reverse("barriers:attachment", args=[barrier.pk, a.pk]),
        }
        for a, name in selectors.attachments_for(barrier, viewer)
    ]
    return {
        **_summary_fields(barrier, viewer, now=now),
        **_text_fields(barrier),
        "cooperating_agencies": [{"code": a.code, "name": a.name} for a in barrier.cooperating_agencies.all()],
        "answers": answers,
        "milestones": milestones,
        "attachments": attachments,
        "actions": selectors.available_actions(barrier, viewer),
    }
