"""Who may do what to a barrier (registered with ``accounts.permissions``; admins pass every rule).

- the filing side: members of the barrier's firm, and staff of an association the firm belongs
  to (associations file on their members' behalf);
- city officials: everything filed (never drafts), and the triage/forward/escalate/close verbs;
- agency officials: only barriers forwarded to their agency (as lead or co-operating agency),
  never the identity of a firm that sealed it from the agency; the lead agency answers.
"""

from __future__ import annotations

from typing import Any

from accounts.permissions import rule
from accounts.roles import Roles
from barriers.models import Barrier, BarrierStatus, ClockStep
from firms.models import AssociationMembership, Firm

# Set on each row of a list page by ``selectors.prefetch_for_identity`` (association staff only):
# ``(association_ids, covered)`` — whether the row's firm belongs to one of those associations,
# read for the whole page in one query instead of one ``exists()`` per row. Kept with the
# associations it was computed for, so it never answers for another viewer.
ASSOCIATION_COVERS = "_association_covers_firm"


def _association_covers(roles: Roles, firm_id: int) -> bool:
    if not roles.association_ids:
        return False
    return AssociationMembership.objects.filter(firm_id=firm_id, association_id__in=roles.association_ids).exists()


def is_filer_side(roles: Roles, barrier: Barrier) -> bool:
    """Members of the firm, or staff of one of its associations."""
    if barrier.firm_id in roles.firm_ids:
        return True
    if not roles.association_ids:
        return False
    known = getattr(barrier, ASSOCIATION_COVERS, None)
    if known is not None and known[0] == roles.association_ids:
        return bool(known[1])
    return _association_covers(roles, barrier.firm_id)


def is_lead_agency(roles: Roles, barrier: Barrier) -> bool:
    return barrier.forwarded_at is not None and barrier.lead_agency_id in roles.agency_ids


def is_holding_agency(roles: Roles, barrier: Barrier) -> bool:
    """Lead or co-operating agency of a forwarded barrier."""
    if barrier.forwarded_at is None or not roles.agency_ids:
        return False
    if barrier.lead_agency_id in roles.agency_ids:
        return True
    # A list page prefetches the co-operating agencies (one query for all its rows).
    prefetched = getattr(barrier, "_prefetched_objects_cache", {}).get("cooperating_agencies")
    if prefetched is not None:
        return any(agency.pk in roles.agency_ids for agency in prefetched)
    return barrier.cooperating_agencies.filter(pk__in=roles.agency_ids).exists()


@rule("barrier.file")
def _file(roles: Roles, firm: Firm) -> bool:
    """Firm members file for their firm; association staff for member firms."""
    return firm.pk in roles.firm_ids or _association_covers(roles, firm.pk)


@rule("barrier.view")
def _view(roles: Roles, barrier: Barrier) -> bool:
    if roles.city_official and barrier.status != BarrierStatus.DRAFT:
        return True
    return is_filer_side(roles, barrier) or is_holding_agency(roles, barrier)


@rule("barrier.view_identity")
def _view_identity(roles: Roles, barrier: Barrier) -> bool:
    """The firm behind a barrier: hidden from agencies when the filer sealed it."""
    if roles.city_official or is_filer_side(roles, barrier):
        return True
    return is_holding_agency(roles, barrier) and not barrier.seal_from_agency


def _filer(roles: Roles, barrier: Barrier) -> bool:
    return is_filer_side(roles, barrier)


def _city(roles: Roles, barrier: Any) -> bool:
    return roles.city_official


def _lead_agency(roles: Roles, barrier: Barrier) -> bool:
    return is_lead_agency(roles, barrier)


for _action in (
    "edit_draft",
    "submit",
    "withdraw",
    "provide_information",
    "accept_answer",
    "request_second_review",
    "add_attachment",
):
    rule(f"barrier.{_action}")(_filer)
for _action in ("triage", "forward", "escalate", "close"):
    rule(f"barrier.{_action}")(_city)
for _action in ("transfer", "request_information", "answer"):
    rule(f"barrier.{_action}")(_lead_agency)


@rule("barrier.extend_deadline")
def _extend_deadline(roles: Roles, barrier: Barrier) -> bool:
    """The body whose clock runs extends it: the lead agency for its answers, the city otherwise."""
    if barrier.due_step in (ClockStep.AGENCY_ANSWER, ClockStep.SECOND_ANSWER, ClockStep.INFORMATION):
        return is_lead_agency(roles, barrier)
    return roles.city_official and barrier.status != BarrierStatus.DRAFT


@rule("barrier.record_outcome")
def _record_outcome(roles: Roles, barrier: Barrier) -> bool:
    return roles.city_official or is_lead_agency(roles, barrier)


@rule("barrier.notes")
def _notes(roles: Roles, barrier: Barrier) -> bool:
    """Internal notes: officials who can see the barrier; never the filing side."""
    return (roles.city_official and barrier.status != BarrierStatus.DRAFT) or is_holding_agency(roles, barrier)


@rule("barrier.queue")
def _queue(roles: Roles, obj: Any) -> bool:
    """The official work queue."""
    return roles.city_official or bool(roles.agency_ids)


@rule("barrier.assign")
def _assign(roles: Roles, barrier: Barrier) -> bool:
    """The city assigns its officials; the lead agency assigns its own."""
    return (roles.city_official and barrier.status != BarrierStatus.DRAFT) or is_lead_agency(roles, barrier)


# -- co-signing and association proxy filing -------------------------------------------------------


@rule("barrier.cosign_for")
def _cosign_for(roles: Roles, firm: Firm) -> bool:
    """Who may co-sign in a firm's name: its members, or staff of an association it belongs to."""
    return firm.pk in roles.firm_ids or _association_covers(roles, firm.pk)


@rule("barrier.view_cosigners")
def _view_cosigners(roles: Roles, barrier: Barrier) -> bool:
    """Named co-signers: the city, and the filing side (only those who allowed it; see
    ``selectors_cosigning.visible_cosignatures``). Agencies and the public see the count."""
    return (roles.city_official and barrier.status != BarrierStatus.DRAFT) or is_filer_side(roles, barrier)


@rule("barrier.cosign_flags")
def _cosign_flags(roles: Roles, barrier: Any) -> bool:
    """Abuse flags on co-signing are for city officials."""
    return roles.city_official


@rule("barrier.file_for_members")
def _file_for_members(roles: Roles, association: Any) -> bool:
    """Association staff file on behalf of their own association's member firms."""
    return association is not None and association.pk in roles.association_ids


@rule("barrier.association_board")
def _association_board(roles: Roles, association: Any) -> bool:
    """The association's status board of its members' barriers: its own staff."""
    return association is not None and association.pk in roles.association_ids
