"""Each role × each object kind, through the one permissions module."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import Membership, Role
from accounts.permissions import can, registered_actions, require
from core.errors import NotFound, NotPermitted
from firms.models import AssociationMembership

PERSONAS = [
    "anonymous",
    "outsider",
    "firm_member",
    "other_firm_member",
    "association_staff",
    "city_official",
    "agency_official",
    "admin_user",
]


@pytest.fixture
def people(
    request, firm_member, other_firm_member, association_staff, city_official, agency_official, admin_user, outsider
):
    return {
        "anonymous": AnonymousUser(),
        "outsider": outsider,
        "firm_member": firm_member,
        "other_firm_member": other_firm_member,
        "association_staff": association_staff,
        "city_official": city_official,
        "agency_official": agency_official,
        "admin_user": admin_user,
    }


@pytest.fixture
def firm_in_association(firm, association):
    AssociationMembership.objects.create(firm=firm, association=association)
    return firm


# action -> personas allowed, for the object named by the fixture
EXPECTED = {
    ("firm.view", "firm_in_association"): {"firm_member", "association_staff", "city_official", "admin_user"},
    ("firm.edit", "firm_in_association"): {"firm_member", "admin_user"},
    ("firm.invite_member", "firm_in_association"): {"firm_member", "admin_user"},
    ("association.view", "association"): set(PERSONAS),
    ("association.view_members", "association"): {"association_staff", "city_official", "admin_user"},
    ("association.invite_staff", "association"): {"association_staff", "admin_user"},
    ("agency.view", "agency"): set(PERSONAS),
    ("agency.view_officials", "agency"): {"agency_official", "city_official", "admin_user"},
    ("agency.edit", "agency"): {"admin_user"},
    ("accounts.invite_official", None): {"city_official", "admin_user"},
    ("accounts.manage_users", None): {"admin_user"},
    ("admin.site", None): {"admin_user"},
}


def test_every_foundation_action_has_an_expectation():
    foundation = {
        a for a in registered_actions() if a.split(".")[0] in {"firm", "association", "agency", "accounts", "admin"}
    }
    assert foundation == {action for action, _ in EXPECTED}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action, object_fixture", sorted(EXPECTED, key=str))
def test_permission_matrix(request, people, persona, action, object_fixture):
    obj = request.getfixturevalue(object_fixture) if object_fixture else None
    assert can(people[persona], action, obj) == (persona in EXPECTED[(action, object_fixture)])


def test_firm_outside_association_is_hidden_from_association_staff(firm, association_staff):
    assert not can(association_staff, "firm.view", firm)


def test_inactive_membership_grants_nothing(firm, firm_member):
    Membership.objects.filter(user=firm_member).update(is_active=False)
    firm_member.refresh_from_db()
    assert not can(firm_member, "firm.view", firm)


def test_other_agency_official_cannot_see_officials_of_an_agency(other_agency, agency_official):
    assert not can(agency_official, "agency.view_officials", other_agency)


def test_unknown_action_is_a_programming_error(firm_member):
    with pytest.raises(KeyError):
        can(firm_member, "firm.teleport")


def test_require_hides_existence_when_asked(firm, other_firm_member):
    with pytest.raises(NotFound):
        require(other_firm_member, "firm.view", firm, hide=True)
    with pytest.raises(NotPermitted):
        require(other_firm_member, "firm.view", firm)


def test_admin_role_without_superuser_flag_is_admin(outsider):
    Membership.objects.create(user=outsider, role=Role.ADMIN)
    assert can(outsider, "admin.site")
