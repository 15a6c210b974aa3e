"""Sign-in throttling: a sliding window of failures per account and per client address.

A locked-out account cools off by itself (the window slides), so an attacker cannot lock a
victim out for good; the per-address limit slows password spraying across many accounts.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import SignInAttempt


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in settings.HAECHI_TRUSTED_PROXIES:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def client_ip(request: HttpRequest) -> str | None:
    """The client address, from X-Forwarded-For only when the peer is a proxy we trust.

    With ``HAECHI_TRUSTED_PROXIES`` (addresses or networks) the forwarded chain is read from the
    right, skipping our own proxies; the first other address is the client. Anything a client
    writes into the header itself sits further left and is never believed.
    ``HAECHI_TRUST_X_FORWARDED_FOR`` (older setting) trusts the direct peer as one proxy.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    peer_trusted = bool(remote) and (settings.HAECHI_TRUST_X_FORWARDED_FOR or _trusted(str(remote)))
    if not peer_trusted:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote  # garbage in the header: fall back to the proxy's own address
    return remote


# Whatever the settings say, an account never gets more than this many failed tries an hour.
MAX_ACCOUNT_FAILURES_PER_HOUR = 100
HOUR = dt.timedelta(hours=1)


def seconds_until_allowed(*, email: str, ip_address: str | None, now: dt.datetime | None = None) -> int:
    """0 when a sign-in may be tried now; otherwise how long the client must wait."""
    now = now or timezone.now()
    window = dt.timedelta(seconds=settings.HAECHI_SIGNIN_WINDOW_SECONDS)
    failures = SignInAttempt.objects.filter(succeeded=False, attempted_at__gte=now - max(window, HOUR))
    account = failures.filter(email=email.lower())
    checks = [
        (account, settings.HAECHI_SIGNIN_MAX_FAILURES_PER_ACCOUNT, window),
        (account, MAX_ACCOUNT_FAILURES_PER_HOUR, HOUR),
    ]
    if ip_address:
        checks.append((failures.filter(ip_address=ip_address), settings.HAECHI_SIGNIN_MAX_FAILURES_PER_IP, window))
    waits = [0]
    for queryset, limit, span in checks:
        recent = list(
            queryset.filter(attempted_at__gte=now - span)
            .order_by("-attempted_at")
            .values_list("attempted_at", flat=True)[:limit]
        )
        if len(recent) >= limit:
            # Allowed again once the oldest of the last `limit` failures leaves the window.
            waits.append(math.ceil((recent[-1] + span - now).total_seconds()))
    return max(0, *waits)


def record_sign_in_attempt(*, email: str, ip_address: str | None, succeeded: bool) -> None:
    SignInAttempt.objects.create(email=email.lower()[:254], ip_address=ip_address, succeeded=succeeded)
