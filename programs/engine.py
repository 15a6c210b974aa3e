"""Vectorised matching: the same rules as ``programs.matching``, over all programs at once.

``matching.evaluate`` is the reference (and writes the reasons); this module compiles a list of
``ProgramRule`` into numpy arrays so one firm is scored against thousands of programs in well
under a millisecond. ``CompiledPrograms.top`` returns exactly ``matching.rank(...)[:top]``: the
arrays pick the candidates, then ``evaluate`` re-checks each and writes its reasons. A property
test keeps both in step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence

import numpy as np
from scipy import sparse

from programs import matching
from programs.matching import FirmProfile, Match, ProgramRule
from programs.parsing import REGIONS, ksic_division

SIZES = ("small", "medium", "middle", "large")
STAGES = ("pre", "early", "leap", "growth")
NO_LIMIT = 10_000


def _years_completed(founded: dt.date, as_of: dt.date) -> tuple[int, bool]:
    """Whole years since founding on ``as_of`` (by the same anniversaries as matching), and
    whether ``as_of`` is that anniversary exactly."""
    years = as_of.year - founded.year
    if matching._anniversary(founded, years) > as_of:
        years -= 1
    return years, matching._anniversary(founded, years) == as_of


class CompiledPrograms:
    """A fixed list of programs as arrays; build once, score many firms.

    Every restriction is stored as one boolean column per value ("programs that admit small
    firms", "programs open to 서울"), so scoring a firm is a handful of vector ORs and ANDs.
    """

    def __init__(self, rules: Sequence[ProgramRule]) -> None:
        self.rules = list(rules)
        n = self.n = len(self.rules)
        rules = self.rules

        def column(test: Callable[[ProgramRule], bool]) -> np.ndarray:
            return np.fromiter((test(r) for r in rules), dtype=bool, count=n)

        def columns(values: Iterable[str], field: Callable[[ProgramRule], frozenset[str]]) -> dict[str, np.ndarray]:
            out: dict[str, np.ndarray] = {}
            for value in values:
                out[value] = np.fromiter((value in field(r) for r in rules), dtype=bool, count=n)
            return out

        self.false = np.zeros(n, dtype=bool)
        self.size_free = column(lambda r: not r.size_classes)
        self.size_cols = columns(SIZES, lambda r: r.size_classes)
        self.stage_free = column(lambda r: not r.stages)
        self.stage_cols = columns(STAGES, lambda r: r.stages)
        self.max_age = np.fromiter((NO_LIMIT if r.max_age_years is None else r.max_age_years for r in rules), int, n)
        self.max_strict = column(lambda r: r.max_age_strict)
        self.min_age = np.fromiter((-1 if r.min_age_years is None else r.min_age_years for r in rules), int, n)
        self.min_strict = column(lambda r: r.min_age_strict)
        age_set = (self.max_age != NO_LIMIT) | (self.min_age != -1)
        self.pre_ok = column(lambda r: r.allows_pre_founding)
        self.region_free = column(lambda r: not r.regions)
        self.region_cols = columns(REGIONS, lambda r: r.regions)
        region_small = column(lambda r: 0 < len(r.regions) <= 3)
        self.cluster_free = column(lambda r: not r.clusters)
        self.cluster_cols = columns({c for r in rules for c in r.clusters}, lambda r: r.clusters)
        division = np.zeros((n, 101), dtype=np.int32)
        for i, r in enumerate(rules):
            for lo, hi in r.ksic_ranges:
                division[i, max(lo, 0) : min(hi, 99) + 1] = 1
        self.ksic_free = column(lambda r: not r.ksic_ranges)
        self.ksic_cum = np.concatenate([np.zeros((n, 1), dtype=np.int32), np.cumsum(division, axis=1)], axis=1)
        self.group_free = column(lambda r: not r.target_groups)
        self.group_cols = columns({g for r in rules for g in r.target_groups}, lambda r: r.target_groups)
        sector_set = column(lambda r: bool(r.sectors))
        self.sector_optional = ~sector_set | ~column(lambda r: r.sectors_required)
        self.sector_cols = columns({x for r in rules for x in r.sectors}, lambda r: r.sectors)
        self.kind_cols = columns({r.kind for r in rules}, lambda r: frozenset({r.kind}))
        self.demo_kind = column(lambda r: r.kind in matching.DEMONSTRATION_KINDS)
        # Points that depend on the program alone (see matching.evaluate for each rule).
        self.static_score = (
            10 * ~self.size_free
            + 15 * ~self.stage_free
            + 10 * age_set
            + 10 * region_small
            + 15 * ~self.cluster_free
            + 5 * ~sector_set
        ).astype(np.int32)
        vocabulary: dict[str, int] = {}
        rows, cols = [], []
        for i, r in enumerate(rules):
            for token in r.tokens:
                if token in matching.NEED_KINDS:
                    continue
                rows.append(i)
                cols.append(vocabulary.setdefault(token, len(vocabulary)))
        self.vocabulary = vocabulary
        self.tokens = sparse.csc_matrix(
            (np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(n, max(len(vocabulary), 1))
        )
        far = dt.date.max.toordinal()
        self.closes = np.fromiter((r.closes_on.toordinal() if r.closes_on else far for r in rules), int, n)
        self.opens = np.fromiter((r.opens_on.toordinal() if r.opens_on else 0 for r in rules), int, n)
        self.announced = np.fromiter((r.announced_on.toordinal() if r.announced_on else 0 for r in rules), int, n)
        self.has_close = column(lambda r: r.closes_on is not None)
        self.open_ended = column(lambda r: r.period_kind in matching.OPEN_ENDED)
        self.archived = column(lambda r: r.archived)
        by_name = sorted(range(n), key=lambda i: (rules[i].title, rules[i].key))
        self.name_rank = np.empty(n, dtype=np.int64)
        self.name_rank[by_name] = np.arange(n)
        self._age_cache: dict[tuple[int, bool], np.ndarray] = {}
        self._ksic_cache: dict[tuple[int, int], np.ndarray] = {}
        self._soon_cache: dict[dt.date, np.ndarray] = {}

    def open_mask(self, as_of: dt.date, *, ignore_archive: bool = False) -> np.ndarray:
        day = as_of.toordinal()
        mask = (self.announced <= day) & (self.opens <= day)
        mask &= np.where(self.has_close, day <= self.closes, self.open_ended)
        if not ignore_archive:
            mask &= ~self.archived
        return mask

    def _age_ok(self, years: int, exact: bool) -> np.ndarray:
        found = self._age_cache.get((years, exact))
        if found is None:
            reaches_max = (self.max_age > years) | ((self.max_age == years) & exact)
            within_max = np.where(self.max_strict, self.max_age > years, reaches_max)
            over_strict = (self.min_age < years) | ((self.min_age == years) & (not exact))
            over_min = np.where(self.min_strict, over_strict, self.min_age <= years)
            found = self._age_cache[(years, exact)] = within_max & over_min
        return found

    def _ksic_ok(self, lo: int, hi: int) -> np.ndarray:
        found = self._ksic_cache.get((lo, hi))
        if found is None:
            found = self._ksic_cache[(lo, hi)] = self.ksic_free | (
                (self.ksic_cum[:, hi + 1] - self.ksic_cum[:, lo]) > 0
            )
        return found

    def _closing_soon(self, as_of: dt.date) -> np.ndarray:
        found = self._soon_cache.get(as_of)
        if found is None:
            soon = self.has_close & (self.closes - as_of.toordinal() <= matching.CLOSING_SOON_DAYS)
            found = self._soon_cache[as_of] = (5 * soon).astype(np.int32)
        return found

    def _any(self, cols: dict[str, np.ndarray], values: Iterable[str]) -> np.ndarray:
        out = self.false
        for value in values:
            col = cols.get(value)
            if col is not None:
                out = out | col
        return out

    def scores(
        self, firm: FirmProfile, *, as_of: dt.date, open_mask: np.ndarray | None = None, ignore_archive: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """(eligible mask, score) for every program, mirroring ``matching.evaluate``."""
        ok = self.open_mask(as_of, ignore_archive=ignore_archive) if open_mask is None else open_mask.copy()
        stage = str(matching.growth_stage(founded_on=firm.founded_on, as_of=as_of))
        ok &= self.size_free | self.size_cols.get(firm.size or "", self.false)
        ok &= self.stage_free | self.stage_cols[stage]
        if firm.founded_on is None or firm.founded_on > as_of:
            ok &= self.pre_ok
        else:
            ok &= self._age_ok(*_years_completed(firm.founded_on, as_of))
        ok &= self.region_free | self.region_cols.get(firm.region or "", self.false)
        ok &= self.cluster_free | self.cluster_cols.get(firm.cluster or "", self.false)
        division = ksic_division(firm.ksic)
        if division is not None:
            ok &= self._ksic_ok(max(division[0], 0), min(division[1], 99))
        satisfied = [g for g in self.group_cols if matching._group_satisfied(g, firm, stage)]
        ok &= self.group_free | self._any(self.group_cols, satisfied)
        shared = self._any(self.sector_cols, firm.sectors)
        ok &= self.sector_optional | shared
        score = self.static_score + 30 * shared + self._closing_soon(as_of)
        declared = firm.target_groups & set(self.group_cols)
        if declared:
            score = score + 10 * self._any(self.group_cols, declared)
        if firm.demonstration_blocked:
            score = score + 40 * self.demo_kind
        wanted = {matching.NEED_KINDS[w] for w in firm.needs if w in matching.NEED_KINDS}
        if wanted:
            score = score + 15 * self._any(self.kind_cols, wanted)
        columns = [self.vocabulary[t] for t in firm.needs if t in self.vocabulary]
        if columns:
            overlap = np.asarray(self.tokens[:, columns].sum(axis=1)).ravel()
            score = score + 5 * np.minimum(overlap, 3)
        return ok, np.where(ok, np.minimum(score, 100), 0)

    def top(
        self,
        firm: FirmProfile,
        *,
        as_of: dt.date,
        top: int = 10,
        open_mask: np.ndarray | None = None,
        ignore_archive: bool = False,
    ) -> list[Match]:
        """``matching.rank(firm, rules, as_of=as_of, top=top)``, computed on the arrays."""
        if self.n == 0:
            return []
        ok, score = self.scores(firm, as_of=as_of, open_mask=open_mask, ignore_archive=ignore_archive)
        eligible = np.flatnonzero(ok)
        if eligible.size == 0:
            return []
        if eligible.size > 4 * top:
            # Only programs scoring at least the top-th best can rank; ties stay for the sort below.
            threshold = np.partition(score[eligible], eligible.size - top)[eligible.size - top]
            eligible = eligible[score[eligible] >= threshold]
        # rank()'s order: best score, then nearer deadline (none = last), then title and key.
        order = np.lexsort((self.name_rank[eligible], self.closes[eligible], -score[eligible]))
        chosen = eligible[order[:top]]
        return [matching.evaluate(firm, self.rules[i], as_of=as_of, ignore_archive=ignore_archive) for i in chosen]
