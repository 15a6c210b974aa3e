"""Permission rules for surveys (registered with accounts.permissions).

Free-text answers are read only by the city team: firms, associations, agencies and the public see
aggregated figures, never an individual answer.
"""

from __future__ import annotations

from typing import Any

from accounts.permissions import rule
from accounts.roles import Roles
from surveys.models import Invitation


@rule("survey.answer")
def _answer(roles: Roles, invitation: Invitation) -> bool:
    """Any active member of the invited firm (one response per firm, whoever gives it)."""
    return invitation.firm_id in roles.firm_ids


@rule("survey.manage")
def _manage(roles: Roles, obj: Any) -> bool:
    """Create surveys, invite firms, send reminders, see response rates: the city team."""
    return roles.city_official


@rule("survey.view_individual_answers")
def _view_individual_answers(roles: Roles, obj: Any) -> bool:
    """Individual answers (free text above all) stay inside the city team."""
    return roles.city_official
