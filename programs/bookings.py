"""Writes for demonstration-site bookings: request, approve, reject, cancel.

No double booking, twice guarded: the site row is locked while a request checks for overlaps
(``select_for_update``; SQLite serialises writers with ``BEGIN IMMEDIATE``), and every held slot
is a ``BookingSlot`` row under a unique (site, start) constraint, so even a path that forgot the
lock cannot store an overlap.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import require
from core.errors import Conflict, NotFound, ValidationFailed
from core.text import normalize_text
from firms.models import Firm
from programs.models import HOLDING, BookingSlot, BookingStatus, DemonstrationSite, SiteBooking

MAX_DAYS_AHEAD = 365
B = BookingStatus


def slot_starts(site: DemonstrationSite, starts_at: dt.datetime, ends_at: dt.datetime) -> list[dt.datetime]:
    """The slot starts a booking covers, after checking it sits on the site's grid and hours."""
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValidationFailed(_("시각에 시간대가 없습니다."), code="naive_datetime", field="starts_at")
    if ends_at <= starts_at:
        raise ValidationFailed(_("종료 시각은 시작 시각보다 뒤여야 합니다."), field="ends_at")
    local_start, local_end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    if local_start.date() != local_end.date() and local_end.time() != dt.time(0):
        raise ValidationFailed(_("하루 안에서만 예약할 수 있습니다."), field="ends_at")
    opening = dt.datetime.combine(local_start.date(), site.opens_at, tzinfo=local_start.tzinfo)
    closing = dt.datetime.combine(local_start.date(), site.closes_at, tzinfo=local_start.tzinfo)
    if local_start < opening or local_end > closing:
        raise ValidationFailed(
            _("운영 시간(%(open)s~%(close)s) 안에서만 예약할 수 있습니다.")
            % {"open": site.opens_at.strftime("%H:%M"), "close": site.closes_at.strftime("%H:%M")},
            code="outside_hours",
        )
    step = dt.timedelta(minutes=site.slot_minutes)
    offset, span = local_start - opening, local_end - local_start
    if offset % step or span % step:
        raise ValidationFailed(
            _("예약은 %(minutes)d분 단위로만 할 수 있습니다.") % {"minutes": site.slot_minutes}, code="off_grid"
        )
    count = span // step
    if count > site.max_slots_per_booking:
        raise ValidationFailed(
            _("한 번에 최대 %(n)d개 단위까지 예약할 수 있습니다.") % {"n": site.max_slots_per_booking},
            code="too_long",
        )
    return [starts_at + step * i for i in range(count)]


def request_booking(
    *,
    site_id: int,
    firm: Firm,
    actor: Any,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    participants: int,
    purpose: str,
) -> SiteBooking:
    """A firm asks for a time range; the slots are held until the operator rejects or it is cancelled."""
    require(actor, "site.book", firm)
    purpose = normalize_text(purpose or "")
    if not purpose:
        raise ValidationFailed(_("실증 내용을 적어 주세요."), field="purpose")
    if len(purpose) > 2000:
        raise ValidationFailed(_("실증 내용은 2,000자 이내로 적어 주세요."), field="purpose")
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValidationFailed(_("시각에 시간대가 없습니다."), code="naive_datetime", field="starts_at")
    now = timezone.now()
    if starts_at < now:
        raise ValidationFailed(_("지난 시간은 예약할 수 없습니다."), code="past", field="starts_at")
    if starts_at > now + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise ValidationFailed(_("1년 이내의 시간만 예약할 수 있습니다."), code="too_far", field="starts_at")
    try:
        with transaction.atomic():
            # Lock the site: concurrent requests for it queue here, then see each other's rows.
            site = DemonstrationSite.objects.select_for_update().filter(pk=site_id, is_active=True).first()
            if site is None:
                raise NotFound(_("실증 장소를 찾을 수 없습니다."))
            if not 1 <= participants <= site.capacity:
                raise ValidationFailed(
                    _("이 장소는 한 번에 %(n)d명(대)까지 이용할 수 있습니다.") % {"n": site.capacity},
                    code="capacity_exceeded",
                    field="participants",
                )
            starts = slot_starts(site, starts_at, ends_at)
            clash = SiteBooking.objects.filter(
                site=site, status__in=HOLDING, starts_at__lt=ends_at, ends_at__gt=starts_at
            ).exists()
            if clash:
                raise Conflict(_("이미 예약된 시간입니다. 다른 시간을 골라 주세요."), code="slot_taken")
            booking = SiteBooking.objects.create(
                site=site,
                firm=firm,
                starts_at=starts_at,
                ends_at=ends_at,
                participants=participants,
                purpose=purpose,
                requested_by=actor,
            )
            BookingSlot.objects.bulk_create([BookingSlot(site=site, booking=booking, starts_at=s) for s in starts])
    except IntegrityError as exc:
        raise Conflict(_("이미 예약된 시간입니다. 다른 시간을 골라 주세요."), code="slot_taken") from exc
    return booking


def _locked(booking_id: int) -> SiteBooking:
    booking = SiteBooking.objects.select_for_update().select_related("site").filter(pk=booking_id).first()
    if booking is None:
        raise NotFound(_("예약을 찾을 수 없습니다."))
    return booking


def _set(booking: SiteBooking, *, to: str, actor: Any, note: str, decided: bool) -> SiteBooking:
    booking.status, booking.status_changed_at = to, timezone.now()
    booking.decision_note = normalize_text(note or "")[:2000] or booking.decision_note
    fields = ["status", "status_changed_at", "decision_note", "updated_at"]
    if decided:
        booking.decided_by = actor
        fields.append("decided_by")
    booking.save(update_fields=fields)
    if to not in HOLDING:
        BookingSlot.objects.filter(booking=booking).delete()
    return booking


@transaction.atomic
def approve_booking(*, booking_id: int, actor: Any, note: str = "") -> SiteBooking:
    booking = _locked(booking_id)
    require(actor, "booking.decide", booking)
    if booking.status != B.REQUESTED:
        raise Conflict(_("승인 대기 중인 예약만 승인할 수 있습니다."), code="transition_not_allowed")
    if booking.ends_at <= timezone.now():
        raise Conflict(_("이미 지난 예약은 승인할 수 없습니다."), code="past")
    return _set(booking, to=B.APPROVED, actor=actor, note=note, decided=True)


@transaction.atomic
def reject_booking(*, booking_id: int, actor: Any, note: str = "") -> SiteBooking:
    booking = _locked(booking_id)
    require(actor, "booking.decide", booking)
    if booking.status != B.REQUESTED:
        raise Conflict(_("승인 대기 중인 예약만 반려할 수 있습니다."), code="transition_not_allowed")
    if not normalize_text(note or ""):
        raise ValidationFailed(_("반려 사유를 적어 주세요."), field="note")
    return _set(booking, to=B.REJECTED, actor=actor, note=note, decided=True)


@transaction.atomic
def cancel_booking(*, booking_id: int, actor: Any, note: str = "") -> SiteBooking:
    """The firm (or the operator) cancels a held booking that has not ended; its slots are freed."""
    booking = _locked(booking_id)
    require(actor, "booking.cancel", booking, hide=True)
    if booking.status not in HOLDING:
        raise Conflict(_("이미 취소되었거나 반려된 예약입니다."), code="transition_not_allowed")
    if booking.ends_at <= timezone.now():
        raise Conflict(_("이미 끝난 예약은 취소할 수 없습니다."), code="past")
    return _set(booking, to=B.CANCELLED, actor=actor, note=note, decided=False)
