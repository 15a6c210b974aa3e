"""Request-wide account concerns: language, API tokens, officials' sessions, API rate limits.

Order in ``settings.MIDDLEWARE`` (after Django's authentication): ``TwoFactorMiddleware``
(django-otp's, without a query of its own), ``ApiTokenMiddleware`` (a bearer token replaces the session for /api/), then
``OfficialSessionMiddleware`` (officials' second factor and timeouts), then
``RateLimitMiddleware`` (the general API limit and the per-route abuse limits).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import get_user as get_session_user
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device

from accounts.backends import CONFIRMED_DEVICES_ATTR
from accounts.rate_limits import limit_for_route, retry_after, retry_after_all, too_many_requests_page
from accounts.services import needs_two_factor, user_for_api_token

API_PREFIX = "/api/"
# Session keys: when the official signed in, and when they were last seen (epoch seconds).
SIGNED_IN_AT = "haechi_signed_in_at"
SEEN_AT = "haechi_seen_at"
# Writing "last seen" at most this often keeps a busy official's session from saving on every page.
SEEN_RESOLUTION_SECONDS = 60
# Health checks (load balancers poll them) and the API description are not counted.
UNLIMITED_API_PATHS = frozenset({"/api/health", "/api/openapi.json", "/api/docs"})


class TwoFactorMiddleware(OTPMiddleware):
    """django-otp's ``OTPMiddleware`` (``request.user.otp_device``, ``is_verified()``), checking
    the session's device against the confirmed devices ``accounts.backends`` read with the
    user's row instead of loading the device with a query of its own. Same rule as django-otp:
    the device must exist, be confirmed and belong to the user, else the session forgets it.
    The device object itself is loaded only if something asks for more than whether it exists."""

    def _install_lazy_accessors(self, request: HttpRequest) -> None:
        super()._install_lazy_accessors(request)
        if getattr(request, "user", None) is not None:
            # One lazy object over the user rather than django-otp's lazy object over Django's:
            # ``request.user`` is read dozens of times a request, each read through every layer.
            request.user = SimpleLazyObject(lambda: self._verify_user_sync(request, get_session_user(request)))  # type: ignore[assignment]

    def _verify_user_sync(self, request: HttpRequest, user: Any) -> Any:
        confirmed = getattr(user, CONFIRMED_DEVICES_ATTR, None) if user.is_authenticated else None
        if confirmed is None:  # a user loaded some other way (another backend): django-otp's check
            return super()._verify_user_sync(request, user)
        self._init_user_fields(user)
        persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
        if persistent_id and self._normalize_persistent_id(persistent_id) in confirmed:
            found = self._normalize_persistent_id(persistent_id)
            user.otp_device = SimpleLazyObject(functools.partial(Device.from_persistent_id, found))
        elif DEVICE_ID_SESSION_KEY in request.session:
            del request.session[DEVICE_ID_SESSION_KEY]
        return user


class PreferredLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and user.preferred_language != request.LANGUAGE_CODE
        ):
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = user.preferred_language
        return self.get_response(request)


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _api_error(code: str, message: str, status: int, **headers: str) -> JsonResponse:
    response = JsonResponse({"code": code, "message": message}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


class ApiTokenMiddleware:
    """``Authorization: Bearer <token>`` on /api/ signs the request in as the token's owner.

    A header a browser never adds on its own cannot be forged cross-site, so such requests skip
    the CSRF check that session requests get. A wrong or revoked token is a 401, never a silent
    fall-back to the session cookie.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header and _is_api(request):
            scheme, _sep, secret = header.partition(" ")
            if scheme.lower() == "bearer":
                found = user_for_api_token(secret.strip())
                if found is None:
                    return _api_error(
                        "invalid_token",
                        _("API 토큰이 올바르지 않거나 폐기되었습니다."),
                        401,
                        WWW_Authenticate='Bearer error="invalid_token"',
                    )
                request.user, request.api_token = found  # type: ignore[attr-defined]
                request._ninja_csrf_exempt = True  # type: ignore[attr-defined]
        return self.get_response(request)


def _two_factor_exempt_paths() -> frozenset[str]:
    return frozenset(
        reverse(name)
        for name in (
            "accounts:two_factor",
            "accounts:two_factor_setup",
            "accounts:sign_out",
            "core:healthz",
            "core:switch_language",
        )
    )


