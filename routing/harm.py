"""Harm score of a recurring regulation (본질적 규제): how many firms it hurts, for how long, how badly.

    harm = breadth × duration × cost_weight × delay_weight × open_factor

- breadth = distinct firms affected (filers and co-signers, each firm counted once; an
  association's filing counts as the member firms it names, at least 1): ``max(firms, 1)``;
- duration = years unresolved, from the first report to ``as_of`` (or to resolution), with a
  floor of one month so a fresh rule is not scored zero: ``max(days, 30) / 365``;
- cost_weight = 1 + log10(1 + median stated yearly cost per firm in 백만원 (million won)), so
  stated cost moves the score by orders of magnitude, not linearly (filers' cost figures are
  rough and a single outlier must not dominate); 1.0 when nobody stated a cost;
- delay_weight = 1 + log10(1 + median stated business delay in months) / 2 (``Barrier.
  harm_delay_months``): 12 months → ×1.56, 36 months → ×1.78 — half the weight of cost,
  because a delay is often already part of the cost a filer states; 1.0 when nobody stated one;
- open_factor = 1.0 while unresolved (or declined), 0.5 when partly accepted (일부수용) or under
  long-term review (중장기 검토), 0.25 when accepted but not yet in force (a plan is not a
  change), 0.0 once resolved (accepted and in force).

A pure function over plain values: the RecurringRegulation model feeds it and stores the result.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from statistics import median

OPEN_FACTORS = {
    "open": 1.0,
    "partly_accepted": 0.5,
    "long_term_review": 0.5,
    "declined": 1.0,  # declined is still a live barrier for the firms
    "accepted": 0.25,  # accepted, with a plan, but the rule has not changed yet
    "resolved": 0.0,
}
MIN_DAYS = 30


@dataclass(frozen=True)
class HarmInputs:
    firm_ids: frozenset[str]  # filers and co-signers, distinct
    first_reported: date
    stated_costs_million_won: tuple[float, ...] = ()  # yearly cost per firm, as stated
    stated_delays_months: tuple[float, ...] = ()  # business delay per firm, as stated
    state: str = "open"
    resolved_on: date | None = None


def breadth(firm_count: int) -> float:
    return float(max(firm_count, 1))


def duration_years(first_reported: date, until: date) -> float:
    days = (until - first_reported).days
    return max(days, MIN_DAYS) / 365.0


def cost_weight(stated_costs: Iterable[float]) -> float:
    costs = [c for c in stated_costs if c is not None and math.isfinite(c) and c >= 0]
    if not costs:
        return 1.0
    return 1.0 + math.log10(1.0 + median(costs))


def delay_weight(stated_delays: Iterable[float]) -> float:
    delays = [d for d in stated_delays if d is not None and math.isfinite(d) and d >= 0]
    if not delays:
        return 1.0
    return 1.0 + math.log10(1.0 + median(delays)) / 2.0


def harm_score(inputs: HarmInputs, *, as_of: date) -> float:
    """The harm score (higher = more harm); see the module docstring for the formula."""
    if inputs.state not in OPEN_FACTORS:
        raise ValueError(f"unknown state {inputs.state!r}")
    until = min(inputs.resolved_on or as_of, as_of)
    score = (
        breadth(len(inputs.firm_ids))
        * duration_years(inputs.first_reported, until)
        * cost_weight(inputs.stated_costs_million_won)
        * delay_weight(inputs.stated_delays_months)
        * OPEN_FACTORS[inputs.state]
    )
    return round(score, 4)
