"""Linking learned from barriers whose rule is known (``near_duplicates.learn_linking``): the term
specificity plus the link/merge thresholds chosen with it on held-out rules, and the engine using
what a router learned for route_batch and the workflow's index alike."""

from __future__ import annotations

import copy

import pytest

from routing import engine
from routing.near_duplicates import (
    LINK_GRID,
    MERGE_GRID,
    BarrierFeatures,
    LearnedLinking,
    LinkSettings,
    NearDuplicateIndex,
    bcubed_of_items,
    learn_linking,
    learn_specificity,
)
from routing.tests.workflow_fixtures import *  # noqa: F403

# Six rules, three paraphrases each, arriving interleaved; 지연, 스타트업, 규제 and 사업 are the
# filers' common words, spread over every rule.
RULES = {
    "R1": ["원격 진료 초진 금지 지연", "비대면 진료 초진 환자 스타트업", "원격 의료 초진 허용 규제"],
    "R2": ["드론 야간 비행 승인 지연", "드론 비행 승인 절차 스타트업", "무인 비행 장치 야간 승인 사업"],
    "R3": ["선불 충전 한도 결제 지연", "간편 결제 선불 한도 스타트업", "충전 한도 선불 전자 금융 규제"],
    "R4": ["가명 정보 결합 절차 지연", "가명 정보 결합 전문 기관 스타트업", "데이터 결합 가명 처리 사업"],
    "R5": ["로봇 보도 주행 금지 규제", "배달 로봇 보도 통행 스타트업", "실외 로봇 보도 운행 지연"],
    "R6": ["토큰 증권 발행 근거 사업", "토큰 증권 유통 플랫폼 규제", "증권 토큰 발행 허용 지연"],
}
LABELLED = [(texts[k].split(), rule) for k in range(3) for rule, texts in RULES.items()]


def test_thresholds_come_from_the_grids_and_the_specificity_from_every_labelled_text() -> None:
    learned = learn_linking(LABELLED)
    assert learned.settings.link_threshold in LINK_GRID
    assert learned.settings.merge_threshold in MERGE_GRID
    assert learned.trained_on == len(LABELLED)
    everything = learn_specificity((BarrierFeatures.from_tokens(t).morphemes, r) for t, r in LABELLED)
    assert learned.specificity == everything
    assert learned.specificity.factor("초진") > learned.specificity.factor("스타트업")


def test_the_chosen_thresholds_link_held_out_rules_better_than_the_worst_of_the_grid() -> None:
    """The choice is made on held-out halves of the rules, so it must not be the grid's worst on them."""
    learned = learn_linking(LABELLED)
    keys = [f"k{n}" for n in range(len(LABELLED))]
    truth = dict(zip(keys, (rule for _t, rule in LABELLED), strict=True))
    features = [BarrierFeatures.from_tokens(t) for t, _r in LABELLED]

    def f1(settings: LinkSettings) -> float:
        index = learned.index()
        index.settings = settings
        linked = index.link_all(zip(keys, features, strict=True))
        return bcubed_of_items(linked, truth, keys)[2]

    chosen = f1(learned.settings)
    others = [f1(LinkSettings(link_threshold=t, merge_threshold=m)) for t in LINK_GRID for m in MERGE_GRID]
    assert chosen > min(others)
    assert chosen >= 0.8


def test_with_too_few_rules_the_given_thresholds_are_kept() -> None:
    base = LinkSettings(link_threshold=0.2, merge_threshold=0.05)
    learned = learn_linking(LABELLED[:6][:2] + LABELLED[:6][2:3], base=base)
    assert (learned.settings.link_threshold, learned.settings.merge_threshold) == (0.2, 0.05)
    assert learned.settings is not base


def test_each_index_gets_its_own_settings_and_the_learned_specificity() -> None:
    learned = learn_linking(LABELLED)
    first, second = learned.index(), learned.index()
    assert first.frequencies.specificity is learned.specificity
    first.settings.link_threshold = 0.99
    assert second.settings.link_threshold == learned.settings.link_threshold != 0.99


def test_bcubed_of_items_counts_the_groups_of_every_item_but_averages_over_the_chosen_ones() -> None:
    predicted = {"a": "g", "b": "g", "c": "h"}
    truth = {"a": "x", "b": "y", "c": "y"}
    assert bcubed_of_items(predicted, truth, ["a"]) == pytest.approx((0.5, 1.0, 2 / 3))
    assert bcubed_of_items(predicted, truth, ["c"]) == pytest.approx((1.0, 0.5, 2 / 3))


def test_training_a_router_learns_its_linking(small_router) -> None:
    learned = engine.linking_of(small_router)
    assert isinstance(learned, LearnedLinking)
    assert engine.new_index(small_router).settings == learned.settings


def test_a_router_without_learned_linking_links_as_before(small_router) -> None:
    router = copy.copy(small_router)
    router.link_specificity = None  # a model trained before routers learned their linking
    assert engine.linking_of(router) is None
    index = engine.new_index(router)
    assert index.settings == LinkSettings() and index.frequencies.specificity is None


@pytest.mark.django_db
def test_route_batch_and_the_workflow_index_link_as_the_router_learned(small_router) -> None:
    router = copy.copy(small_router)
    router.link_specificity = learn_linking(LABELLED)
    learned = engine.linking_of(router)
    assert isinstance(learned, LearnedLinking)
    index = engine.new_index(router)
    assert isinstance(index, NearDuplicateIndex)
    assert index.settings == learned.settings and index.frequencies.specificity is learned.specificity
    engine.use_router(router)
    try:
        workflow = engine.signature_index().index
        assert workflow.frequencies.specificity is learned.specificity
        assert engine.link_threshold() == learned.settings.link_threshold
    finally:
        engine.use_router(None)
        engine.forget_signature_index()
    assert engine.link_threshold() == LinkSettings().link_threshold


def test_route_batch_links_with_the_thresholds_the_router_learned(small_router, tmp_path) -> None:
    """The same paraphrases share a group under the default linking and stay apart under a router
    whose learned link threshold no pair can reach: route_batch reads it from the model file."""
    import json

    from django.core.management import call_command

    from routing.classifier import save_router
    from routing.tests.workflow_fixtures import MEDICAL, MEDICAL_2

    source = tmp_path / "in.jsonl"
    source.write_text(
        "".join(
            json.dumps({"id": k, "text": t}, ensure_ascii=False) + "\n" for k, t in (("m1", MEDICAL), ("m2", MEDICAL_2))
        )
    )
    strict = copy.copy(small_router)
    unreachable = LinkSettings(link_threshold=10.0, merge_threshold=None)
    strict.link_specificity = LearnedLinking(learn_specificity([]), unreachable)
    default = copy.copy(small_router)
    default.link_specificity = None
    groups = {}
    for name, router in (("default", default), ("strict", strict)):
        save_router(router, tmp_path / f"{name}.joblib")
        call_command(
            "route_batch", str(source), str(tmp_path / f"{name}.out"), model=tmp_path / f"{name}.joblib", no_db=True
        )
        rows = [json.loads(line) for line in (tmp_path / f"{name}.out").read_text(encoding="utf-8").splitlines()]
        groups[name] = {r["id"]: r["group"] for r in rows}
    assert groups["default"]["m1"] == groups["default"]["m2"]
    assert groups["strict"]["m1"] != groups["strict"]["m2"]
