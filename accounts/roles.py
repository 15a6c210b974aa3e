"""What roles a user holds, read once per request and cached on the user object."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from accounts.models import Membership, Role


@dataclass(frozen=True)
class Roles:
    """The organisations a user acts for. Anonymous users hold none."""

    authenticated: bool = False
    firm_ids: frozenset[int] = frozenset()
    association_ids: frozenset[int] = frozenset()
    agency_ids: frozenset[int] = frozenset()
    city_official: bool = False
    admin: bool = False

    @property
    def primary(self) -> str | None:
        """The role that decides the home page: the most powerful one the user holds."""
        if self.admin:
            return Role.ADMIN
        if self.city_official:
            return Role.CITY_OFFICIAL
        if self.agency_ids:
            return Role.AGENCY_OFFICIAL
        if self.association_ids:
            return Role.ASSOCIATION_STAFF
        if self.firm_ids:
            return Role.FIRM_MEMBER
        return None

    @property
    def held(self) -> frozenset[str]:
        """Every role the user holds, as ``Role`` values."""
        pairs = (
            (Role.ADMIN, self.admin),
            (Role.CITY_OFFICIAL, self.city_official),
            (Role.AGENCY_OFFICIAL, bool(self.agency_ids)),
            (Role.ASSOCIATION_STAFF, bool(self.association_ids)),
            (Role.FIRM_MEMBER, bool(self.firm_ids)),
        )
        return frozenset(str(role) for role, holds in pairs if holds)

    @property
    def is_official(self) -> bool:
        return self.city_official or bool(self.agency_ids) or self.admin


ANONYMOUS = Roles()
_CACHE_ATTR = "_haechi_roles"


def roles_of(user: Any) -> Roles:
    """The roles of ``user`` (anonymous and inactive users have none)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    rows = Membership.objects.filter(user=user, is_active=True).values_list(
        "role", "firm_id", "association_id", "agency_id"
    )
    return remember_roles(user, rows)


def remember_roles(user: Any, memberships: Iterable[tuple[str, int | None, int | None, int | None]]) -> Roles:
    """The roles that ``user``'s active ``memberships`` — ``(role, firm_id, association_id,
    agency_id)`` rows — give, cached on ``user`` for the rest of the request. The signed-in
    user's memberships come with the user's own row (``accounts.backends``), so ``roles_of``
    costs no query of its own there."""
    firms: set[int] = set()
    associations: set[int] = set()
    agencies: set[int] = set()
    city = False
    admin = bool(user.is_superuser)
    for role, firm_id, association_id, agency_id in memberships:
        if role == Role.FIRM_MEMBER:
            firms.add(firm_id)  # type: ignore[arg-type]
        elif role == Role.ASSOCIATION_STAFF:
            associations.add(association_id)  # type: ignore[arg-type]
        elif role == Role.AGENCY_OFFICIAL:
            agencies.add(agency_id)  # type: ignore[arg-type]
        elif role == Role.CITY_OFFICIAL:
            city = True
        elif role == Role.ADMIN:
            admin = True
    roles = Roles(
        authenticated=True,
        firm_ids=frozenset(firms),
        association_ids=frozenset(associations),
        agency_ids=frozenset(agencies),
        city_official=city,
        admin=admin,
    )
    setattr(user, _CACHE_ATTR, roles)
    return roles


def forget_roles(user: Any) -> None:
    """Drop the cached roles after memberships change within the same request."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
