"""Shared helpers: request a route as a role and classify the answer."""

from __future__ import annotations

from typing import Any

from django.test import Client

from tests.security.world import FIRM_NAME, MISSING_ID, TITLES, World, path_values

SIGN_IN = "/accounts/sign-in/"
TWO_FACTOR = "/accounts/two-factor/"


def client_for(world: World, role: str) -> Client:
    client = Client()
    user = world.users[role]
    if user is not None:
        client.force_login(user)  # officials also pass the second factor (root conftest)
    return client


def fill(route: str, values: dict[str, Any], *, api: bool) -> str:
    """A concrete path for ``route``: known parameters from ``values``, others a missing id."""
    import re

    pattern = re.compile(r"{(?:[^}:]+:)?([^}]+)}" if api else r"<(?:[^>:]+:)?([^>]+)>")

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return str(
            values.get(
                name,
                "x"
                if name in ("token", "uidb64", "slug", "action", "public_id", "law_id", "number", "path")
                else MISSING_ID,
            )
        )

    path = pattern.sub(value, route)
    return path if api else "/" + path


# Values that fit each kind of URL parameter when the world has no such object.
PLACEHOLDERS = {
    "token": "abc123",
    "uidb64": "x",
    "slug": "x",
    "action": "x",
    "public_id": "X1",
    "law_id": "x",
    "number": "x",
    "fmt": "json",
    "month": "2026-10",
}


def page_path(name: str, params: tuple[str, ...], values: dict[str, Any]) -> str:
    """The path of the named page with ``values`` for known parameters, a placeholder or a
    missing id for the rest (reversed, so regular-expression routes work too)."""
    from django.urls import reverse

    kwargs = {param: values.get(param, PLACEHOLDERS.get(param, MISSING_ID)) for param in params}
    return reverse(name, kwargs=kwargs)


def classify(response: Any) -> str:
    status = response.status_code
    if status >= 500:
        return "error"
    if status == 401:
        return "login"
    if status in (301, 302, 303, 307, 308):
        location = response.get("Location", "")
        if location.startswith(SIGN_IN) or location.startswith(TWO_FACTOR):
            return "login"
        return "ok"
    if status in (403, 404):
        return "deny"
    if status == 405:
        return "post_only"
    if 200 <= status < 300:
        return "ok"
    return f"status_{status}"


def leaked(response: Any, hidden: list[str]) -> list[str]:
    """Which of the ``hidden`` strings appear in the body."""
    if not hasattr(response, "content"):
        return []
    body = response.content.decode("utf-8", errors="replace")
    return [text for text in hidden if text in body]


__all__ = ["FIRM_NAME", "TITLES", "client_for", "classify", "fill", "leaked", "path_values"]
