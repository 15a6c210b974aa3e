"""An iCalendar (RFC 5545) feed of a site's held bookings, written by hand (no extra dependency).

The feed is public, so events say only "예약됨"/"승인 대기": which firm booked is not published.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from programs.models import HOLDING, BookingStatus, DemonstrationSite, SiteBooking

FEED_DAYS_BACK = 31
FEED_DAYS_AHEAD = 366


def escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines."""
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Lines longer than 75 octets are folded (§3.1), never inside a UTF-8 sequence."""
    out: list[str] = []
    current = ""
    for char in line:
        limit = 75 if not out else 74  # continuation lines start with one space
        if len((current + char).encode("utf-8")) > limit:
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return "\r\n ".join(out)


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def site_calendar(site: DemonstrationSite, *, now: dt.datetime | None = None) -> str:
    moment = now or timezone.now()
    bookings = SiteBooking.objects.filter(
        site=site,
        status__in=HOLDING,
        ends_at__gte=moment - dt.timedelta(days=FEED_DAYS_BACK),
        starts_at__lte=moment + dt.timedelta(days=FEED_DAYS_AHEAD),
    ).order_by("starts_at")
    host = (settings.ALLOWED_HOSTS or ["haechi.localhost"])[0].lstrip(".") or "haechi.localhost"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Haechi//Demonstration sites//KO",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(site.name)}",
    ]
    for booking in bookings:
        summary = "예약됨" if booking.status == BookingStatus.APPROVED else "승인 대기"
        lines += [
            "BEGIN:VEVENT",
            f"UID:booking-{booking.pk}@{host}",
            f"DTSTAMP:{_utc(booking.updated_at)}",
            f"DTSTART:{_utc(booking.starts_at)}",
            f"DTEND:{_utc(booking.ends_at)}",
            f"SUMMARY:{escape(summary)}",
            f"LOCATION:{escape(site.address or site.name)}",
            "STATUS:" + ("CONFIRMED" if booking.status == BookingStatus.APPROVED else "TENTATIVE"),
            "TRANSP:OPAQUE",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
