"""Consolidation: average-link merging of the groups one-by-one linking left apart."""

from __future__ import annotations

from routing.near_duplicates import BarrierFeatures, LinkSettings, NearDuplicateIndex


def _f(words: str) -> BarrierFeatures:
    return BarrierFeatures.from_tokens(words.split())


DRONE_1 = "드론 야간 비행 승인 공역 제한 촬영"
DRONE_2 = "드론 야간 비행 승인 기간 지연 납품"
DRONE_3 = "야간 드론 비행 승인 서류 반려"
TAX = "스톡옵션 행사 이익 과세 비과세 한도"


def _strict() -> NearDuplicateIndex:
    """Linking on arrival never succeeds: every text starts its own group."""
    return NearDuplicateIndex(settings=LinkSettings(link_threshold=10.0, merge_threshold=0.05))


def _filled(index: NearDuplicateIndex) -> NearDuplicateIndex:
    for key, text in (("d1", DRONE_1), ("t1", TAX), ("d2", DRONE_2), ("d3", DRONE_3)):
        index.link(key, _f(text))
    return index


def test_paraphrases_left_apart_on_arrival_are_merged_into_the_oldest_group():
    index = _filled(_strict())
    assert len(index.members) == 4
    merges = index.consolidate()
    assert {drop for drop, _keep, _score in merges} == {"d2", "d3"}
    assert index.group_of == {"d1": "d1", "d2": "d1", "d3": "d1", "t1": "t1"}
    assert index.members["d1"] == ["d1", "d2", "d3"]  # oldest first, as linking keeps them
    assert all(score >= 0.05 for _d, _k, score in merges)


def test_a_new_arrival_links_to_the_consolidated_group():
    index = _filled(_strict())
    index.consolidate()
    index.settings.link_threshold = 0.05
    assert index.link("d4", _f("드론 야간 비행 승인 절차"))[0] == "d1"


def test_unrelated_groups_stay_apart_and_switched_off_merges_nothing():
    index = _filled(NearDuplicateIndex(settings=LinkSettings(link_threshold=10.0, merge_threshold=None)))
    assert index.consolidate() == []
    assert len(index.members) == 4
    index = _filled(_strict())
    index.consolidate(threshold=0.99)
    assert len(index.members) == 4


def test_a_higher_threshold_stops_at_a_prefix_of_the_same_merges():
    low = _filled(_strict()).consolidate(threshold=0.01)
    high_threshold = low[0][2] - 1e-9
    high = _filled(_strict()).consolidate(threshold=high_threshold)
    assert high == [m for m in low if m[2] >= high_threshold][: len(high)]
    assert high == low[: len(high)]


def test_consolidating_only_some_groups_still_reaches_their_neighbours():
    index = _filled(_strict())
    merges = index.consolidate(["d3"])
    assert index.group_of["d3"] == index.group_of["d1"] == index.group_of["d2"] == "d1"
    assert merges


def test_link_all_links_then_consolidates_and_keeps_wordless_texts_alone():
    index = _strict()
    got = index.link_all([("d1", _f(DRONE_1)), ("e", _f("")), ("d2", _f(DRONE_2)), ("t1", _f(TAX))])
    assert got == {"d1": "d1", "e": "e", "d2": "d1", "t1": "t1"}
    assert "e" not in index.features


def test_fixed_groups_are_never_merged_together_and_absorb_the_others():
    index = _strict()
    index.link("d1", _f(DRONE_1))
    index.link("d2", _f(DRONE_2))
    index.link("d3", _f(DRONE_3))
    merges = index.consolidate(fixed={"d1", "d3"})
    assert index.group_of["d1"] != index.group_of["d3"]
    assert index.group_of["d2"] in {"d1", "d3"} and merges[0][0] == "d2"
