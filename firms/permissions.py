"""Permission rules for firms and associations (registered with accounts.permissions)."""

from __future__ import annotations

from accounts.permissions import rule
from accounts.roles import Roles
from firms.models import Association, Firm


@rule("firm.view")
def _view_firm(roles: Roles, firm: Firm) -> bool:
    """Its members, the staff of associations it belongs to, and city officials."""
    if firm.pk in roles.firm_ids or roles.city_official:
        return True
    if roles.association_ids:
        return firm.associationmembership_set.filter(association_id__in=roles.association_ids).exists()
    return False


@rule("firm.edit")
def _edit_firm(roles: Roles, firm: Firm) -> bool:
    return firm.pk in roles.firm_ids


@rule("firm.invite_member")
def _invite_firm_member(roles: Roles, firm: Firm) -> bool:
    return firm.pk in roles.firm_ids


@rule("association.view_members")
def _view_association_members(roles: Roles, association: Association) -> bool:
    return association.pk in roles.association_ids or roles.city_official


@rule("association.invite_staff")
def _invite_association_staff(roles: Roles, association: Association) -> bool:
    return association.pk in roles.association_ids


@rule("association.view")
def _view_association(roles: Roles, association: Association) -> bool:
    return True  # associations are public bodies of the ecosystem
