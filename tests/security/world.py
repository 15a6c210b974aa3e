"""One small world for the access-control matrix: two firms, two associations, two agencies,
one user per role, and barriers of firm A in the states that change who may see them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from accounts.models import Role
from accounts.tests.factories import MembershipFactory, UserFactory
from agencies.tests.factories import AgencyFactory
from barriers.models import BarrierStatus, Privacy
from barriers.tests.factories import barrier_in
from firms.models import AssociationMembership
from firms.reference_data import load_sectors
from firms.tests.factories import AssociationFactory, FirmFactory

ROLES = (
    "anonymous",
    "firm_member",
    "other_firm_member",
    "association_staff",
    "other_association_staff",
    "city_official",
    "lead_agency_official",
    "other_agency_official",
    "admin",
)

# Barrier states that decide visibility: a draft (only the filing side), a submitted one (plus
# the city), and one forwarded to the lead agency with the firm's identity sealed from it.
STATES = ("draft", "submitted", "forwarded_sealed")

# Distinctive strings that must never appear in a response to someone who may not see them.
FIRM_NAME = "비밀유지주식회사"
TITLES = {
    "draft": "초안제목-누설금지-가나",
    "submitted": "접수제목-누설금지-다라",
    "forwarded_sealed": "전달제목-누설금지-마바",
}
MISSING_ID = 987654


@dataclass
class World:
    users: dict[str, Any] = field(default_factory=dict)
    barriers: dict[str, Any] = field(default_factory=dict)
    firm: Any = None
    other_firm: Any = None
    association: Any = None
    other_association: Any = None
    agency: Any = None
    other_agency: Any = None


def build_world() -> World:
    load_sectors()
    world = World()
    world.firm = FirmFactory(name=FIRM_NAME)
    world.other_firm = FirmFactory()
    world.association = AssociationFactory()
    world.other_association = AssociationFactory()
    AssociationMembership.objects.create(firm=world.firm, association=world.association)
    AssociationMembership.objects.create(firm=world.other_firm, association=world.other_association)
    world.agency = AgencyFactory(code="lead-agency")
    world.other_agency = AgencyFactory(code="other-agency")

    def member(role: str, **org: Any) -> Any:
        return MembershipFactory(role=role, **org).user

    world.users = {
        "anonymous": None,
        "firm_member": member(Role.FIRM_MEMBER, firm=world.firm),
        "other_firm_member": member(Role.FIRM_MEMBER, firm=world.other_firm),
        "association_staff": member(Role.ASSOCIATION_STAFF, association=world.association),
        "other_association_staff": member(Role.ASSOCIATION_STAFF, association=world.other_association),
        "city_official": member(Role.CITY_OFFICIAL),
        "lead_agency_official": member(Role.AGENCY_OFFICIAL, agency=world.agency),
        "other_agency_official": member(Role.AGENCY_OFFICIAL, agency=world.other_agency),
        "admin": MembershipFactory(role=Role.ADMIN, user=UserFactory(is_staff=True, is_superuser=True)).user,
    }
    common = {"firm": world.firm, "privacy": Privacy.PRIVATE}
    world.barriers = {
        "draft": barrier_in(BarrierStatus.DRAFT, title=TITLES["draft"], **common),
        "submitted": barrier_in(BarrierStatus.SUBMITTED, title=TITLES["submitted"], **common),
        "forwarded_sealed": barrier_in(
            BarrierStatus.FORWARDED,
            agency=world.agency,
            title=TITLES["forwarded_sealed"],
            seal_from_agency=True,
            **common,
        ),
    }
    for barrier in world.barriers.values():
        barrier.filed_by = world.users["firm_member"]
        barrier.save(update_fields=["filed_by"])
    return world


def path_values(world: World, state: str | None) -> dict[str, Any]:
    """Values for URL parameters: the barrier in ``state``, our organisations, and an id that
    does not exist for every other kind of object (the gate must still answer sensibly)."""
    barrier = world.barriers[state] if state else None
    return {
        "barrier_id": barrier.pk if barrier else MISSING_ID,
        "firm_id": world.firm.pk,
        "association_id": world.association.pk,
        "code": world.agency.code,
        "agency_code": world.agency.code,
        "month": "2026-10",
    }
