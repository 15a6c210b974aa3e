"""Permission rules for programs, applications, demonstration sites and bookings."""

from __future__ import annotations

from typing import Any

from accounts.permissions import rule
from accounts.roles import Roles
from firms.models import Firm
from programs.models import DemonstrationSite, ProgramApplication, SiteBooking


@rule("program.manage")
def _manage_programs(roles: Roles, obj: Any) -> bool:
    """City officials manage the catalog, imports and testbeds."""
    return roles.city_official


@rule("program.apply")
def _apply(roles: Roles, firm: Firm) -> bool:
    """Firm members apply for their own firm only."""
    return firm.pk in roles.firm_ids


@rule("program.view_matches")
def _view_matches(roles: Roles, firm: Firm) -> bool:
    return firm.pk in roles.firm_ids or roles.city_official


@rule("application.view")
def _view_application(roles: Roles, application: ProgramApplication) -> bool:
    return application.firm_id in roles.firm_ids or roles.city_official


@rule("application.decide")
def _decide_application(roles: Roles, application: ProgramApplication) -> bool:
    return roles.city_official


@rule("application.withdraw")
def _withdraw_application(roles: Roles, application: ProgramApplication) -> bool:
    return application.firm_id in roles.firm_ids


@rule("site.book")
def _book(roles: Roles, firm: Firm) -> bool:
    return firm.pk in roles.firm_ids


@rule("site.manage")
def _manage_site(roles: Roles, site: DemonstrationSite) -> bool:
    """City officials, and officials of the agency that operates the site."""
    return roles.city_official or (site is not None and site.operator_agency_id in roles.agency_ids)


@rule("booking.decide")
def _decide_booking(roles: Roles, booking: SiteBooking) -> bool:
    return roles.city_official or booking.site.operator_agency_id in roles.agency_ids


@rule("booking.cancel")
def _cancel_booking(roles: Roles, booking: SiteBooking) -> bool:
    return booking.firm_id in roles.firm_ids or _decide_booking(roles, booking)


@rule("booking.view")
def _view_booking(roles: Roles, booking: SiteBooking) -> bool:
    return booking.firm_id in roles.firm_ids or _decide_booking(roles, booking)
