"""The one mover of barrier status, the legal clocks, and input cleaning shared by the services."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import require
from barriers import deadlines
from barriers.audit import ChainHead, append_event
from barriers.errors import StaleVersion, TransitionNotAllowed
from barriers.models import Barrier, BarrierClock, BarrierEvent, ClockStep, EventKind
from barriers.transitions import TERMINAL, VERBS, can_move
from core.business_days import add_business_days, business_days_between
from core.errors import NotFound, ValidationFailed
from core.text import normalize_text
from firms.models import Sector

# The columns ``move`` changes (with ``stop_clock``'s when the target is terminal), and those a
# clock sets on the barrier: what a transition saves with ``update_fields``.
BARRIER_FIELDS_CHANGED_BY_MOVE = ["status", "status_changed_at", "version", "updated_at"]
DUE_FIELDS = ["due_at", "due_on", "due_step"]


def locked_barrier(barrier_id: int, *, related: tuple[str, ...] = ()) -> Barrier:
    """The barrier row, locked until the transaction ends (two officials may click at once).

    ``related``: foreign keys to read in the same statement (the firm and filer that the answer
    to a transition shows); only the barrier's row is locked, not theirs."""
    qs = Barrier.objects.select_for_update()
    if related:
        qs = Barrier.objects.select_for_update(of=("self",)).select_related(*related)
    try:
        return qs.get(pk=barrier_id)
    except (Barrier.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("규제 애로를 찾을 수 없습니다.")) from None


def guard(barrier: Barrier, *, actor: Any, verb: str, expected_version: int | None) -> None:
    """Refuse unless ``actor`` sees the barrier (404), may take ``verb`` (403), is not acting on a
    stale copy (409) and the barrier's state allows the verb (409)."""
    require(actor, "barrier.view", barrier, hide=True)
    require(actor, f"barrier.{verb}", barrier)
    if expected_version is not None and expected_version != barrier.version:
        raise StaleVersion()
    if not can_move(barrier.status, verb):
        raise TransitionNotAllowed(current=barrier.status, verb=verb)


def move(
    barrier: Barrier,
    *,
    verb: str,
    actor: Any,
    now: dt.datetime,
    note: str = "",
    data: dict[str, Any] | None = None,
    head: ChainHead | None = None,
) -> BarrierEvent:
    """Set the new status, bump the version and write the audit event; the caller saves.

    ``barrier`` comes from ``locked_barrier`` in the running transaction (or was created in it),
    so the audit chain does not take the row lock a second time. ``head``: see ``append_event``."""
    target = VERBS[verb].target
    if not can_move(barrier.status, verb):  # the guard ran already; this keeps move() honest on its own
        raise TransitionNotAllowed(current=barrier.status, verb=verb)
    event = append_event(
        barrier,
        actor=actor,
        kind=EventKind.TRANSITION,
        verb=verb,
        from_status=barrier.status,
        to_status=target,
        note=note,
        data=data or {},
        now=now,
        head=head,
        row_locked=True,
    )
    enter_state(barrier, verb=verb, now=now)
    if target in TERMINAL:
        stop_clock(barrier, now=now)
    notify_on_commit(event)
    return event


def enter_state(barrier: Barrier, *, verb: str, now: dt.datetime) -> None:
    """Set the status ``verb`` leads to and bump the version (what ``move`` changes on the row,
    without its event: for a caller that writes the event itself, after inserting the row)."""
    barrier.status = VERBS[verb].target
    barrier.status_changed_at = now
    barrier.version += 1


def record_event(
    barrier: Barrier,
    *,
    kind: str,
    verb: str,
    actor: Any,
    now: dt.datetime,
    note: str = "",
    data: dict[str, Any],
    head: ChainHead | None = None,
) -> BarrierEvent:
    """An audit event that does not change the status (extension, outcome, attachment).
    ``head``: see ``append_event`` (``NEW_CHAIN`` for a barrier created in this transaction)."""
    event = append_event(
        barrier,
        actor=actor,
        kind=kind,
        verb=verb,
        from_status=barrier.status,
        to_status=barrier.status,
        note=note,
        data=data,
        now=now,
        head=head,
    )
    notify_on_commit(event)
    return event


def notify_on_commit(event: BarrierEvent) -> None:
    # Notifications run after the commit: a failed send never rolls back the transition.
    from barriers.tasks import AUDIENCE, notify_event

    if event.verb in AUDIENCE:  # drafts and attachments concern nobody else: no task at all
        transaction.on_commit(partial(notify_event.enqueue, event_id=event.pk))


# -- clocks ------------------------------------------------------------------------------------


def running_clock(barrier: Barrier) -> BarrierClock | None:
    return BarrierClock.objects.filter(barrier=barrier, stopped_at__isnull=True).first()


def stop_clock(barrier: Barrier, *, now: dt.datetime) -> BarrierClock | None:
    """Stop the running clock, if any, and clear the barrier's due time."""
    clock = running_clock(barrier)
    if clock is not None:
        clock.stopped_at = now
        clock.save(update_fields=["stopped_at"])
    barrier.set_due(None)
    barrier.due_step = ""
    return clock


