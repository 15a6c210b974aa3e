"""Permission rules for agencies (registered with accounts.permissions)."""

from __future__ import annotations

from accounts.permissions import rule
from accounts.roles import Roles
from agencies.models import Agency


@rule("agency.view")
def _view_agency(roles: Roles, agency: Agency) -> bool:
    return True  # competent bodies are public


@rule("agency.view_officials")
def _view_agency_officials(roles: Roles, agency: Agency) -> bool:
    return agency.pk in roles.agency_ids or roles.city_official


@rule("agency.edit")
def _edit_agency(roles: Roles, agency: Agency) -> bool:
    return False  # admins only
