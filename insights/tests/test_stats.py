"""Fair statistics against hand-computed values."""

import pytest

from insights.stats import (
    DurationCell,
    RateCell,
    median,
    p90,
    percentile,
    share_table,
    shares_from_counts,
    suppress_counts,
    wilson_interval,
)


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        (5, 10, 0.2366, 0.7634),  # textbook value
        (0, 10, 0.0, 0.2775),  # Wilson stays inside [0, 1] at the edges
        (10, 10, 0.7225, 1.0),
        (49, 100, 0.3942, 0.5865),  # (0.49+0.0192)/1.0384 ∓ 1.8875·0.05094
        (1, 1, 0.2065, 1.0),
    ],
)
def test_wilson_interval_matches_hand_computation(successes, n, low, high):
    interval = wilson_interval(successes, n)
    assert interval.low == pytest.approx(low, abs=5e-4)
    assert interval.high == pytest.approx(high, abs=5e-4)


def test_wilson_interval_is_none_without_cases_and_refuses_nonsense():
    assert wilson_interval(0, 0) is None
    with pytest.raises(ValueError):
        wilson_interval(3, 2)
    with pytest.raises(ValueError):
        wilson_interval(-1, 2)


def test_median_odd_even_and_empty():
    assert median([3, 1, 2]) == 2
    assert median([4, 1, 3, 2]) == 2.5
    assert median([]) is None


def test_p90_is_nearest_rank_observation():
    values = list(range(1, 11))  # 1..10
    assert p90(values) == 9  # ceil(0.9*10)=9th value
    assert p90([5]) == 5
    assert percentile([1, 2, 3, 4], 50) == 2
    assert p90([]) is None
    with pytest.raises(ValueError):
        percentile([1], 0)


def test_rate_cell_is_suppressed_below_ten_cases_and_says_so():
    small = RateCell(3, 9)
    assert small.suppressed and small.rate is None and small.interval is None and small.percent is None
    enough = RateCell(5, 10)
    assert not enough.suppressed and enough.percent == 50.0
    assert enough.ci_percent == (23.7, 76.3)


def test_duration_cell_hides_median_below_threshold():
    assert DurationCell((1, 2, 3)).median is None
    cell = DurationCell(tuple(range(10)))
    assert cell.median == 4.5 and cell.p90 == 8


def test_suppress_counts_hides_small_cells_and_one_more_when_recoverable():
    cells = suppress_counts([("핀테크", 12), ("AI", 3), ("로봇", 7), ("바이오", 0)])
    shown = {c.label: c.shown for c in cells}
    # AI (3) is hidden; with a total shown it could be recovered, so the next smallest (7) goes too.
    assert shown == {"핀테크": 12, "AI": None, "로봇": None, "바이오": 0}


def test_suppress_counts_without_total_hides_only_small_cells():
    cells = suppress_counts([("a", 12), ("b", 4)], total_shown=False)
    assert [c.shown for c in cells] == [12, None]


def test_share_table_groups_and_suppresses_small_groups():
    pairs = [("fintech", "negative")] * 6 + [("fintech", "positive")] * 4 + [("ai", "negative")] * 3
    groups = {g.group: g for g in share_table(pairs, categories=["negative", "positive"])}
    fintech = {s.category: s.cell for s in groups["fintech"].shares}
    assert groups["fintech"].n == 10 and fintech["negative"].percent == 60.0
    assert groups["ai"].suppressed and all(s.cell.suppressed for s in groups["ai"].shares)


def test_shares_from_counts_counts_unlisted_categories_in_n():
    rows = shares_from_counts({"yes": 4, "no": 5, "모름": 1}, categories=["no"])
    assert rows[0].cell.n == 10 and rows[0].cell.percent == 50.0
