"""The state table is consistent (pure: no database)."""

from __future__ import annotations

import pytest

from barriers.models import BarrierStatus as S
from barriers.transitions import ALLOWED, FILED, OPEN, TERMINAL, VERBS, can_move, verbs_from


def test_every_status_has_a_row() -> None:
    assert set(ALLOWED) == set(S.values)


def test_terminal_states_have_no_way_out() -> None:
    assert {S.CLOSED, S.WITHDRAWN} == TERMINAL
    for state in TERMINAL:
        assert ALLOWED[state] == frozenset()
        assert verbs_from(state) == []


def test_open_is_everything_but_terminal() -> None:
    assert frozenset(S.values) - TERMINAL == OPEN


@pytest.mark.parametrize("verb", sorted(VERBS))
def test_each_verb_target_is_reachable_from_each_source(verb: str) -> None:
    for source in VERBS[verb].sources:
        assert VERBS[verb].target in ALLOWED[source]
        assert can_move(source, verb)


def test_withdraw_is_possible_from_every_open_state() -> None:
    assert VERBS["withdraw"].sources == OPEN


def test_every_state_is_reachable_from_draft() -> None:
    seen, frontier = {S.DRAFT.value}, [S.DRAFT.value]
    while frontier:
        state = frontier.pop()
        for nxt in ALLOWED[state]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen == set(S.values)


def test_drafts_are_not_filed() -> None:
    assert S.DRAFT not in FILED