class OfficialSessionMiddleware:
    """Officials (and admin-site staff) reach nothing but the second-factor pages until they
    have entered a TOTP code, and their sessions end after idle and absolute timeouts
    (``HAECHI_OFFICIAL_IDLE_TIMEOUT_SECONDS``, ``HAECHI_OFFICIAL_ABSOLUTE_TIMEOUT_SECONDS``).
    Requests with an API token are not sessions: the token was issued after the second factor."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._exempt: frozenset[str] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if getattr(request, "api_token", None) is not None or not needs_two_factor(request.user):
            return self.get_response(request)
        expired = self._check_timeouts(request)
        if expired is not None:
            return expired
        if not request.user.is_verified() and request.path_info not in self._exempt_paths():  # type: ignore[union-attr]
            if _is_api(request):
                return _api_error("two_factor_required", _("2단계 인증을 마친 뒤에 이용할 수 있습니다."), 401)
            target = reverse("accounts:two_factor")
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    def _exempt_paths(self) -> frozenset[str]:
        if self._exempt is None:
            self._exempt = _two_factor_exempt_paths()
        return self._exempt

    def _check_timeouts(self, request: HttpRequest) -> HttpResponse | None:
        session = request.session
        now = int(time.time())
        signed_in_at = session.get(SIGNED_IN_AT)
        seen_at = session.get(SEEN_AT)
        if signed_in_at is None:  # a session from before timeouts existed: start counting now
            session[SIGNED_IN_AT] = signed_in_at = now
        too_old = now - int(signed_in_at) > settings.HAECHI_OFFICIAL_ABSOLUTE_TIMEOUT_SECONDS
        idle = seen_at is not None and now - int(seen_at) > settings.HAECHI_OFFICIAL_IDLE_TIMEOUT_SECONDS
        if too_old or idle:
            logout(request)  # flushes the session on the server, not only the cookie
            message = _("보안을 위해 로그인이 만료되었습니다. 다시 로그인하세요.")
            if _is_api(request):
                return _api_error("session_expired", message, 401)
            messages.info(request, message)
            return redirect(f"{reverse('accounts:sign_in')}?{urlencode({'next': request.get_full_path()})}")
        if seen_at is None or now - int(seen_at) >= SEEN_RESOLUTION_SECONDS:
            session[SEEN_AT] = now
        return None


class RateLimitMiddleware:
    """Abuse limits by route: the general API limit on every /api/ request, and the named limits
    of ``accounts.rate_limits.LIMITED_ROUTES`` (filing, co-signing, survey answers, sign-up) on
    the routes listed there, per account and per address. Over a limit: 429 with Retry-After.

    Both are counted in one query, once the route is known (``process_view``). A request that
    never reaches it (unknown URL, refused by an earlier middleware) still counts against the API
    limit, after its answer, and gets 429 instead of that answer when over the limit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        api = _is_api(request) and request.path_info not in UNLIMITED_API_PATHS
        request._haechi_api_limit_due = api  # type: ignore[attr-defined]
        response = self.get_response(request)
        if getattr(request, "_haechi_api_limit_due", False):
            request._haechi_api_limit_due = False  # type: ignore[attr-defined]
            wait = retry_after(request, "api")
            if wait:
                return _too_many(request, wait)
        return response

    def process_view(
        self, request: HttpRequest, view: object, args: object, kwargs: dict[str, object]
    ) -> HttpResponse | None:
        names = ["api"] if getattr(request, "_haechi_api_limit_due", False) else []
        request._haechi_api_limit_due = False  # type: ignore[attr-defined]
        match = request.resolver_match
        name = limit_for_route(request.method or "", match.route, kwargs) if match is not None else None
        if name is not None:
            names.append(name)
        if not names:
            return None
        wait = retry_after_all(request, names)
        return _too_many(request, wait) if wait else None


def _too_many(request: HttpRequest, wait: int) -> HttpResponse:
    if _is_api(request):
        return _api_error(
            "rate_limited",
            _("요청이 너무 많습니다. %(seconds)s초 뒤에 다시 시도하세요.") % {"seconds": wait},
            429,
            Retry_After=str(wait),
        )
    return too_many_requests_page(request, wait)


def mark_signed_in(request: HttpRequest) -> None:
    """Start the timeout clocks of a fresh sign-in (connected to ``user_logged_in``)."""
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[SEEN_AT] = now
