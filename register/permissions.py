"""Who may publish to the register (registered with ``accounts.permissions``; admins pass every rule).

Reading the register needs no rule: everything it shows was published and redacted. Publishing,
masking more and withdrawing are the city's: its officials triage every barrier and answer for
what Seoul makes public. Agencies and firms never publish.
"""

from __future__ import annotations

from typing import Any

from accounts.permissions import rule
from accounts.roles import Roles


@rule("register.review")
def _review(roles: Roles, obj: Any) -> bool:
    """The queue of barriers awaiting publication, with their unredacted source."""
    return roles.city_official


@rule("register.publish")
def _publish(roles: Roles, barrier: Any) -> bool:
    return roles.city_official


@rule("register.withdraw")
def _withdraw(roles: Roles, publication: Any) -> bool:
    return roles.city_official
