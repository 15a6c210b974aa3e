"""The delay weight and the accepted-not-in-force state added to the harm score."""

from __future__ import annotations

from datetime import date

import pytest

from routing.harm import HarmInputs, delay_weight, harm_score

AS_OF = date(2026, 11, 28)


def test_delay_weighs_half_as_much_as_cost_on_a_log_scale():
    assert delay_weight([]) == 1.0
    assert delay_weight([9]) == pytest.approx(1.5)
    assert delay_weight([12, 12, 600]) == pytest.approx(1 + 0.5 * 1.1139, abs=1e-3)  # median, not mean
    assert delay_weight([-1, float("inf")]) == 1.0


def test_stated_delay_raises_the_score():
    base = HarmInputs(firm_ids=frozenset({"a"}), first_reported=date(2025, 11, 28))
    delayed = HarmInputs(firm_ids=frozenset({"a"}), first_reported=date(2025, 11, 28), stated_delays_months=(9,))
    assert harm_score(delayed, as_of=AS_OF) == pytest.approx(1.5 * harm_score(base, as_of=AS_OF))


def test_accepted_but_not_in_force_still_counts_a_quarter():
    inputs = HarmInputs(firm_ids=frozenset({"a", "b"}), first_reported=date(2025, 11, 28), state="accepted")
    assert harm_score(inputs, as_of=AS_OF) == pytest.approx(0.5)
