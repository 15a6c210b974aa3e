"""Template context shared by every page: the role-aware main menu and the user's roles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.models import Role
from accounts.roles import roles_of
from core.navigation import MAIN_MENU, OFFICIALS, SIGNED_IN, cached_reverse


def navigation(request: HttpRequest) -> dict[str, Any]:
    roles = roles_of(getattr(request, "user", None))
    items = []
    for item in MAIN_MENU:
        audience = item.audience
        if audience == SIGNED_IN and not roles.authenticated:
            continue
        if audience == OFFICIALS and not roles.is_official:
            continue
        if isinstance(audience, frozenset) and not (audience & roles.held):
            continue
        url = cached_reverse(item.url_name)  # None: the app has not defined the page yet
        if url is None:
            continue
        items.append({"url": url, "label": item.label, "active": request.path.startswith(url)})
    primary = roles.primary
    return {"main_menu": items, "roles": roles, "primary_role_label": Role(primary).label if primary else ""}
