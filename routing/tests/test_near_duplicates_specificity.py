"""Term specificity learned from barriers whose rule is known: words shared across many rules
weigh less, words kept within one rule more, and the vectorised scores still equal the one-pair
definitions under it."""

from __future__ import annotations

import pytest

from routing.near_duplicates import (
    BarrierFeatures,
    DocumentFrequencies,
    LinkSettings,
    NearDuplicateIndex,
    learn_specificity,
    text_similarity,
)

# Two labelled rules; 지연 and 스타트업 are the filers' common words, spread over both.
LABELLED = [
    ("원격 진료 초진 지연 스타트업", "R1"),
    ("원격 진료 재진 지연", "R1"),
    ("드론 비행 승인 지연 스타트업", "R2"),
    ("드론 비행 야간 스타트업", "R2"),
]


def _grams(text: str) -> frozenset[str]:
    return BarrierFeatures.from_tokens(text.split()).morphemes


def _learned():  # type: ignore[no-untyped-def]
    return learn_specificity((_grams(text), rule) for text, rule in LABELLED)


def test_words_kept_within_one_rule_weigh_more_than_words_spread_over_rules() -> None:
    specificity = _learned()
    # 원격: 1 pair, same rule; 지연: 3 pairs, 1 same rule; 스타트업: 3 pairs, 1 same rule
    assert specificity.factor("원격") == pytest.approx(((1 + 2 * 0.5) / (1 + 2)) ** 0.5)
    assert specificity.factor("지연") == pytest.approx(((1 + 2 * 0.5) / (3 + 2)) ** 0.5)
    assert specificity.factor("원격") > specificity.unseen > specificity.factor("지연")
    assert "초진" not in specificity.factors  # held by one labelled text: the prior
    assert specificity.factor("처음보는말") == pytest.approx(0.5**0.5)


def test_a_shared_common_word_counts_for_less_than_a_shared_rule_word() -> None:
    plain, learned = DocumentFrequencies(), DocumentFrequencies(_learned())
    for frequencies in (plain, learned):
        for text, _rule in LABELLED:
            frequencies.add(_grams(text))
    rule_word = (_grams("원격 허가 서류"), _grams("원격 심사 기간"))
    common_word = (_grams("지연 허가 서류"), _grams("지연 심사 기간"))
    plain_ratio = text_similarity(*common_word, plain) / text_similarity(*rule_word, plain)
    learned_ratio = text_similarity(*common_word, learned) / text_similarity(*rule_word, learned)
    assert learned_ratio < 0.8 * plain_ratio


def test_vectorised_scores_equal_pair_scores_under_a_specificity() -> None:
    index = NearDuplicateIndex(settings=LinkSettings(link_threshold=0.01), frequencies=DocumentFrequencies(_learned()))
    for n, (text, _rule) in enumerate(LABELLED):
        index.insert(f"k{n}", BarrierFeatures.from_tokens(text.split()))
    query = BarrierFeatures.from_tokens(["원격", "진료", "지연", "새말", "스타트업"])  # 새말: in no indexed text
    keys = list(index.features)
    got = index.scores(query, keys).tolist()
    want = [index.score(query, index.features[k]) for k in keys]
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12)
    assert all(value > 0 for value in want)
    assert index.group_pair_score("k0", "k1") == pytest.approx(index.score(index.features["k0"], index.features["k1"]))


def test_without_a_specificity_weights_are_plain_idf() -> None:
    frequencies = DocumentFrequencies()
    frequencies.add(_grams("원격 진료"))
    frequencies.add(_grams("드론 원격"))
    grams = ["원격", "진료", "원격_진료", "드론"]
    got = frequencies.weights(frequencies.ids(grams)).tolist()
    assert got == pytest.approx([frequencies.idf(g) for g in grams])
    assert frequencies.idf("원격") < frequencies.idf("진료")
    assert frequencies.factor("원격") == 1.0
