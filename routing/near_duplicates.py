"""Linking a new barrier to the recurring regulation it is about, without comparing every pair.

Two barriers about the same rule are written by different filers with different words, and
two barriers with many shared words can concern different rules (financial-sector 망분리 vs
public-sector 망분리). Linking has three steps:

- **candidates** from MinHash LSH (datasketch) over a *signature* set: content-morpheme
  unigrams and bigrams, plus the statutes and articles the router found, each repeated
  ``statute_copies`` / ``article_copies`` times. LSH returns only items whose estimated Jaccard
  passes ``lsh_threshold``, so insert and query cost stay flat as the index grows;
- a **pair score** on the candidates: the cosine of the two texts' morpheme sets weighted by
  inverse document frequency (rare words such as 스톡옵션 or 신의료기술평가 say far more than
  허가 or 규제; the frequencies are those of everything indexed so far, kept incrementally),
  plus optional agreement on statutes / articles and a penalty when both name different
  articles of the same law;
- optionally a **term specificity** learned from barriers whose rule is known (``TermSpecificity``,
  ``learn_specificity``): each gram's weight times the smoothed rate at which labelled texts
  sharing it concern the same rule, so the filers' common vocabulary counts for less.
  ``learn_linking`` learns it together with the link/merge thresholds that suit it (chosen on
  held-out halves of the labelled rules); a router keeps the result (``Router.link_specificity``)
  and ``engine.new_index`` builds route_batch's and the workflow's index from it (the defaults
  below for a router without one). Grouped 5-fold CV, bench/routing_cluster.py --specificity:
  B-cubed F1 0.696 → 0.717 with consolidation, precision 0.659 → 0.771;
- a **group score**: the mean pair score over the members of each candidate group (average
  link). One lucky shared word with one member no longer pulls a text into a rule, and a
  paraphrase that shares a little with every member of the right group still joins it.

``link`` attaches a barrier to the best group when its group score reaches ``link_threshold``,
else starts a new group (a candidate recurring regulation). ``consolidate`` then merges
neighbouring groups (LSH candidates of each other's members, never a scan of every pair) best
first while their mean pair score (average link) reaches ``merge_threshold``: paraphrases that
arrived before their rule had a group they fit are gathered afterwards. route_batch consolidates
after each batch, the workflow in the periodic refresh (``services.consolidate_recurring``).
Measured in bench/routing_cluster.py and bench/routing_eval.py (grouped CV on barriers-dev).

The scores are computed in numpy, many at a time: the wide LSH net gives a long petition ~330
candidates of 1,000, and every insert moves every weight (the number of documents changes), so
gram-by-gram Python sums cost ~90 ms per linked text and 40 s per consolidation of 1,000 real
petitions. ``NearDuplicateIndex.scores`` weighs all candidates' grams under the current
frequencies in one step; consolidation freezes the frequencies for its pass and scores a group
against all its neighbours at once (mean pair score = dot product of the members' unit-vector
sums). Same definitions as ``pair_score``, so the groups are the same (bench/routing_lsh.py).
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Container, Iterable
from dataclasses import dataclass, field, replace

import numpy as np
from datasketch import MinHash, MinHashLSH
from scipy import sparse


@dataclass(frozen=True)
class BarrierFeatures:
    morphemes: frozenset[str]
    statutes: frozenset[str] = frozenset()  # law-level ids (a decree counts as its law)
    articles: frozenset[str] = frozenset()  # "<law_id> 제34조"

    @classmethod
    def from_tokens(
        cls, tokens: Iterable[str], *, statutes: Iterable[str] = (), articles: Iterable[str] = ()
    ) -> BarrierFeatures:
        words = [t for t in tokens if len(t) >= 2]
        grams = set(words) | {f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)}
        return cls(frozenset(grams), frozenset(statutes), frozenset(articles))


@dataclass
class LinkSettings:
    num_perm: int = 128
    lsh_threshold: float = 0.05  # paraphrases of one rule share few words: cast a wide net
    statute_copies: int = 6
    article_copies: int = 10
    # Pair score = idf-weighted cosine of the morpheme sets (+ the optional terms below). Under
    # grouped CV on barriers-dev the statutes/articles the router proposes (right about half the
    # time for a rule it never saw) lowered B-cubed F1 whatever their weight (bench/routing_cluster.py),
    # so they only steer LSH candidates by default; with the gold statutes they would decide
    # almost everything (B-cubed F1 0.94).
    statute_weight: float = 0.0
    article_weight: float = 0.0
    conflict_penalty: float = 0.0
    # Mean pair score to a group on arrival. Chosen with merge_threshold by grouped 5-fold CV in
    # bench/routing_cluster.py (per fold (0.1, 0.03), (0.08, 0.035), (0.15, 0.035), (0.1, 0.035),
    # (0.1, 0.035) from the grids there); linking alone, without consolidation, did best at 0.04–0.05.
    link_threshold: float = 0.1
    max_group_members: int = 30  # the most recent members a group score averages over (cost stays flat)
    # Consolidation (``NearDuplicateIndex.consolidate``): two groups whose members' mean pair score
    # reaches this are one rule. Linking one by one leaves paraphrases in separate groups when
    # the first texts of a rule happen to share few words; average-link merging of the groups
    # LSH puts side by side recovers many of them (bench/routing_cluster.py, grouped 5-fold CV:
    # B-cubed P/R/F1 0.687/0.581/0.629 linking alone → 0.659/0.743/0.698). Four training folds of
    # five chose 0.035 once the grid had it (0.03 and 0.04 before: F1 0.689). None switches it off.
    merge_threshold: float | None = 0.035


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


@dataclass(frozen=True)
class TermSpecificity:
    """How much a shared gram says that two barriers concern the same rule, learned from barriers
    whose rule is known (``learn_specificity``): a multiplier on the gram's idf weight.

    Idf alone cannot tell a rule's own words from the filers' common vocabulary of complaint
    (건의, 스타트업, 사업, 지연 ...) that is rare enough to weigh a lot: counted over labelled
    rules, the pairs of texts sharing such a word are seldom about the same rule, while the pairs
    sharing a rule's own word are. The multiplier is that smoothed same-rule rate of the pairs
    sharing the gram, to the power ``power``; a gram seen in fewer than two labelled texts (a new
    rule's own words, most of them) gets the prior. The labels never reach the grams of unseen
    rules directly, so it carries over to texts nobody labelled (bench/routing_cluster.py)."""

    factors: dict[str, float] = field(default_factory=dict)
    unseen: float = 1.0

    def factor(self, gram: str) -> float:
        return self.factors.get(gram, self.unseen)


def learn_specificity(
    labelled: Iterable[tuple[Iterable[str], str]], *, smoothing: float = 2.0, prior: float = 0.5, power: float = 0.5
) -> TermSpecificity:
    """``TermSpecificity`` from ``(grams, rule)`` pairs (e.g. ``BarrierFeatures.morphemes`` and
    the cluster or recurring regulation). Per gram: (same-rule pairs + smoothing·prior) / (pairs +
    smoothing) over the texts holding it, raised to ``power``. The three constants are fixed priors
    (a pseudo-count of two pairs at an even rate, square root), not fitted to the dev set."""
    by_gram: dict[str, Counter[str]] = {}
    for grams, rule in labelled:
        for gram in set(grams):
            by_gram.setdefault(gram, Counter())[rule] += 1
    factors = {}
    for gram, rules in by_gram.items():
        texts = sum(rules.values())
        if texts < 2:
            continue
        pairs = texts * (texts - 1) / 2
        same = sum(c * (c - 1) / 2 for c in rules.values())
        factors[gram] = ((same + smoothing * prior) / (pairs + smoothing)) ** power
    return TermSpecificity(factors, prior**power)


# Threshold grids ``learn_linking`` chooses from (with consolidation after linking, arrival can be
# stricter: merges recover the rest). The merge grid steps by 0.005 around where grouped CV put it.
LINK_GRID = (0.06, 0.08, 0.1, 0.15, 0.2, 0.3)
MERGE_GRID = (0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04, 0.045, 0.05)


@dataclass(frozen=True)
class LearnedLinking:
    """How to link, learned from barriers whose rule is known (``learn_linking``): the term
    specificity and the link/merge thresholds chosen with it. The router keeps one
    (``Router.link_specificity``); ``index()`` builds the near-duplicate index that uses it."""

    specificity: TermSpecificity
    settings: LinkSettings
    trained_on: int = 0

    def index(self) -> NearDuplicateIndex:
        """An empty index with these settings (its own copy) and this specificity."""
        return NearDuplicateIndex(settings=replace(self.settings), frequencies=DocumentFrequencies(self.specificity))


def learn_linking(
    labelled: Iterable[tuple[BarrierFeatures | Iterable[str], str]],
    *,
    link_grid: Iterable[float] = LINK_GRID,
    merge_grid: Iterable[float] = MERGE_GRID,
    base: LinkSettings | None = None,
) -> LearnedLinking:
    """``LearnedLinking`` from ``(features or morphemes, rule)`` pairs in arrival order (e.g. the
    training barriers and their cluster or recurring regulation).

    The thresholds are chosen as the specificity will be used, on rules it never saw: the rules are
    split in two halves; with the specificity learned from one half, every text is linked in order
    and consolidated, and the B-cubed F1 of the other half's texts is summed over both halves for
    each (link, merge) pair of the grids. The specificity kept is then learned from all of them.
    With fewer than four rules there is nothing to choose from: ``base`` (default ``LinkSettings()``)
    thresholds are kept."""
    items = [(f if isinstance(f, BarrierFeatures) else BarrierFeatures.from_tokens(f), rule) for f, rule in labelled]
    items = [(f, rule) for f, rule in items if f.morphemes]
    settings = replace(base or LinkSettings())
    specificity = learn_specificity((f.morphemes, rule) for f, rule in items)
    rules = sorted({rule for _f, rule in items})
    if len(rules) < 4:
        return LearnedLinking(specificity, settings, len(items))
    links, merges = sorted(set(link_grid)), sorted(set(merge_grid), reverse=True)
    keys = [f"k{n}" for n in range(len(items))]
    truth = {key: rule for key, (_f, rule) in zip(keys, items, strict=True)}
    # Rules alternate between the halves in order of first appearance (deterministic, grouped).
    first = {rule: n for n, (_f, rule) in reversed(list(enumerate(items)))}
    half = {rule: k % 2 for k, rule in enumerate(sorted(rules, key=first.__getitem__))}
    totals: dict[tuple[float, float], float] = {}
    for side in (0, 1):
        learned = learn_specificity((f.morphemes, rule) for f, rule in items if half[rule] == side)
        held = [key for key in keys if half[truth[key]] != side]
        for link in links:
            index = NearDuplicateIndex(
                settings=replace(settings, link_threshold=link), frequencies=DocumentFrequencies(learned)
            )
            linked = index.link_all(zip(keys, (f for f, _r in items), strict=True), consolidate=False)
            done = index.consolidate(threshold=min(merges))
            for merge in merges:
                predicted = _after_merges(linked, done, merge)
                score = bcubed_of_items(predicted, truth, held)[2]
                totals[(link, merge)] = totals.get((link, merge), 0.0) + score
    link, merge = max(sorted(totals), key=lambda lm: totals[lm])
    return LearnedLinking(specificity, replace(settings, link_threshold=link, merge_threshold=merge), len(items))


def _after_merges(linked: dict[str, str], merges: list[tuple[str, str, float]], threshold: float) -> dict[str, str]:
    """The groups after the prefix of ``merges`` (in order, as ``consolidate`` returns them) whose
    score reaches ``threshold``."""
    into: dict[str, str] = {}
    for drop, keep, value in merges:
        if value < threshold:
            break
        into[drop] = keep

    def final(group: str) -> str:
        while group in into:
            group = into[group]
        return group

    return {key: final(group) for key, group in linked.items()}


class DocumentFrequencies:
    """How many indexed barriers contain each morpheme gram (inverse document frequency).

    Counts live in a numpy array indexed by a gram vocabulary, so the weights of many texts'
    grams are computed in one vectorised step (``weights``): every insert moves every weight
    (the number of documents changes), and recomputing them gram by gram in Python for ~300
    candidates of a long petition made linking cost more than routing it. ``squared_sum`` keeps
    its memo (until the next ``add``/``remove``) for the one-pair ``text_similarity``."""

    def __init__(self, specificity: TermSpecificity | None = None) -> None:
        self.specificity = specificity
        self.vocabulary: dict[str, int] = {}
        self._counts = np.zeros(1024, dtype=np.int64)
        self._factors = np.ones(1024)  # each gram's TermSpecificity multiplier (1 without one)
        self.documents = 0
        self._squared: dict[str, float] = {}
        self._sums: dict[frozenset[str], float] = {}

    def ids(self, grams: Iterable[str], *, grow: bool = False) -> np.ndarray:
        """The vocabulary ids of ``grams`` (unknown grams are skipped unless ``grow`` adds them)."""
        vocabulary = self.vocabulary
        if grow:
            grams = list(grams)
            new = [g for g in dict.fromkeys(grams) if g not in vocabulary]
            for gram in new:
                vocabulary[gram] = len(vocabulary)
            if len(vocabulary) > len(self._counts):
                size = max(2 * len(self._counts), len(vocabulary))
                grown = np.zeros(size, dtype=np.int64)
                grown[: len(self._counts)] = self._counts
                self._counts = grown
                factors = np.ones(size)
                factors[: len(self._factors)] = self._factors
                self._factors = factors
            if self.specificity is not None and new:
                self._factors[[vocabulary[g] for g in new]] = [self.specificity.factor(g) for g in new]
            return np.fromiter((vocabulary[g] for g in grams), dtype=np.int64)
        return np.fromiter((i for g in grams if (i := vocabulary.get(g)) is not None), dtype=np.int64)

    def add(self, grams: Iterable[str]) -> np.ndarray:
        """Count one more document holding ``grams``; returns their vocabulary ids."""
        ids = self.ids(grams, grow=True)
        np.add.at(self._counts, ids, 1)
        self.documents += 1
        self._forget()
        return ids

    def remove(self, grams: Iterable[str]) -> None:
        ids = self.ids(grams)
        np.subtract.at(self._counts, ids, 1)
        self.documents = max(0, self.documents - 1)
        self._forget()

    def _forget(self) -> None:
        if self._squared:
            self._squared.clear()
        if self._sums:
            self._sums.clear()

    def count(self, gram: str) -> int:
        index = self.vocabulary.get(gram)
        return 0 if index is None else max(int(self._counts[index]), 0)

    def factor(self, gram: str) -> float:
        """The gram's ``TermSpecificity`` multiplier (1 without one)."""
        return 1.0 if self.specificity is None else self.specificity.factor(gram)

    def idf(self, gram: str) -> float:
        """The gram's weight: inverse document frequency times its specificity multiplier."""
        return (math.log((self.documents + 1) / (self.count(gram) + 1)) + 1.0) * self.factor(gram)

    def weights(self, ids: np.ndarray) -> np.ndarray:
        """The idf of each vocabulary id in ``ids`` (vectorised ``idf``)."""
        counts = np.maximum(self._counts[ids], 0)
        idf = np.log((self.documents + 1) / (counts + 1)) + 1.0
        return idf if self.specificity is None else idf * self._factors[ids]

    def unknown_weight(self, gram: str | None = None) -> float:
        """The weight of a gram no indexed document holds (``gram`` for its specificity)."""
        return (math.log(self.documents + 1) + 1.0) * (1.0 if gram is None else self.factor(gram))

    def squared_idf(self, gram: str) -> float:
        value = self._squared.get(gram)
        if value is None:
            value = self._squared[gram] = self.idf(gram) ** 2
        return value

    def squared_sum(self, grams: frozenset[str]) -> float:
        """The sum of the grams' squared weights (a cosine's squared norm)."""
        value = self._sums.get(grams)
        if value is None:
            weight = self.squared_idf
            value = self._sums[grams] = sum(weight(g) for g in grams)
        return value


def text_similarity(a: frozenset[str], b: frozenset[str], frequencies: DocumentFrequencies | None = None) -> float:
    """Cosine of two morpheme-gram sets, each gram weighted by its inverse document frequency
    (uniform weights without ``frequencies``); 0 when they share nothing."""
    shared = a & b
    if not shared:
        return 0.0
    if frequencies is None:
        return len(shared) / math.sqrt(len(a) * len(b))
    norm = math.sqrt(frequencies.squared_sum(a) * frequencies.squared_sum(b))
    weight = frequencies.squared_idf
    return sum(weight(g) for g in shared) / norm if norm else 0.0


def pair_score(
    a: BarrierFeatures,
    b: BarrierFeatures,
    settings: LinkSettings | None = None,
    frequencies: DocumentFrequencies | None = None,
) -> float:
    """How likely two barriers concern the same rule (0 … ~1; compare means with ``link_threshold``)."""
    s = settings or LinkSettings()
    return text_similarity(a.morphemes, b.morphemes, frequencies) + statute_score(a, b, s)


def statute_score(a: BarrierFeatures, b: BarrierFeatures, s: LinkSettings) -> float:
    """The statute/article part of the pair score (0 with the default weights)."""
    score = 0.0
    if s.statute_weight and a.statutes and b.statutes:
        score += s.statute_weight * jaccard(a.statutes, b.statutes)
    if a.articles and b.articles and (s.article_weight or s.conflict_penalty):
        shared = a.articles & b.articles
        if shared:
            score += s.article_weight * (len(shared) / min(len(a.articles), len(b.articles)))
        elif {x.split(" ")[0] for x in a.articles} & {x.split(" ")[0] for x in b.articles}:
            score -= s.conflict_penalty  # same law, different articles: likely a different rule
    return score


def _statutes_matter(s: LinkSettings) -> bool:
    return bool(s.statute_weight or s.article_weight or s.conflict_penalty)


class _UnitVectors:
    """Every indexed barrier as an idf-weighted unit vector (CSR arrays, one row per key in
    insertion order) under the document frequencies of one moment (one consolidation pass).
    The mean pair score of two groups is the dot product of their members' vector sums over the
    product of their sizes: one group's sum is spread into a dense buffer and every neighbouring
    group's members are read against it in one vectorised step, instead of pair by pair."""

    def __init__(self, index: NearDuplicateIndex) -> None:
        keys = list(index.features)
        self.row = {key: n for n, key in enumerate(keys)}
        arrays = [index._ids[key] for key in keys]
        lengths = np.fromiter(map(len, arrays), dtype=np.int64, count=len(arrays))
        self.indices = np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int64)
        self.indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        rows = np.repeat(np.arange(len(keys)), lengths)
        weights = index.frequencies.weights(self.indices)
        norms = np.sqrt(np.bincount(rows, weights=weights * weights, minlength=len(keys)))
        self.data = weights / norms[rows] if len(self.indices) else weights
        self._buffer = np.zeros(max(len(index.frequencies.vocabulary), 1))
        self._csr: sparse.csr_matrix | None = None

    def _matrix(self) -> sparse.csr_matrix:
        if self._csr is None:
            shape = (len(self.indptr) - 1, len(self._buffer))
            self._csr = sparse.csr_matrix((self.data, self.indices, self.indptr), shape=shape)
        return self._csr

    def _cells(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions in ``indices``/``data`` of the given rows' entries, and each entry's place in
        ``rows``."""
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        lengths = ends - starts
        total = int(lengths.sum())
        place = np.repeat(np.arange(len(rows)), lengths)
        offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
        return offsets + np.arange(total), place

    def sharing_words(self, row: int, others: list[int]) -> np.ndarray:
        """The rows among ``others`` that share at least one gram with ``row``."""
        rows = np.array(others, dtype=np.int64)
        if not len(rows):
            return rows
        mine = self.indices[self.indptr[row] : self.indptr[row + 1]]
        self._buffer[mine] = 1.0
        cells, place = self._cells(rows)
        hits = np.bincount(place, weights=self._buffer[self.indices[cells]], minlength=len(rows))
        self._buffer[mine] = 0.0
        return rows[hits > 0]

    def mean_scores(self, left: list[str], rights: list[list[str]]) -> np.ndarray:
        """The mean text similarity between the keys ``left`` and each list in ``rights``."""
        if not left or not rights:
            return np.zeros(len(rights))
        lengths = np.fromiter(map(len, rights), dtype=np.int64, count=len(rights))
        mine, _ = self._cells(np.array([self.row[k] for k in left], dtype=np.int64))
        np.add.at(self._buffer, self.indices[mine], self.data[mine])
        wanted = np.array([self.row[k] for keys in rights for k in keys], dtype=np.int64)
        if int((self.indptr[wanted + 1] - self.indptr[wanted]).sum()) * 4 > len(self.data):
            # most rows are wanted anyway (the wide LSH net): one compiled product over all is cheaper
            dots = (self._matrix() @ self._buffer)[wanted]
        else:
            cells, place = self._cells(wanted)
            products = self.data[cells] * self._buffer[self.indices[cells]]
            dots = np.bincount(place, weights=products, minlength=len(wanted))
        self._buffer[self.indices[mine]] = 0.0
        sums = np.bincount(np.repeat(np.arange(len(rights)), lengths), weights=dots, minlength=len(rights))
        return np.divide(sums, lengths * len(left), out=np.zeros(len(rights)), where=lengths > 0)


@dataclass
class NearDuplicateIndex:
    """MinHash LSH over barrier signatures, with groups (candidate recurring regulations)."""

    settings: LinkSettings = field(default_factory=LinkSettings)
    lsh: MinHashLSH = field(init=False)
    features: dict[str, BarrierFeatures] = field(default_factory=dict)
    group_of: dict[str, str] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)  # group -> keys, oldest first
    frequencies: DocumentFrequencies = field(default_factory=DocumentFrequencies)

    def __post_init__(self) -> None:
        self.lsh = MinHashLSH(threshold=self.settings.lsh_threshold, num_perm=self.settings.num_perm)
        self._ids: dict[str, np.ndarray] = {}  # key -> vocabulary ids of its morpheme grams
        self._minhashes: dict[str, MinHash] = {}  # key -> its signature (consolidation queries LSH with it)
        self._last_signature: tuple[BarrierFeatures, MinHash] | None = None
        self._marks = np.zeros(0, dtype=bool)

    def signature(self, features: BarrierFeatures) -> MinHash:
        last = self._last_signature
        if last is not None and last[0] is features:  # best_group then insert: hashed once
            return last[1]
        shingles = set(features.morphemes)
        for law in features.statutes:
            shingles.update(f"§s{law}#{i}" for i in range(self.settings.statute_copies))
        for article in features.articles:
            shingles.update(f"§a{article}#{i}" for i in range(self.settings.article_copies))
        minhash = MinHash(num_perm=self.settings.num_perm, seed=1)
        minhash.update_batch([s.encode("utf-8") for s in shingles])
        self._last_signature = (features, minhash)
        return minhash

    def insert(self, key: str, features: BarrierFeatures, *, group: str | None = None) -> None:
        if key in self.features:
            raise ValueError(f"{key!r} is already indexed")
        minhash = self.signature(features)
        self.lsh.insert(key, minhash)
        self._minhashes[key] = minhash
        self.features[key] = features
        self.group_of[key] = group or key
        self.members.setdefault(group or key, []).append(key)
        self._ids[key] = self.frequencies.add(features.morphemes)

    def remove(self, key: str) -> None:
        """Forget ``key`` (a re-routed barrier is indexed again with its new features)."""
        features = self.features.pop(key)
        self.lsh.remove(key)
        self._minhashes.pop(key, None)
        self._ids.pop(key, None)
        group = self.group_of.pop(key)
        members = self.members.get(group, [])
        if key in members:
            members.remove(key)
        if not members:
            self.members.pop(group, None)
        self.frequencies.remove(features.morphemes)

    def score(self, a: BarrierFeatures, b: BarrierFeatures) -> float:
        """The pair score with this index's document frequencies."""
        return pair_score(a, b, self.settings, self.frequencies)

    def scores(self, features: BarrierFeatures, keys: list[str]) -> np.ndarray:
        """``score(features, self.features[k])`` for every indexed key in ``keys``, vectorised:
        the weights of all their grams under the current document frequencies in one step."""
        if not keys:
            return np.zeros(0)
        frequencies = self.frequencies
        arrays = [self._ids[k] for k in keys]
        lengths = np.fromiter(map(len, arrays), dtype=np.int64, count=len(arrays))
        grams = np.concatenate(arrays)
        rows = np.repeat(np.arange(len(keys)), lengths)
        squared = frequencies.weights(grams) ** 2
        norms = np.bincount(rows, weights=squared, minlength=len(keys))
        mine = frequencies.ids(features.morphemes)
        if len(self._marks) < len(frequencies.vocabulary):
            self._marks = np.zeros(2 * len(frequencies.vocabulary), dtype=bool)
        self._marks[mine] = True
        shared = np.bincount(rows, weights=squared * self._marks[grams], minlength=len(keys))
        self._marks[mine] = False
        own = frequencies.weights(mine)
        own_norm = float(np.dot(own, own))
        if len(mine) < len(features.morphemes):  # grams no indexed barrier holds count in its norm
            if frequencies.specificity is None:
                own_norm += (len(features.morphemes) - len(mine)) * frequencies.unknown_weight() ** 2
            else:
                known = frequencies.vocabulary
                own_norm += sum(frequencies.unknown_weight(g) ** 2 for g in features.morphemes if g not in known)
        denominator = np.sqrt(norms * own_norm)
        out = np.divide(shared, denominator, out=np.zeros(len(keys)), where=(shared > 0) & (denominator > 0))
        if _statutes_matter(self.settings):
            out += [statute_score(features, self.features[k], self.settings) for k in keys]
        return out

    def candidates(self, features: BarrierFeatures) -> list[tuple[str, float]]:
        """Indexed barriers that LSH proposes, with their pair score, best first."""
        keys = list(self.lsh.query(self.signature(features)))
        scored = list(zip(keys, self.scores(features, keys).tolist(), strict=True))
        return sorted(scored, key=lambda kv: -kv[1])

    def _recent(self, keys: Iterable[str]) -> list[str]:
        return [k for k in keys if k in self.features][-self.settings.max_group_members :]

    def group_score(self, features: BarrierFeatures, keys: Iterable[str]) -> float:
        """Mean pair score of ``features`` over ``keys`` (the most recent ``max_group_members``)."""
        chosen = self._recent(keys)
        if not chosen:
            return 0.0
        return sum(self.scores(features, chosen).tolist()) / len(chosen)

    def best_group(self, features: BarrierFeatures) -> tuple[str | None, float]:
        """The group with the highest mean pair score among the groups LSH candidates belong to,
        if it reaches ``link_threshold`` (else ``(None, best score)``)."""
        scored = self.candidates(features)
        groups = sorted({self.group_of[k] for k, s in scored if s > 0})
        chosen = {g: self._recent(self.members.get(g, ())) for g in groups}
        known = dict(scored)
        missing = list(dict.fromkeys(k for keys in chosen.values() for k in keys if k not in known))
        known.update(zip(missing, self.scores(features, missing).tolist(), strict=True))
        best: tuple[str | None, float] = (None, 0.0)
        for group in groups:
            keys = chosen[group]
            value = sum(known[k] for k in keys) / len(keys) if keys else 0.0
            if value > best[1]:
                best = (group, value)
        if best[0] is not None and best[1] >= self.settings.link_threshold:
            return best
        return None, best[1]

    def link(self, key: str, features: BarrierFeatures) -> tuple[str, float]:
        """Index ``key`` in the best group (or a new group named ``key``); (group, score)."""
        group, score = self.best_group(features)
        if group is None:
            group, score = key, 0.0
        self.insert(key, features, group=group)
        return group, score

    def groups(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for key, group in self.group_of.items():
            out.setdefault(group, []).append(key)
        return out

    # ---- consolidation: average-link merging of neighbouring groups ----------------------------
    def group_pair_scores(self, group: str, others: list[str], vectors: _UnitVectors | None = None) -> list[float]:
        """Mean pair score between the members of ``group`` and of each of ``others`` (the most
        recent ``max_group_members`` of each): average link between candidate recurring regulations."""
        cap = self.settings.max_group_members
        left = self.members.get(group, [])[-cap:]
        rights = [self.members.get(h, [])[-cap:] for h in others]
        values = (vectors or _UnitVectors(self)).mean_scores(left, rights)
        if _statutes_matter(self.settings):
            s, f = self.settings, self.features
            for n, right in enumerate(rights):
                if left and right:
                    extra = sum(statute_score(f[x], f[y], s) for x in left for y in right)
                    values[n] += extra / (len(left) * len(right))
        return values.tolist()

    def group_pair_score(self, a: str, b: str, vectors: _UnitVectors | None = None) -> float:
        """Mean pair score between the members of groups ``a`` and ``b`` (see ``group_pair_scores``)."""
        return self.group_pair_scores(a, [b], vectors)[0]

    def neighbour_groups(self, group: str, near: dict[str, list[str]] | None = None) -> set[str]:
        """Other groups that LSH proposes for any of ``group``'s recent members (no pair scan);
        ``near`` memoises each key's LSH neighbours sharing a word (the index is not changing)."""
        out: set[str] = set()
        for key in self.members.get(group, ())[-self.settings.max_group_members :]:
            others = None if near is None else near.get(key)
            if others is None:
                words = self.features[key].morphemes
                minhash = self._minhashes.get(key) or self.signature(self.features[key])
                others = [
                    k
                    for k in self.lsh.query(minhash)
                    if k != key and k in self.features and not words.isdisjoint(self.features[k].morphemes)
                ]
                if near is not None:
                    near[key] = others
            out.update(g for k in others if (g := self.group_of.get(k)) is not None and g != group)
        return out

    def consolidate(
        self,
        groups: Iterable[str] | None = None,
        *,
        threshold: float | None = None,
        fixed: Container[str] = frozenset(),
        exclude: Container[str] = frozenset(),
    ) -> list[tuple[str, str, float]]:
        """Merge groups that are one rule: repeatedly the pair of neighbouring groups (LSH
        candidates of each other's members) with the highest mean pair score, while it reaches
        ``threshold`` (default ``settings.merge_threshold``). Starts from ``groups`` (default:
        all) and follows every group a merge creates. The older group (first member indexed
        earlier) absorbs the newer one. Two ``fixed`` groups (e.g. recurring regulations the
        database already holds) are never merged with each other, and a fixed group always
        absorbs the other one; ``exclude`` groups take no part at all. Returns the merges in
        order as (absorbed, kept, score): stopping at any higher threshold gives exactly a
        prefix of this list."""
        limit = self.settings.merge_threshold if threshold is None else threshold
        if limit is None:
            return []
        vectors = _UnitVectors(self)  # the frequencies do not change during the pass
        seq = vectors.row  # insertion order
        names = list(self.members)  # groups as integers inside the pass, by name outside
        number = {g: n for n, g in enumerate(names)}
        group_at = np.fromiter((number[self.group_of[k]] for k in self.features), dtype=np.int64, count=len(seq))
        is_fixed = np.array([g in fixed for g in names], dtype=bool)
        is_excluded = np.array([g in exclude for g in names], dtype=bool)
        pending = sorted(set(self.members if groups is None else groups) & set(self.members))
        heap: list[tuple[float, str, str, int, int]] = []
        seen: dict[int, set[int]] = {}  # group -> groups it has been scored against
        version: Counter[str] = Counter()  # bumped when a group grows: its queued scores are stale
        near: dict[int, np.ndarray] = {}  # key row -> rows of its LSH neighbours sharing a word

        def neighbours(g: int) -> np.ndarray:
            found = []
            for key in self.members[names[g]][-self.settings.max_group_members :]:
                row = seq[key]
                if row not in near:
                    near[row] = vectors.sharing_words(row, [seq[k] for k in self._lsh_neighbours(key) if k in seq])
                found.append(near[row])
            out = np.unique(group_at[np.concatenate(found)]) if found else np.zeros(0, dtype=np.int64)
            return out[out != g]

        def push(g: int) -> None:
            if is_excluded[g]:
                return
            others = neighbours(g)
            others = others[~is_excluded[others]]
            if is_fixed[g]:
                others = others[~is_fixed[others]]
            mine = seen.setdefault(g, set())
            fresh = [h for h in others.tolist() if h not in mine]
            for h in fresh:
                mine.add(h)
                seen.setdefault(h, set()).add(g)
            values = self.group_pair_scores(names[g], [names[h] for h in fresh], vectors)
            for h, value in zip(fresh, values, strict=True):
                if value >= limit:
                    a, b = min(names[g], names[h]), max(names[g], names[h])
                    heapq.heappush(heap, (-value, a, b, version[a], version[b]))

        for g in pending:
            push(number[g])
        merges: list[tuple[str, str, float]] = []
        while heap:
            negative, a, b, va, vb = heapq.heappop(heap)
            if a not in self.members or b not in self.members or (va, vb) != (version[a], version[b]):
                continue  # one side was absorbed or has grown since this pair was scored
            if (a in fixed) != (b in fixed):
                keep, drop = (a, b) if a in fixed else (b, a)
            else:
                keep, drop = (a, b) if seq[self.members[a][0]] <= seq[self.members[b][0]] else (b, a)
            moved = self.members.pop(drop)
            for key in moved:
                self.group_of[key] = keep
            group_at[[seq[k] for k in moved]] = number[keep]
            self.members[keep] = sorted(self.members[keep] + moved, key=seq.__getitem__)
            merges.append((drop, keep, -negative))
            version[keep] += 1
            for gone in (number[keep], number[drop]):  # rescore the merged group against its neighbours
                for other in seen.pop(gone, set()):
                    seen.get(other, set()).discard(gone)
            push(number[keep])
        return merges

    def _lsh_neighbours(self, key: str) -> list[str]:
        minhash = self._minhashes.get(key) or self.signature(self.features[key])
        return [k for k in self.lsh.query(minhash) if k != key]

    def regroup(self, group_of: dict[str, str]) -> None:
        """Replace the grouping with ``group_of`` (indexed keys missing from it form groups of
        their own): where groups live elsewhere, e.g. recurring regulations in the database."""
        seq = {key: n for n, key in enumerate(self.features)}
        self.group_of = {key: group_of.get(key, key) for key in self.features}
        self.members = {}
        for key in sorted(self.group_of, key=seq.__getitem__):
            self.members.setdefault(self.group_of[key], []).append(key)

    def link_all(self, items: Iterable[tuple[str, BarrierFeatures]], *, consolidate: bool = True) -> dict[str, str]:
        """Link ``(key, features)`` one by one, then (by default) consolidate the groups they
        touched; returns every key's final group."""
        touched: set[str] = set()
        out: dict[str, str] = {}
        for key, features in items:
            if features.morphemes:
                out[key] = self.link(key, features)[0]
                touched.add(out[key])
            else:  # no words of its own: a group of its own, never indexed (as engine.link does)
                out[key] = key
        if consolidate:
            self.consolidate(touched)
        return {k: self.group_of.get(k, g) for k, g in out.items()}


# ---- clustering metrics -----------------------------------------------------------------
def bcubed(predicted: dict[str, str], truth: dict[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of item → group assignments."""
    return bcubed_of_items(predicted, truth, truth)


def bcubed_of_items(
    predicted: dict[str, str], truth: dict[str, str], items: Iterable[str]
) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 averaged over ``items`` only, their groups counted over
    everything in ``predicted`` and their rules over everything in ``truth`` (held-out texts whose
    groups may hold others)."""
    by_pred: dict[str, set[str]] = {}
    by_true: dict[str, set[str]] = {}
    for item, g in predicted.items():
        by_pred.setdefault(g, set()).add(item)
    for item, rule in truth.items():
        by_true.setdefault(rule, set()).add(item)
    precision = recall = 0.0
    chosen = list(items)
    for item in chosen:
        mine, same = by_pred[predicted[item]], by_true[truth[item]]
        both = len(mine & same)
        precision += both / len(mine)
        recall += both / len(same)
    n = len(chosen) or 1
    p, r = precision / n, recall / n
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def pairwise(predicted: dict[str, str], truth: dict[str, str]) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 over all item pairs."""
    items = sorted(truth)
    tp = fp = fn = 0
    for i, a in enumerate(items):
        for b in items[i + 1 :]:
            same_pred = predicted[a] == predicted[b]
            same_true = truth[a] == truth[b]
            tp += same_pred and same_true
            fp += same_pred and not same_true
            fn += same_true and not same_pred
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)
