"""Permission rules for insights (registered with accounts.permissions)."""

from __future__ import annotations

from typing import Any

from accounts.permissions import rule
from accounts.roles import Roles


@rule("insights.view_city_dashboard")
def _view_city_dashboard(roles: Roles, obj: Any) -> bool:
    """The city version (exact small counts, links to individual answers): the city team."""
    return roles.city_official


@rule("insights.view_monthly_report")
def _view_monthly_report(roles: Roles, agency: Any) -> bool:
    """The city's report (``agency`` None) for the city team; an agency's for the city team and
    that agency's own officials."""
    if roles.city_official:
        return True
    return agency is not None and agency.pk in roles.agency_ids
