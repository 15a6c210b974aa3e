"""Linking a new barrier to the recurring regulation it is about, without comparing every pair.

Two barriers about the same rule are written by different filers with different words, and
two barriers with many shared words can concern different rules (financial-sector 망분리 vs
public-sector 망분리). So a link needs both:

- **candidates** from MinHash LSH (datasketch) over a *signature* set: content-morpheme
  unigrams and bigrams, plus the statutes and articles the router found, each repeated
  ``statute_copies`` / ``article_copies`` times so that sharing 의료법 제34조 weighs like sharing
  several words. LSH returns only items whose estimated Jaccard passes ``lsh_threshold``, so
  insert and query cost stay flat as the index grows;
- a **pair score** on the candidates: weighted Jaccard of morphemes (exact, from the stored
  sets), agreement on statutes, agreement on articles, and a penalty when both name articles of
  the same law and those articles differ (the near-miss case).

``link`` attaches a barrier to the group of its best candidate when the pair score reaches
``link_threshold``, else starts a new group (a candidate recurring regulation).
"""

from __future__ import annotations

from collections.abc import Iterable
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
    morpheme_weight: float = 1.0
    statute_weight: float = 0.25
    article_weight: float = 0.45
    conflict_penalty: float = 0.3
    link_threshold: float = 0.13  # chosen on barriers-dev (B-cubed F1); see bench/routing_lsh.py


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


def pair_score(a: BarrierFeatures, b: BarrierFeatures, settings: LinkSettings | None = None) -> float:
    """How likely two barriers concern the same rule (0 … ~1.7; compare with ``link_threshold``)."""
    s = settings or LinkSettings()
    score = s.morpheme_weight * jaccard(a.morphemes, b.morphemes)
    if a.statutes and b.statutes:
        score += s.statute_weight * jaccard(a.statutes, b.statutes)
    if a.articles and b.articles:
        shared = a.articles & b.articles
        if shared:
            score += s.article_weight * (len(shared) / min(len(a.articles), len(b.articles)))
        elif {x.split(" ")[0] for x in a.articles} & {x.split(" ")[0] for x in b.articles}:
            score -= s.conflict_penalty  # same law, different articles: likely a different rule
    return score


@dataclass
class NearDuplicateIndex:
    """MinHash LSH over barrier signatures, with groups (candidate recurring regulations)."""

    settings: LinkSettings = field(default_factory=LinkSettings)
    lsh: MinHashLSH = field(init=False)
    features: dict[str, BarrierFeatures] = field(default_factory=dict)
    group_of: dict[str, str] = field(default_factory=dict)

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

    def candidates(self, features: BarrierFeatures) -> list[tuple[str, float]]:
        """Indexed barriers that LSH proposes, with their pair score, best first."""
        keys = self.lsh.query(self.signature(features))
        scored = [(k, pair_score(features, self.features[k], self.settings)) for k in keys]
        return sorted(scored, key=lambda kv: -kv[1])

    def link(self, key: str, features: BarrierFeatures) -> tuple[str, float]:
        """Index ``key`` in the group of its best candidate (or a new group); (group, score)."""
        best = self.candidates(features)
        if best and best[0][1] >= self.settings.link_threshold:
            group, score = self.group_of[best[0][0]], best[0][1]
        else:
            group, score = key, 0.0
        self.insert(key, features, group=group)
        return group, score

    def groups(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for key, group in self.group_of.items():
            out.setdefault(group, []).append(key)
        return out


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
