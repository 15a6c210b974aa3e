"""The one place that answers "may this user do X to this object?".

Every app registers its rules here (in its own ``permissions.py``, imported by its AppConfig)
and every view, API handler and service asks ``can``/``require``. Nothing else re-implements a
permission check. Admins may do everything; each rule receives the user's ``Roles`` (already
loaded) and the object.

Actions are named ``<object kind>.<verb>``, e.g. ``firm.view``, ``barrier.forward``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from accounts.roles import Roles, roles_of
from core.errors import NotFound, NotPermitted

Rule = Callable[[Roles, Any], bool]
_RULES: dict[str, Rule] = {}


def rule(action: str) -> Callable[[Rule], Rule]:
    """Register the rule deciding ``action``. Each action has exactly one rule."""

    def register(func: Rule) -> Rule:
        if action in _RULES and _RULES[action] is not func:
            raise RuntimeError(f"permission rule for {action!r} registered twice")
        _RULES[action] = func
        return func

    return register


def registered_actions() -> list[str]:
    """Every action that has a rule (for tests that check each one)."""
    return sorted(_RULES)


def can(user: Any, action: str, obj: Any = None) -> bool:
    """True when ``user`` may perform ``action`` on ``obj``. Unknown actions are a bug, not a no."""
    try:
        decide = _RULES[action]
    except KeyError:
        raise KeyError(f"no permission rule for {action!r}") from None
    roles = roles_of(user)
    if roles.admin:
        return True
    return bool(decide(roles, obj))


def require(user: Any, action: str, obj: Any = None, *, hide: bool = False) -> None:
    """Raise ``NotPermitted`` (or ``NotFound`` when ``hide``, to not reveal the object exists)."""
    if not can(user, action, obj):
        if hide:
            raise NotFound(_("찾을 수 없습니다."))
        raise NotPermitted(_("이 작업을 할 권한이 없습니다."))


# -- rules about people and roles -------------------------------------------------------------


@rule("accounts.invite_official")
def _invite_official(roles: Roles, obj: Any) -> bool:
    """City officials invite city and agency officials; admins invite anyone."""
    return roles.city_official


@rule("accounts.manage_users")
def _manage_users(roles: Roles, obj: Any) -> bool:
    return False  # admins only (admins pass every rule)


@rule("admin.site")
def _admin_site(roles: Roles, obj: Any) -> bool:
    return False  # admins only