def start_clock(
    barrier: Barrier, *, step: str, now: dt.datetime, due: dt.datetime | None = None, first: bool = False
) -> BarrierClock:
    """Stop whatever runs and start the clock of ``step`` with the period configured for it.
    ``first``: the barrier was created in this transaction, so no clock runs yet."""
    if not first:
        stop_clock(barrier, now=now)
    clock = planned_clock(barrier, step=step, now=now, due=due)
    clock.save(force_insert=True)
    return clock


def planned_clock(barrier: Barrier, *, step: str, now: dt.datetime, due: dt.datetime | None = None) -> BarrierClock:
    """The clock of ``step`` starting ``now``, not yet saved, with its due time set on
    ``barrier``: a barrier not yet inserted can carry its due time in its first INSERT."""
    agency = barrier.lead_agency if step in (ClockStep.AGENCY_ANSWER, ClockStep.SECOND_ANSWER) else None
    period = deadlines.period_for(step=step, kind=barrier.kind, agency=agency)
    clock = BarrierClock(
        barrier=barrier,
        step=step,
        agency=agency,
        started_at=now,
        period_days=period.days,
        counting=period.counting.value,
        # In UTC, as the database gives it back: an answer shaped from this object shows the
        # same text as a later read of the row.
        due_at=(due or deadlines.compute_due(started_at=now, period=period)).astimezone(dt.UTC),
    )
    barrier.set_due(clock.due_at)
    barrier.due_step = step
    return clock


def resume_agency_clock(barrier: Barrier, *, now: dt.datetime) -> BarrierClock:
    """Restart the agency's clock after 보완: the days the filer took are not counted."""
    paused = (
        BarrierClock.objects.filter(barrier=barrier, step=ClockStep.AGENCY_ANSWER, stopped_at__isnull=False)
        .order_by("-stopped_at", "-pk")
        .first()
    )
    if paused is None or paused.stopped_at is None:
        return start_clock(barrier, step=ClockStep.AGENCY_ANSWER, now=now)
    paused_at = timezone.localtime(paused.stopped_at)
    old_due = timezone.localtime(paused.due_at)
    extra = deadlines.extra_closures(around=now)
    waited = business_days_between(paused_at.date(), timezone.localtime(now).date(), extra_holidays=extra)
    due = old_due
    if waited > 0:
        new_day = add_business_days(old_due.date(), waited, first_day_counts=False, extra_holidays=extra)
        due = old_due.replace(year=new_day.year, month=new_day.month, day=new_day.day)
    clock = start_clock(barrier, step=ClockStep.AGENCY_ANSWER, now=now, due=due)
    if clock.period_days != paused.period_days:
        clock.period_days = paused.period_days
        clock.save(update_fields=["period_days"])
    return clock


def remember_sectors(barrier: Barrier, sectors: list[Sector]) -> None:
    """Keep the sectors just written on ``barrier`` as if prefetched: whoever shapes the new
    barrier next (the API's answer) reads them without another query. ``sectors`` must be in
    the Sector ordering (``_sectors`` reads them so)."""
    remember_related(barrier, "sectors", sectors)


def remember_related(barrier: Barrier, name: str, rows: list[Any]) -> None:
    """Keep the rows of the many-to-many ``name`` just written (or read) on ``barrier`` as if
    prefetched, so that shaping the answer reads them without another query. ``rows`` must be
    in the related model's ordering, as ``getattr(barrier, name).all()`` would return them."""
    queryset = getattr(barrier, name).all()  # lazy: what a read would run, never run
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    cache = getattr(barrier, "_prefetched_objects_cache", None)
    if cache is None:
        cache = {}
        barrier._prefetched_objects_cache = cache  # type: ignore[attr-defined]
    cache[name] = queryset


# -- input -------------------------------------------------------------------------------------


def clean_optional_int(value: Any, *, field: str, label: str, maximum: int) -> int | None:
    """A non-negative whole number up to ``maximum``, or None when left empty."""
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise ValidationFailed(_("%(label)s을(를) 0 이상의 올바른 숫자로 입력하세요.") % {"label": label}, field=field)
    return value


def clean_text(value: Any, *, field: str, label: str, max_length: int, required: bool = False) -> str:
    """Normalised text (NFC, no controls or invisibles) within ``max_length``, or a 400."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(_("%(label)s의 형식이 올바르지 않습니다.") % {"label": label}, field=field)
    if len(value) > max_length * 2:  # refuse absurd input before normalising it
        raise ValidationFailed(
            _("%(label)s은(는) %(max)s자 이내로 입력하세요.") % {"label": label, "max": f"{max_length:,}"}, field=field
        )
    text = normalize_text(value)
    if required and not text:
        raise ValidationFailed(_("%(label)s을(를) 입력하세요.") % {"label": label}, field=field)
    if len(text) > max_length:
        raise ValidationFailed(
            _("%(label)s은(는) %(max)s자 이내로 입력하세요.") % {"label": label, "max": f"{max_length:,}"}, field=field
        )
    return text


def clean_line(value: Any, *, field: str, label: str, max_length: int, required: bool = False) -> str:
    """Like ``clean_text`` for one-line values (titles, statute names): line breaks become spaces."""
    text = clean_text(value, field=field, label=label, max_length=max_length, required=required)
    return " ".join(text.split())
