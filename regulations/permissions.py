"""Permission rules for the regulation knowledge base (registered with accounts.permissions)."""

from __future__ import annotations

from typing import Any

from accounts.permissions import rule
from accounts.roles import Roles


@rule("regulation.view")
def _view_regulation(roles: Roles, obj: Any) -> bool:
    return True  # statutes, passports, core regulations and the sandbox guide are public


@rule("regulation.edit")
def _edit_regulation(roles: Roles, obj: Any) -> bool:
    """City officials curate aliases and sector core regulations; imports are for admins."""
    return roles.city_official


@rule("regulation.import")
def _import_regulations(roles: Roles, obj: Any) -> bool:
    return False  # admins only
