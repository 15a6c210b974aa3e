"""The vectorised pair and group scores agree with the one-pair definitions (``pair_score`` with
the index's document frequencies), however the frequencies have moved since a barrier was indexed."""

from __future__ import annotations

import math

import pytest

from routing.near_duplicates import BarrierFeatures, DocumentFrequencies, LinkSettings, NearDuplicateIndex

TEXTS = {
    "a": "비대면 진료 원격 의료 환자 초진 허용 플랫폼 의사",
    "b": "원격 진료 초진 환자 허용 의료 플랫폼 규제",
    "c": "드론 비행 승인 공역 촬영 허가 항공 규제",
    "d": "드론 야간 비행 승인 절차 공역 제한",
    "e": "스톡옵션 세금 인재 채용 스타트업 규제",
    "f": "스톡옵션 과세 시점 행사 인재 유치",
    "g": "로봇 배달 보도 통행 자율주행 규제 허용",
}
STATUTES = {"a": ({"L1"}, {"L1 제34조"}), "b": ({"L1"}, {"L1 제50조"}), "g": ({"L2"}, {"L2 제2조"})}
WITH_STATUTES = LinkSettings(statute_weight=0.2, article_weight=0.3, conflict_penalty=0.3)


def _f(key: str) -> BarrierFeatures:
    laws, articles = STATUTES.get(key, (set(), set()))
    return BarrierFeatures.from_tokens(TEXTS[key].split(), statutes=laws, articles=articles)


@pytest.mark.parametrize("settings", [LinkSettings(), WITH_STATUTES])
def test_scores_of_many_keys_equal_the_pair_scores(settings: LinkSettings) -> None:
    index = NearDuplicateIndex(settings=settings)
    for key in "abcdef":
        index.insert(key, _f(key))  # every insert moves every weight after it
    query = _f("g") if settings is WITH_STATUTES else BarrierFeatures.from_tokens(["원격", "진료", "스톡옵션", "새말"])
    keys = list("abcdef")
    got = index.scores(query, keys).tolist()
    want = [index.score(query, index.features[k]) for k in keys]
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12)
    assert any(value > 0 for value in want) and any(value == 0 for value in want)  # both kinds are checked


def test_candidates_and_group_score_follow_the_current_frequencies() -> None:
    index = NearDuplicateIndex(settings=LinkSettings(link_threshold=0.01))
    index.insert("a", _f("a"))
    before = dict(index.candidates(_f("b")))["a"]
    for key in "cdef":
        index.insert(key, _f(key), group="other")
    after = dict(index.candidates(_f("b")))["a"]
    assert after != before
    assert after == pytest.approx(index.score(_f("b"), _f("a")), rel=1e-12)
    assert index.group_score(_f("b"), ["a", "missing"]) == pytest.approx(after, rel=1e-12)


@pytest.mark.parametrize("fillers", [0, 60])  # few rows read (gathered) or most (one product)
@pytest.mark.parametrize("settings", [LinkSettings(), WITH_STATUTES])
def test_group_pair_scores_are_mean_pair_scores(settings: LinkSettings, fillers: int) -> None:
    index = NearDuplicateIndex(settings=settings)
    for n in range(fillers):
        index.insert(f"x{n}", BarrierFeatures.from_tokens([f"업종{n}", f"지역{n}", "규제", f"품목{n}"]), group=f"X{n}")
    for key, group in zip("abcdefg", ["A", "A", "C", "C", "E", "E", "A"], strict=True):
        index.insert(key, _f(key), group=group)
    pairs = {("A", "C"), ("A", "E"), ("C", "E")}
    for left, right in sorted(pairs):
        want = [
            index.score(index.features[x], index.features[y]) for x in index.members[left] for y in index.members[right]
        ]
        assert index.group_pair_score(left, right) == pytest.approx(sum(want) / len(want), rel=1e-9, abs=1e-12)
    assert index.group_pair_scores("A", ["C", "E"]) == pytest.approx(
        [index.group_pair_score("A", "C"), index.group_pair_score("A", "E")], rel=1e-12
    )


def test_removed_barriers_leave_the_scores_as_if_never_indexed() -> None:
    kept = NearDuplicateIndex()
    churned = NearDuplicateIndex()
    for key in "abc":
        kept.insert(key, _f(key))
        churned.insert(key, _f(key))
    churned.insert("d", _f("d"))
    churned.remove("d")
    query = _f("d")
    assert churned.scores(query, list("abc")).tolist() == pytest.approx(kept.scores(query, list("abc")).tolist())
    assert churned.frequencies.count("야간") == 0 and churned.frequencies.documents == 3


def test_vectorised_weights_are_the_idf() -> None:
    frequencies = DocumentFrequencies()
    ids = frequencies.add(["규제", "드론"])
    frequencies.add(["규제"])
    assert frequencies.weights(ids).tolist() == pytest.approx([frequencies.idf("규제"), frequencies.idf("드론")])
    assert frequencies.unknown_weight() == pytest.approx(math.log(3) + 1.0) == frequencies.idf("처음보는말")
    assert frequencies.ids(["처음보는말", "드론"]).tolist() == [frequencies.vocabulary["드론"]]


def test_consolidation_merges_only_what_the_pair_scores_support() -> None:
    index = NearDuplicateIndex(settings=LinkSettings(link_threshold=10.0, merge_threshold=0.2))
    for key in "abcdef":
        index.link(key, _f(key))  # a link threshold nobody reaches: every text alone
    merges = index.consolidate()
    merged = {frozenset((drop, keep)) for drop, keep, _score in merges}
    for drop, keep, value in merges:
        assert value >= 0.2
    # paraphrase pairs share rare words; the three rules stay apart
    assert merged <= {frozenset("ab"), frozenset("cd"), frozenset("ef")}
    assert {index.group_of["a"], index.group_of["c"], index.group_of["e"]} == {"a", "c", "e"}
    assert len(merges) >= 2
