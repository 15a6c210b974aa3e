from __future__ import annotations

from datetime import date

import pytest

from routing.harm import HarmInputs, cost_weight, harm_score

AS_OF = date(2026, 11, 28)


def _inputs(**kwargs):
    defaults = {"firm_ids": frozenset({"a", "b"}), "first_reported": date(2025, 11, 28)}
    return HarmInputs(**{**defaults, **kwargs})


def test_harm_is_firms_times_years_without_stated_cost():
    assert harm_score(_inputs(), as_of=AS_OF) == 2.0


def test_more_firms_means_more_harm():
    assert harm_score(_inputs(firm_ids=frozenset("abc")), as_of=AS_OF) > harm_score(_inputs(), as_of=AS_OF)


def test_longer_unresolved_means_more_harm():
    older = _inputs(first_reported=date(2022, 11, 28))
    assert harm_score(older, as_of=AS_OF) > harm_score(_inputs(), as_of=AS_OF)


def test_fresh_report_counts_at_least_one_month():
    fresh = _inputs(first_reported=AS_OF)
    assert harm_score(fresh, as_of=AS_OF) == pytest.approx(2 * 30 / 365, abs=1e-4)


def test_stated_cost_weighs_logarithmically():
    assert cost_weight([]) == 1.0
    assert cost_weight([9]) == pytest.approx(2.0)
    assert cost_weight([999]) == pytest.approx(4.0)


def test_cost_outlier_does_not_dominate_thanks_to_median():
    assert cost_weight([9, 9, 1_000_000]) == pytest.approx(2.0)


def test_negative_and_nan_costs_are_ignored():
    assert cost_weight([-5, float("nan")]) == 1.0


def test_resolved_regulation_scores_zero():
    assert harm_score(_inputs(state="resolved"), as_of=AS_OF) == 0.0


def test_partly_accepted_halves_the_score():
    assert harm_score(_inputs(state="partly_accepted"), as_of=AS_OF) == 1.0


def test_clock_stops_at_resolution_date():
    stopped = _inputs(state="declined", resolved_on=date(2026, 5, 30))
    assert harm_score(stopped, as_of=AS_OF) < harm_score(_inputs(state="declined"), as_of=AS_OF)


def test_no_firms_counts_as_one():
    assert harm_score(_inputs(firm_ids=frozenset()), as_of=AS_OF) == 1.0


def test_unknown_state_is_refused():
    with pytest.raises(ValueError):
        harm_score(_inputs(state="whatever"), as_of=AS_OF)
