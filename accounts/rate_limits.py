"""Abuse limits: how often one account and one client address may do something.

Counters live in the database (``RateLimitBucket``: one row per client, limit and fixed window,
bumped with a single ``INSERT … ON CONFLICT DO UPDATE … RETURNING``), so a limit holds across
gunicorn workers and machines that share the database. Limits are configured in
``settings.HAECHI_RATE_LIMITS`` as ``"per account/per address/window seconds"`` (0 = no limit).

Use it in one line:

- add the route to ``LIMITED_ROUTES`` below (``RateLimitMiddleware`` applies it; no change to
  the view), or
- a Django view: ``@rate_limited("cosign")`` above the view (answers 429 with ``Retry-After``);
- an API handler or a view that decides itself: ``enforce(request, "cosign")`` raises
  ``core.errors.TooManyRequests``, which ``haechi/api.py`` turns into 429 with ``Retry-After``.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import RateLimitBucket
from accounts.throttle import client_ip
from core.errors import TooManyRequests

View = TypeVar("View", bound=Callable[..., Any])


# (method, route pattern as Django resolves it, required URL kwargs) → limit name. A test checks
# that every pattern here still exists, so a renamed route cannot silently lose its limit.
LIMITED_ROUTES: list[tuple[str, str, dict[str, str], str]] = [
    ("POST", "api/barriers", {}, "filing"),
    ("POST", "api/barriers/<barrier_id>/submit", {}, "filing"),
    ("POST", "api/barriers/associations/<association_id>/filings", {}, "filing"),
    ("POST", "barriers/new/", {}, "filing"),
    ("POST", "barriers/<int:barrier_id>/act/<slug:action>/", {"action": "submit"}, "filing"),
    ("POST", "barriers/associations/<int:association_id>/file/", {}, "filing"),
    ("POST", "bulk/", {}, "filing"),
    ("POST", "barriers/autosave/", {}, "autosave"),
    ("POST", "api/barriers/<barrier_id>/cosignatures", {}, "cosign"),
    ("POST", "barriers/<int:barrier_id>/cosign/", {}, "cosign"),
    ("POST", "api/surveys/invitations/<invitation_id>/response", {}, "survey"),
    ("POST", "surveys/t/<str:token>/", {}, "survey"),
    ("POST", "surveys/invitations/<int:invitation_id>/", {}, "survey"),
    ("POST", "api/accounts/sign-up", {}, "sign_up"),
]


def limit_for_route(method: str, route: str, kwargs: dict[str, object]) -> str | None:
    """The limit that applies to ``method`` on ``route`` (a resolver pattern), if any."""
    for limited_method, limited_route, needed, name in LIMITED_ROUTES:
        if (
            method == limited_method
            and route == limited_route
            and all(str(kwargs.get(key)) == value for key, value in needed.items())
        ):
            return name
    return None


@dataclass(frozen=True)
class Limit:
    """At most ``per_account`` hits per signed-in account and ``per_address`` per client address
    in each ``window`` seconds (0 switches that side off)."""

    name: str
    per_account: int
    per_address: int
    window: int


def limit_named(name: str) -> Limit:
    """The configured limit ``name`` (a typo is a bug: KeyError)."""
    raw = settings.HAECHI_RATE_LIMITS[name]
    try:
        account, address, window = (int(part) for part in str(raw).split("/"))
    except ValueError as exc:
        raise ValueError(f"HAECHI_RATE_LIMITS[{name!r}]={raw!r}: use 'per_account/per_address/seconds'") from exc
    return Limit(name=name, per_account=account, per_address=address, window=max(1, window))


def _bump(buckets: list[tuple[str, int, dt.datetime]]) -> dict[str, int]:
    """Add one hit to each ``(key, window, expires_at)`` bucket and return the new counts by key
    (one query, however many limits and clients)."""
    table = connection.ops.quote_name(RateLimitBucket._meta.db_table)
    rows = ", ".join(["(%s, %s, 1, %s)"] * len(buckets))
    params: list[Any] = []
    for key, window, expires_at in buckets:
        params += [key, window, connection.ops.adapt_datetimefield_value(expires_at)]
    # "window" is a reserved word in PostgreSQL: every column name is quoted.
    sql = (
        f'INSERT INTO {table} ("key", "window", "count", "expires_at") VALUES {rows} '
        f'ON CONFLICT ("key", "window") DO UPDATE SET "count" = {table}."count" + 1 RETURNING "key", "count"'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {str(key): int(count) for key, count in cursor.fetchall()}


def _clients(request: HttpRequest, limit: Limit) -> list[tuple[str, int]]:
    clients: list[tuple[str, int]] = []
    user = getattr(request, "user", None)
    if limit.per_account and user is not None and user.is_authenticated:
        clients.append((f"{limit.name}:u:{user.pk}", limit.per_account))
    address = client_ip(request)
    if limit.per_address and address:
        clients.append((f"{limit.name}:ip:{address}", limit.per_address))
    return clients


def retry_after(request: HttpRequest, name: str) -> int:
    """Count one hit of ``request``'s client on limit ``name``; 0 if allowed, else seconds to wait."""
    return retry_after_all(request, [name])


def retry_after_all(request: HttpRequest, names: list[str]) -> int:
    """Count one hit on each limit of ``names`` at once (one query); 0 if every one allows it,
    else the longest wait among those exceeded."""
    now = time.time()
    buckets: list[tuple[str, int, dt.datetime]] = []
    checks: list[tuple[str, int, float]] = []  # key, allowed, when its window ends
    for name in names:
        limit = limit_named(name)
        window = int(now // limit.window)
        window_ends = (window + 1) * limit.window
        expires_at = dt.datetime.fromtimestamp(window_ends, tz=dt.UTC)
        for key, allowed in _clients(request, limit):
            buckets.append((key, window, expires_at))
            checks.append((key, allowed, window_ends))
    if not buckets:
        return 0
    counts = _bump(buckets)
    if buckets[0][1] % 64 == 0 and counts and min(counts.values()) == 1:
        # Now and then, the first hit of a window clears buckets whose window has passed.
        RateLimitBucket.objects.filter(expires_at__lt=timezone.now()).delete()
    waits = [int(ends - now + 0.999) for key, allowed, ends in checks if counts.get(key, 0) > allowed]
    return max(1, *waits) if waits else 0


def enforce(request: HttpRequest, name: str) -> None:
    """Count a hit on limit ``name``; raise ``TooManyRequests`` (429, Retry-After) past it."""
    wait = retry_after(request, name)
    if wait:
        raise TooManyRequests(
            _("요청이 너무 많습니다. %(seconds)s초 뒤에 다시 시도하세요.") % {"seconds": wait},
            retry_after=wait,
            code="rate_limited",
        )


def too_many_requests_page(request: HttpRequest, wait: int) -> HttpResponse:
    """The 429 page for browsers, with ``Retry-After``."""
    minutes = max(1, round(wait / 60))
    response = render(request, "accounts/rate_limited.html", {"minutes": minutes, "seconds": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response


def rate_limited(name: str, *, methods: tuple[str, ...] = ("POST",)) -> Callable[[View], View]:
    """Decorate a Django view so that ``methods`` requests count against limit ``name``."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if request.method in methods:
                wait = retry_after(request, name)
                if wait:
                    return too_many_requests_page(request, wait)
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
