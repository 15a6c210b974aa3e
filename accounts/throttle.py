"""Sign-in throttling: a sliding window of failures per account and per client address.

A locked-out account cools off by itself (the window slides), so an attacker cannot lock a
victim out for good; the per-address limit slows password spraying across many accounts.
"""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import SignInAttempt


def client_ip(request: HttpRequest) -> str | None:
    """The client address; the forwarded header is trusted only when a proxy we run sets it."""
    if settings.HAECHI_TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def seconds_until_allowed(*, email: str, ip_address: str | None, now: dt.datetime | None = None) -> int:
    """0 when a sign-in may be tried now; otherwise how long the client must wait."""
    now = now or timezone.now()
    window = dt.timedelta(seconds=settings.HAECHI_SIGNIN_WINDOW_SECONDS)
    since = now - window
    waits = [0]
    failures = SignInAttempt.objects.filter(succeeded=False, attempted_at__gte=since)
    checks = [(failures.filter(email=email.lower()), settings.HAECHI_SIGNIN_MAX_FAILURES_PER_ACCOUNT)]
    if ip_address:
        checks.append((failures.filter(ip_address=ip_address), settings.HAECHI_SIGNIN_MAX_FAILURES_PER_IP))
    for queryset, limit in checks:
        recent = list(queryset.order_by("-attempted_at").values_list("attempted_at", flat=True)[:limit])
        if len(recent) >= limit:
            # Allowed again once the oldest of the last `limit` failures leaves the window.
            waits.append(math.ceil((recent[-1] + window - now).total_seconds()))
    return max(0, *waits)


def record_sign_in_attempt(*, email: str, ip_address: str | None, succeeded: bool) -> None:
    SignInAttempt.objects.create(email=email.lower()[:254], ip_address=ip_address, succeeded=succeeded)
