from __future__ import annotations

from routing.near_duplicates import (
    BarrierFeatures,
    DocumentFrequencies,
    LinkSettings,
    NearDuplicateIndex,
    bcubed,
    pair_score,
    pairwise,
    text_similarity,
)


def _f(words, statutes=(), articles=()):
    return BarrierFeatures.from_tokens(words.split(), statutes=statutes, articles=articles)


TELEMED = "비대면 진료 원격 의료 환자 초진 허용 플랫폼 의사"


def test_from_tokens_adds_bigrams_and_drops_single_characters():
    features = _f("원격 의료 막 히")
    assert features.morphemes == frozenset({"원격", "의료", "원격_의료"})


def test_identical_texts_link_to_the_same_group():
    index = NearDuplicateIndex()
    index.link("a", _f(TELEMED))
    assert index.link("b", _f(TELEMED))[0] == "a"


def test_unrelated_text_starts_a_new_group():
    index = NearDuplicateIndex()
    index.link("a", _f(TELEMED))
    assert index.link("b", _f("드론 비행 승인 공역 촬영 허가 항공"))[0] == "b"


WITH_STATUTES = LinkSettings(statute_weight=0.2, article_weight=0.3, conflict_penalty=0.3)


def test_shared_article_raises_the_pair_score_when_weighted():
    a = _f("배달 로봇 보도 통행", statutes={"L1"}, articles={"L1 제2조"})
    b = _f("로봇 배송 인도 주행", statutes={"L1"}, articles={"L1 제2조"})
    plain = pair_score(_f("배달 로봇 보도 통행"), _f("로봇 배송 인도 주행"), WITH_STATUTES)
    assert pair_score(a, b, WITH_STATUTES) > plain
    assert pair_score(a, b) == plain  # by default statutes only steer the LSH candidates


def test_same_law_different_articles_is_penalised_when_weighted():
    a = _f(TELEMED, statutes={"L1"}, articles={"L1 제34조"})
    b = _f(TELEMED, statutes={"L1"}, articles={"L1 제50조"})
    assert pair_score(a, b, WITH_STATUTES) < pair_score(_f(TELEMED), _f(TELEMED), WITH_STATUTES)


def test_a_shared_rare_word_counts_more_than_a_shared_common_word():
    frequencies = DocumentFrequencies()
    for n in range(5):
        frequencies.add({"규제", f"업종{n}"})
    frequencies.add({"스톡옵션"})
    common = text_similarity(frozenset({"규제", "세금"}), frozenset({"규제", "인재"}), frequencies)
    rare = text_similarity(frozenset({"스톡옵션", "세금"}), frozenset({"스톡옵션", "인재"}), frequencies)
    assert rare > common > 0
    assert text_similarity(frozenset({"규제"}), frozenset({"세금"}), frequencies) == 0.0


def test_a_text_joins_the_group_it_fits_on_average_not_one_lucky_member():
    index = NearDuplicateIndex(settings=LinkSettings(link_threshold=0.01))
    index.insert("a1", _f("드론 비행 승인 공역 촬영 허가"), group="A")
    index.insert("a2", _f("은행 대출 금리 담보 심사"), group="A")
    index.insert("a3", _f("의료 기기 변경 허가 소프트웨어"), group="A")
    index.insert("b1", _f("드론 비행 야간 승인 절차"), group="B")
    index.insert("b2", _f("드론 비행 공역 야간 제한"), group="B")
    group, score = index.link("new", _f("드론 비행 승인 공역 촬영 야간"))
    assert group == "B" and score > 0


def test_removing_a_barrier_forgets_its_words_and_membership():
    index = NearDuplicateIndex()
    index.link("a", _f(TELEMED))
    index.link("b", _f(TELEMED))
    index.remove("b")
    assert index.frequencies.documents == 1 and index.members["a"] == ["a"]
    assert index.link("c", _f(TELEMED))[0] == "a"


def test_paraphrase_sharing_statute_and_article_is_linked():
    index = NearDuplicateIndex()
    index.link("a", _f("비대면 진료 초진 허용 환자 불편", statutes={"L1"}, articles={"L1 제34조의2"}))
    group, _ = index.link("b", _f("원격 진료 처음 환자 불가 플랫폼", statutes={"L1"}, articles={"L1 제34조의2"}))
    assert group == "a"


def test_inserting_the_same_key_twice_is_refused():
    index = NearDuplicateIndex()
    index.insert("a", _f(TELEMED))
    try:
        index.insert("a", _f(TELEMED))
    except ValueError:
        return
    raise AssertionError("duplicate key accepted")


def test_empty_features_start_their_own_group():
    index = NearDuplicateIndex()
    index.link("a", _f(""))
    assert index.link("b", _f(""))[0] == "b"


def test_bcubed_perfect_clustering_is_one():
    truth = {"a": "x", "b": "x", "c": "y"}
    assert bcubed({"a": "1", "b": "1", "c": "2"}, truth) == (1.0, 1.0, 1.0)


def test_bcubed_all_singletons_has_full_precision_partial_recall():
    p, r, _ = bcubed({"a": "1", "b": "2", "c": "3"}, {"a": "x", "b": "x", "c": "y"})
    assert p == 1.0 and r < 1.0


def test_pairwise_counts_pairs():
    p, r, f = pairwise({"a": "1", "b": "1", "c": "1"}, {"a": "x", "b": "x", "c": "y"})
    assert (round(p, 3), r) == (0.333, 1.0)


def test_remembered_weights_follow_every_new_document():
    frequencies = DocumentFrequencies()
    frequencies.add({"스톡옵션", "세금"})
    words = frozenset({"스톡옵션", "세금"})
    before = frequencies.squared_sum(words)
    frequencies.add({"스톡옵션"})  # every weight moves: 스톡옵션 is commoner, 세금 rarer
    after = frequencies.squared_sum(words)
    assert after != before
    assert after == sum(frequencies.idf(g) ** 2 for g in words)
