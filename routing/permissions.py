"""Who may see routing proposals and manage recurring regulations (admins pass every rule).

- routing proposals are the city's triage aid: city officials see them and accept or correct;
- recurring regulations are public in their public form (public members only); officials see
  the internal figures; the city confirms, merges and splits them;
- an agency answers a recurring regulation once for the member barriers it leads — each barrier
  still goes through ``barrier.answer`` on its own.
"""

from __future__ import annotations

from typing import Any

from accounts.permissions import rule
from accounts.roles import Roles
from barriers.models import BarrierStatus


@rule("routing.view_suggestion")
def _view_suggestion(roles: Roles, barrier: Any) -> bool:
    return roles.city_official and getattr(barrier, "status", "") != BarrierStatus.DRAFT


@rule("routing.decide")
def _decide(roles: Roles, barrier: Any) -> bool:
    """Accept or correct a proposal: the city, which triages."""
    return roles.city_official


@rule("recurring.view_internal")
def _view_internal(roles: Roles, regulation: Any) -> bool:
    """Internal figures and member lists (each member still filtered by ``barrier.view``)."""
    return roles.city_official or bool(roles.agency_ids)


@rule("recurring.manage")
def _manage(roles: Roles, regulation: Any) -> bool:
    """Confirm, reword, merge and split recurring regulations."""
    return roles.city_official


@rule("recurring.answer")
def _answer(roles: Roles, regulation: Any) -> bool:
    """Answer once for every member barrier the agency leads."""
    return bool(roles.agency_ids)
