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
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Container, Iterable
from dataclasses import dataclass, field

from datasketch import MinHash, MinHashLSH


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
    # bench/routing_cluster.py (per fold (0.1, 0.03), (0.08, 0.04), (0.15, 0.04), (0.1, 0.04),
    # (0.1, 0.03)); linking alone, without consolidation, did best at 0.04–0.05.
    link_threshold: float = 0.1
    max_group_members: int = 30  # the most recent members a group score averages over (cost stays flat)
    # Consolidation (``NearDuplicateIndex.consolidate``): two groups whose members' mean pair score
    # reaches this are one rule. Linking one by one leaves paraphrases in separate groups when
    # the first texts of a rule happen to share few words; average-link merging of the groups
    # LSH puts side by side recovers many of them (bench/routing_cluster.py, grouped 5-fold CV:
    # B-cubed P/R/F1 0.690/0.583/0.632 linking alone → 0.670/0.698/0.684). None switches it off.
    merge_threshold: float | None = 0.03


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


class DocumentFrequencies:
    """How many indexed barriers contain each morpheme gram (inverse document frequency).

    Squared weights and the weight sums of gram sets are memoised until the next ``add`` or
    ``remove``: linking one text scores it against ~100 candidates and their groups' members,
    and recomputing every gram's weight for every pair made linking a long petition cost more
    than routing it."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.documents = 0
        self._squared: dict[str, float] = {}
        self._sums: dict[frozenset[str], float] = {}

    def add(self, grams: Iterable[str]) -> None:
        self.counts.update(grams)
        self.documents += 1
        self._forget()

    def remove(self, grams: Iterable[str]) -> None:
        self.counts.subtract(grams)
        self.documents = max(0, self.documents - 1)
        self._forget()

    def _forget(self) -> None:
        self._squared.clear()
        self._sums.clear()

    def idf(self, gram: str) -> float:
        return math.log((self.documents + 1) / (max(self.counts.get(gram, 0), 0) + 1)) + 1.0

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


class _PairScores:
    """Pair scores under frozen document frequencies, memoised (one consolidation pass)."""

    def __init__(self, index: NearDuplicateIndex) -> None:
        self.index = index
        self.weights: dict[str, float] = {}
        self.norms: dict[str, float] = {}
        self.pairs: dict[tuple[str, str], float] = {}

    def _weight(self, gram: str) -> float:
        value = self.weights.get(gram)
        if value is None:
            value = self.weights[gram] = self.index.frequencies.idf(gram) ** 2
        return value

    def _norm(self, key: str) -> float:
        value = self.norms.get(key)
        if value is None:
            value = self.norms[key] = math.sqrt(sum(self._weight(g) for g in self.index.features[key].morphemes))
        return value

    def __call__(self, x: str, y: str) -> float:
        pair = (x, y) if x < y else (y, x)
        value = self.pairs.get(pair)
        if value is None:
            a, b = self.index.features[x], self.index.features[y]
            shared = a.morphemes & b.morphemes
            norm = self._norm(x) * self._norm(y)
            text = sum(self._weight(g) for g in shared) / norm if shared and norm else 0.0
            value = self.pairs[pair] = text + statute_score(a, b, self.index.settings)
        return value


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

    def signature(self, features: BarrierFeatures) -> MinHash:
        shingles = set(features.morphemes)
        for law in features.statutes:
            shingles.update(f"§s{law}#{i}" for i in range(self.settings.statute_copies))
        for article in features.articles:
            shingles.update(f"§a{article}#{i}" for i in range(self.settings.article_copies))
        minhash = MinHash(num_perm=self.settings.num_perm, seed=1)
        minhash.update_batch([s.encode("utf-8") for s in shingles])
        return minhash

    def insert(self, key: str, features: BarrierFeatures, *, group: str | None = None) -> None:
        if key in self.features:
            raise ValueError(f"{key!r} is already indexed")
        self.lsh.insert(key, self.signature(features))
        self.features[key] = features
        self.group_of[key] = group or key
        self.members.setdefault(group or key, []).append(key)
        self.frequencies.add(features.morphemes)

    def remove(self, key: str) -> None:
        """Forget ``key`` (a re-routed barrier is indexed again with its new features)."""
        features = self.features.pop(key)
        self.lsh.remove(key)
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

    def candidates(self, features: BarrierFeatures) -> list[tuple[str, float]]:
        """Indexed barriers that LSH proposes, with their pair score, best first."""
        keys = self.lsh.query(self.signature(features))
        scored = [(k, self.score(features, self.features[k])) for k in keys]
        return sorted(scored, key=lambda kv: -kv[1])

    def group_score(self, features: BarrierFeatures, keys: Iterable[str]) -> float:
        """Mean pair score of ``features`` over ``keys`` (the most recent ``max_group_members``)."""
        chosen = [k for k in keys if k in self.features][-self.settings.max_group_members :]
        if not chosen:
            return 0.0
        return sum(self.score(features, self.features[k]) for k in chosen) / len(chosen)

    def best_group(self, features: BarrierFeatures) -> tuple[str | None, float]:
        """The group with the highest mean pair score among the groups LSH candidates belong to,
        if it reaches ``link_threshold`` (else ``(None, best score)``)."""
        groups = {self.group_of[k] for k, s in self.candidates(features) if s > 0}
        best: tuple[str | None, float] = (None, 0.0)
        for group in sorted(groups):
            value = self.group_score(features, self.members.get(group, ()))
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
    def group_pair_score(self, a: str, b: str, scores: _PairScores | None = None) -> float:
        """Mean pair score between the members of groups ``a`` and ``b`` (the most recent
        ``max_group_members`` of each): average link between two candidate recurring regulations."""
        cap = self.settings.max_group_members
        left = self.members.get(a, [])[-cap:]
        right = self.members.get(b, [])[-cap:]
        if not left or not right:
            return 0.0
        score = scores or _PairScores(self)
        return sum(score(x, y) for x in left for y in right) / (len(left) * len(right))

    def neighbour_groups(self, group: str, near: dict[str, list[str]] | None = None) -> set[str]:
        """Other groups that LSH proposes for any of ``group``'s recent members (no pair scan);
        ``near`` memoises each key's LSH neighbours sharing a word (the index is not changing)."""
        out: set[str] = set()
        for key in self.members.get(group, ())[-self.settings.max_group_members :]:
            others = None if near is None else near.get(key)
            if others is None:
                words = self.features[key].morphemes
                found = self.lsh.query(self.signature(self.features[key]))
                others = [
                    k
                    for k in found
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
        seq = {key: n for n, key in enumerate(self.features)}  # insertion order
        pending = sorted(set(self.members if groups is None else groups) & set(self.members))
        heap: list[tuple[float, str, str, int, int]] = []
        seen: set[tuple[str, str]] = set()
        version: Counter[str] = Counter()  # bumped when a group grows: its queued scores are stale
        scores = _PairScores(self)
        near: dict[str, list[str]] = {}

        def push(g: str) -> None:
            for h in self.neighbour_groups(g, near):
                pair = (min(g, h), max(g, h))
                if pair in seen or (g in fixed and h in fixed) or g in exclude or h in exclude:
                    continue
                seen.add(pair)
                value = self.group_pair_score(g, h, scores)
                if value >= limit:
                    heapq.heappush(heap, (-value, pair[0], pair[1], version[pair[0]], version[pair[1]]))

        for g in pending:
            push(g)
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
            self.members[keep] = sorted(self.members[keep] + moved, key=seq.__getitem__)
            merges.append((drop, keep, -negative))
            version[keep] += 1
            seen = {p for p in seen if keep not in p and drop not in p}  # rescore the merged group
            push(keep)
        return merges

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
    by_pred: dict[str, set[str]] = {}
    by_true: dict[str, set[str]] = {}
    for item, g in predicted.items():
        by_pred.setdefault(g, set()).add(item)
    for item, g in truth.items():
        by_true.setdefault(g, set()).add(item)
    precision = recall = 0.0
    for item in truth:
        pred_group = by_pred[predicted[item]]
        true_group = by_true[truth[item]]
        both = len(pred_group & true_group)
        precision += both / len(pred_group)
        recall += both / len(true_group)
    n = len(truth) or 1
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
