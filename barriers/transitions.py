"""The barrier state machine as data: one table of verbs, and the state sets derived from it.

Pure: no database access. ``VERBS`` says, for each workflow verb, from which states it may be
taken and where it leads; ``ALLOWED`` (state → reachable states) and the named sets are derived
from it, so there is exactly one place to change the workflow.
"""

from __future__ import annotations

from dataclasses import dataclass

from barriers.models import BarrierStatus

S = BarrierStatus

TERMINAL: frozenset[str] = frozenset({S.CLOSED, S.WITHDRAWN})
_NON_TERMINAL: frozenset[str] = frozenset(s for s in S.values if s not in TERMINAL)


@dataclass(frozen=True)
class Verb:
    """A workflow action: the states it may start from and the state it leads to."""

    sources: frozenset[str]
    target: str


VERBS: dict[str, Verb] = {
    "submit": Verb(frozenset({S.DRAFT}), S.SUBMITTED),
    # Re-triage corrects the kind, sector or agencies before forwarding.
    "triage": Verb(frozenset({S.SUBMITTED, S.TRIAGED}), S.TRIAGED),
    # The city forwards after triage, re-forwards, or sends an escalated case back to an agency.
    "forward": Verb(frozenset({S.TRIAGED, S.FORWARDED, S.ESCALATED}), S.FORWARDED),
    # 이송: the lead agency hands the case to the competent agency.
    "transfer": Verb(frozenset({S.FORWARDED}), S.FORWARDED),
    "request_information": Verb(frozenset({S.FORWARDED}), S.INFO_REQUESTED),
    "provide_information": Verb(frozenset({S.INFO_REQUESTED}), S.FORWARDED),
    "answer": Verb(frozenset({S.FORWARDED, S.SECOND_REVIEW, S.ESCALATED}), S.ANSWERED),
    "accept_answer": Verb(frozenset({S.ANSWERED}), S.CLOSED),
    "request_second_review": Verb(frozenset({S.ANSWERED}), S.SECOND_REVIEW),
    # Each escalation climbs one rung of the ladder (EscalationLevel).
    "escalate": Verb(frozenset({S.FORWARDED, S.ANSWERED, S.SECOND_REVIEW, S.ESCALATED}), S.ESCALATED),
    "close": Verb(frozenset({S.SUBMITTED, S.TRIAGED, S.INFO_REQUESTED, S.ANSWERED, S.ESCALATED}), S.CLOSED),
    "withdraw": Verb(_NON_TERMINAL, S.WITHDRAWN),
}

ALLOWED: dict[str, frozenset[str]] = {
    state: frozenset(verb.target for verb in VERBS.values() if state in verb.sources) for state in S.values
}

OPEN: frozenset[str] = frozenset(s for s, nxt in ALLOWED.items() if nxt)
# Statuses in which the lead agency holds the case (or has held it: it keeps reading access).
WITH_AGENCY: frozenset[str] = frozenset({S.FORWARDED, S.INFO_REQUESTED, S.ANSWERED, S.SECOND_REVIEW, S.ESCALATED})
# Whose move it is: drives the work queues and which clock runs.
CITY_TURN: frozenset[str] = frozenset({S.SUBMITTED, S.TRIAGED, S.ESCALATED})
AGENCY_TURN: frozenset[str] = frozenset({S.FORWARDED, S.SECOND_REVIEW})
FILER_TURN: frozenset[str] = frozenset({S.DRAFT, S.INFO_REQUESTED, S.ANSWERED})
# Shown in the public register (subject to each barrier's privacy choice).
PUBLIC: frozenset[str] = frozenset({S.ANSWERED, S.SECOND_REVIEW, S.ESCALATED, S.CLOSED})
# Seen by the city (everything but the filer's own drafts).
FILED: frozenset[str] = frozenset(s for s in S.values if s != S.DRAFT)


def can_move(current: str, verb: str) -> bool:
    """True when ``verb`` may be taken from ``current``."""
    return current in VERBS[verb].sources


def verbs_from(current: str) -> list[str]:
    """The verbs that may be taken from ``current`` (whoever the actor)."""
    return [name for name, verb in VERBS.items() if current in verb.sources]
