"""Fair statistics as pure functions: intervals, medians, percentiles and suppressed cells.

Rules every dashboard follows (issue 8, "fair by design"):

- **No rate or ranking on fewer than ``MIN_CASES_FOR_RATE`` (10) cases.** The cell is kept, marked
  ``suppressed``, and says so; it never silently disappears, so a reader sees that data exist.
- **Public counts below ``MIN_PUBLIC_COUNT`` (5) firms are suppressed** (open data rule), with a
  second cell suppressed when one hidden cell could be recovered from a shown total.
- **Medians, not means**, for durations; the 90th percentile shows the long tail.
- **Rates carry a 95% Wilson interval**, which behaves at small n and at 0% or 100%, unlike the
  normal approximation.

Nothing here touches the database or Django; every function is tested on hand-computed values.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

MIN_CASES_FOR_RATE = 10
MIN_PUBLIC_COUNT = 5
Z_95 = 1.959963984540054  # two-sided 95% normal quantile


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def wilson_interval(successes: int, n: int, *, z: float = Z_95) -> Interval | None:
    """The Wilson score interval for a proportion ``successes / n`` (None when n is 0).

    centre = (p + z²/2n) / (1 + z²/n); half-width = z/(1 + z²/n) · √(p(1−p)/n + z²/4n²).
    """
    if n < 0 or successes < 0 or successes > n:
        raise ValueError("need 0 <= successes <= n")
    if n == 0:
        return None
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = (z / denominator) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


def median(values: Iterable[float]) -> float | None:
    """The middle value (mean of the two middle values for an even count); None when empty."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    mid = n // 2
    if n % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2


def percentile(values: Iterable[float], p: float) -> float | None:
    """The nearest-rank percentile: the smallest observed value with at least ``p``% of cases ≤ it.

    Nearest rank keeps the figure an actual observation ("90% of barriers had a first answer
    within 12 business days"), which is what a reader expects of a deadline statistic.
    """
    if not 0 < p <= 100:
        raise ValueError("p must be in (0, 100]")
    ordered = sorted(values)
    if not ordered:
        return None
    rank = math.ceil(p / 100 * len(ordered))
    return float(ordered[rank - 1])


def p90(values: Iterable[float]) -> float | None:
    return percentile(values, 90)


@dataclass(frozen=True)
class RateCell:
    """A rate shown only on enough cases; otherwise ``suppressed`` (and the cell says so)."""

    successes: int
    n: int
    min_cases: int = MIN_CASES_FOR_RATE

    @property
    def suppressed(self) -> bool:
        return self.n < self.min_cases

    @property
    def rate(self) -> float | None:
        return None if self.suppressed or self.n == 0 else self.successes / self.n

    @property
    def interval(self) -> Interval | None:
        return None if self.suppressed else wilson_interval(self.successes, self.n)

    @property
    def percent(self) -> float | None:
        rate = self.rate
        return None if rate is None else round(rate * 100, 1)

    @property
    def ci_percent(self) -> tuple[float, float] | None:
        interval = self.interval
        return None if interval is None else (round(interval.low * 100, 1), round(interval.high * 100, 1))


@dataclass(frozen=True)
class DurationCell:
    """Median and p90 of durations (business days), suppressed below the case threshold."""

    values: tuple[float, ...]
    min_cases: int = MIN_CASES_FOR_RATE

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def suppressed(self) -> bool:
        return self.n < self.min_cases

    @property
    def median(self) -> float | None:
        return None if self.suppressed else median(self.values)

    @property
    def p90(self) -> float | None:
        return None if self.suppressed else p90(self.values)


@dataclass(frozen=True)
class HistogramDuration:
    """``DurationCell`` from a histogram of whole-day durations (value → count), as the database
    returns it: the same median and nearest-rank p90 without expanding a million values."""

    counts: tuple[tuple[float, int], ...]  # (value, how many), any order
    min_cases: int = MIN_CASES_FOR_RATE

    @property
    def n(self) -> int:
        return sum(count for _value, count in self.counts)

    @property
    def suppressed(self) -> bool:
        return self.n < self.min_cases

    def _kth(self, k: int) -> float:
        """The k-th smallest value (1-based)."""
        seen = 0
        for value, count in sorted(self.counts):
            seen += count
            if seen >= k:
                return float(value)
        raise IndexError(k)

    @property
    def median(self) -> float | None:
        if self.suppressed or self.n == 0:
            return None
        n = self.n
        if n % 2:
            return self._kth(n // 2 + 1)
        return (self._kth(n // 2) + self._kth(n // 2 + 1)) / 2

    @property
    def p90(self) -> float | None:
        if self.suppressed or self.n == 0:
            return None
        return self._kth(math.ceil(0.9 * self.n))


@dataclass(frozen=True)
class CountCell:
    label: str
    n: int
    suppressed: bool = False

    @property
    def shown(self) -> int | None:
        return None if self.suppressed else self.n


def suppress_counts(
    counts: Sequence[tuple[str, int]], *, threshold: int = MIN_PUBLIC_COUNT, total_shown: bool = True
) -> list[CountCell]:
    """Counts with cells in 1..threshold−1 suppressed (zero is not disclosive and stays shown).

    When exactly one cell is hidden and the total is shown and equals the sum, the hidden value
    could be recovered by subtraction, so the next-smallest shown non-zero cell is hidden too.
    """
    cells = [CountCell(label, n, 0 < n < threshold) for label, n in counts]
    hidden = [c for c in cells if c.suppressed]
    if total_shown and len(hidden) == 1:
        candidates = sorted((c for c in cells if not c.suppressed and c.n > 0), key=lambda c: c.n)
        if candidates:
            extra = candidates[0]
            cells = [CountCell(c.label, c.n, True) if c is extra else c for c in cells]
    return cells


@dataclass(frozen=True)
class ShareRow:
    """One category's share of a group, with its Wilson interval (or suppressed)."""

    category: str
    cell: RateCell


@dataclass(frozen=True)
class ShareGroup:
    group: str
    n: int
    shares: tuple[ShareRow, ...]

    @property
    def suppressed(self) -> bool:
        return self.n < MIN_CASES_FOR_RATE


def share_table(
    pairs: Iterable[tuple[Hashable, Hashable]],
    *,
    categories: Sequence[Hashable],
    min_cases: int = MIN_CASES_FOR_RATE,
) -> list[ShareGroup]:
    """Shares of each category within each group, from ``(group, category)`` observations.

    Groups keep their first-seen order; categories the given order. A group with fewer than
    ``min_cases`` observations is suppressed as a whole (its shares would identify or mislead).
    Observations of categories not listed still count in the group's n (e.g. "모름").
    """
    by_group: dict[Hashable, Counter[Hashable]] = {}
    for group, category in pairs:
        by_group.setdefault(group, Counter())[category] += 1
    return [
        ShareGroup(
            group=str(group),
            n=sum(counter.values()),
            shares=tuple(
                ShareRow(str(cat), RateCell(counter[cat], sum(counter.values()), min_cases)) for cat in categories
            ),
        )
        for group, counter in by_group.items()
    ]


def shares_from_counts(
    counts: Mapping[str, int], *, categories: Sequence[str], min_cases: int = MIN_CASES_FOR_RATE
) -> list[ShareRow]:
    """Shares of each category from already-counted data (n is the sum of all counts)."""
    n = sum(counts.values())
    return [ShareRow(cat, RateCell(counts.get(cat, 0), n, min_cases)) for cat in categories]
