"""Permission rules for insights (registered with accounts.permissions)."""

from __future__ import annotations

from typing import Any

from accounts.permissions import rule
from accounts.roles import Roles


@rule("insights.view_city_dashboard")
def _view_city_dashboard(roles: Roles, obj: Any) -> bool:
    """The city version (exact small counts, links to individual answers): the city team."""
    return roles.city_official
