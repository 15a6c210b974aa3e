"""The router on a handful of hand-written barriers (no corpus retriever; kiwipiepy loads once)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from routing.classifier import (
    SECTORS,
    AgencyNames,
    LabelledBarrier,
    Router,
    load_labelled,
    load_router,
    normalize_sector,
    save_router,
)

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"

TRAIN = [
    LabelledBarrier(
        "1", "비대면 진료", "원격진료가 막혀 있어서 환자를 못 봅니다", "biohealth", ("보건복지부",), ("의료법",)
    ),
    LabelledBarrier(
        "2", "원격의료", "의사와 환자 간 원격의료 허용 범위가 좁습니다", "biohealth", ("보건복지부",), ("의료법",)
    ),
    LabelledBarrier(
        "3", "병원 진료", "초진 환자 비대면 진료 금지로 플랫폼 운영 불가", "biohealth", ("보건복지부",), ("의료법",)
    ),
    LabelledBarrier(
        "4",
        "결제",
        "선불 충전금 한도 때문에 간편결제 서비스 확장이 어렵습니다",
        "fintech",
        ("금융위원회",),
        ("전자금융거래법",),
    ),
    LabelledBarrier(
        "5",
        "송금",
        "전자금융업 등록 요건이 과도해 송금 서비스 출시 지연",
        "fintech",
        ("금융위원회",),
        ("전자금융거래법",),
    ),
    LabelledBarrier(
        "6",
        "결제 대행",
        "PG 결제대행 자본금 요건과 전자금융 감독 부담",
        "fintech",
        ("금융위원회",),
        ("전자금융거래법",),
    ),
    LabelledBarrier(
        "7",
        "개인정보",
        "가명정보 결합 절차가 복잡해 AI 학습 데이터 활용이 어렵습니다",
        "ai",
        ("개인정보보호위원회",),
        ("개인정보 보호법",),
    ),
    LabelledBarrier(
        "8", "데이터", "개인정보 동의 없이 AI 모델 학습 불가", "ai", ("개인정보보호위원회",), ("개인정보 보호법",)
    ),
    LabelledBarrier(
        "9",
        "학습 데이터",
        "AI 학습용 데이터에 포함된 개인정보 처리 기준 불명확",
        "ai",
        ("개인정보보호위원회",),
        ("개인정보 보호법",),
    ),
]


@pytest.fixture(scope="module")
def router(index):
    return Router(index=index, retriever=None, agencies=AgencyNames.from_files(), law_sectors={}).fit(TRAIN)


def test_normalize_sector_maps_dataset_and_corpus_labels():
    assert normalize_sector("robot") == "robots"
    assert normalize_sector("bio_health") == "biohealth"
    assert normalize_sector("nonsense") == "other"


def test_sector_scores_are_a_distribution_over_all_sectors(router):
    routing = router.route("원격진료 환자 허용해 주세요")
    assert set(routing.sector_scores) == set(SECTORS)
    assert sum(routing.sector_scores.values()) == pytest.approx(1.0)


def test_implied_statute_for_text_naming_none(router):
    routing = router.route("원격진료가 막혀 있어서 환자 상담을 못 합니다")
    assert routing.statutes[0].name == "의료법"
    assert not routing.statutes[0].explicit


def test_named_statute_gives_its_ministry_first_with_a_reason(router):
    routing = router.route("「전자금융거래법」 제21조 때문에 학습 데이터 처리가 어렵습니다")
    assert routing.agencies[0].name == "금융위원회"
    assert any("전자금융거래법" in reason for reason in routing.agencies[0].reasons)


def test_agency_named_by_former_or_short_name_is_evidence(router):
    routing = router.route("식약처 허가가 늦어요")
    assert "식품의약품안전처" in [a.name for a in routing.agencies]


def test_articles_of_named_statute_are_reported(router):
    assert "의료법 제34조" in router.route("의료법 제34조 원격의료 조항").articles


def test_empty_text_gives_flat_sector_scores_and_no_statutes(router):
    routing = router.route("")
    assert routing.statutes == []
    assert max(routing.sector_scores.values()) == pytest.approx(1 / len(SECTORS))


@pytest.mark.parametrize(
    "text", ["🙂🙂🙂", "hello world only", "가" * 100_000, "\u1112\u1161\u11ab\u1100\u1173\u11af 의료법"]
)
def test_awkward_text_is_routed_without_error(router, text):
    routing = router.route(text)
    assert routing.sector in SECTORS


def test_as_dict_has_the_route_batch_shape(router):
    payload = router.route("원격진료 금지").as_dict()
    assert {"sector", "sector_scores", "ministries", "statutes", "articles"} <= set(payload)
    json.dumps(payload, ensure_ascii=False)


def test_saved_router_loads_and_routes_the_same(router, tmp_path):
    path = tmp_path / "router.joblib"
    save_router(router, path)
    again = load_router(path)
    assert again.route("원격진료 금지").as_dict() == router.route("원격진료 금지").as_dict()


def test_loading_something_else_is_refused(tmp_path):
    import joblib

    path = tmp_path / "x.joblib"
    joblib.dump({"not": "a router"}, path)
    with pytest.raises(ValueError):
        load_router(path)


def test_load_labelled_reports_bad_line_number(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "text": "x"}\n{oops\n', encoding="utf-8")
    with pytest.raises(ValueError, match=":2:"):
        load_labelled(path)


@pytest.mark.slow
def test_load_labelled_reads_the_dev_set():
    items = load_labelled(DATA / "barriers-dev.jsonl")
    assert len(items) == 360 and {i.sector for i in items} <= set(SECTORS)


def test_linear_probabilities_equal_scikit_learn_models():
    """The array form the router predicts with gives the fitted models' own probabilities."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    from routing.classifier import LinearProbabilities

    texts = [f"{i.title} {i.text}" for i in TRAIN] * 2
    sectors = [i.sector for i in TRAIN] * 2
    x = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 2)).fit_transform(texts)
    multinomial = LogisticRegression(max_iter=1000).fit(x, sectors)
    binary = LogisticRegression(max_iter=1000).fit(x, [s == "ai" for s in sectors])
    calibrated = CalibratedClassifierCV(LinearSVC(C=0.5), method="sigmoid", cv=2).fit(x, sectors)
    for model in (multinomial, binary, calibrated):
        assert LinearProbabilities.of(model).predict_proba(x) == pytest.approx(model.predict_proba(x), abs=1e-9)


def test_evidence_combiners_stay_a_priori_with_few_labelled_groups(router):
    assert router.statute_combiner is None and router.agency_combiner is None
    assert router.statute_threshold is None


def _dev_like_items() -> list[LabelledBarrier]:
    """Thirty-six barriers in twelve groups (clusters), the shape the combiners need."""
    items = []
    for n, base in enumerate(TRAIN * 4):
        group = f"C{n % 12}"
        items.append(
            LabelledBarrier(
                f"x{n}", base.title, f"{base.text} 사례 {n}", base.sector, base.ministries, base.statutes, (), group
            )
        )
    return items


def test_evidence_combiners_are_fitted_on_grouped_inner_folds(index):
    items = _dev_like_items()
    fitted = Router(index=index, retriever=None, agencies=AgencyNames.from_files(), law_sectors={}).fit(items)
    assert fitted.statute_combiner is not None and fitted.agency_combiner is not None
    assert fitted.statute_threshold is not None and 0.0 < fitted.statute_threshold < 1.0
    explicit_weight = fitted.statute_combiner[0][0]
    learned_weight = fitted.statute_combiner[0][2]
    assert learned_weight > 0  # what the text → statute model says counts for the statute
    assert explicit_weight >= 0
    routing = fitted.route("가명정보 결합 절차가 복잡해 AI 학습이 어렵습니다")
    assert routing.agencies[0].name == "개인정보보호위원회"
    assert 0.0 < routing.agencies[0].score <= 1.0


def _retrieval_rows() -> list[dict]:
    """Two target laws among enough filler laws for the document-frequency cut-offs to bite."""
    filler = [
        {
            "law_id": f"9{n:05d}",
            "name": f"일반행정 {n}호법",
            "articles": [
                {"no": f"제{k}조", "title": f"절차 {k}", "text": f"행정청은 서류 {n}-{k}번을 접수한다 목록{n * 7 + k}"}
                for k in range(1, 4)
            ],
        }
        for n in range(120)
    ]
    medical = {
        "law_id": "001788",
        "name": "의료법",
        "articles": [
            {"no": "제33조", "title": "개설", "text": "의료인은 의료기관을 개설하여야 진료할 수 있다"},
            {"no": "제34조", "title": "원격의료", "text": "의료인은 원격의료를 할 수 있다 원격 진료 환자"},
            {"no": "제34조의2", "title": "비대면진료", "text": "비대면 진료 환자 원격 상담"},
        ],
    }
    finance = {
        "law_id": "010199",
        "name": "전자금융거래법",
        "articles": [
            {"no": "제28조", "title": "전자금융업 등록", "text": "선불 충전금 발행 등록 자본금"},
            {"no": "제29조", "title": "충전금 한도", "text": "선불 충전금 한도 보관"},
            {"no": "제30조", "title": "등록 요건", "text": "등록 자본금 한도 요건"},
        ],
    }
    return [*filler, medical, finance]


def test_article_retriever_ranks_the_law_whose_articles_match():
    from routing.retrieval import ArticleRetriever

    retriever = ArticleRetriever.build(_retrieval_rows())
    hits = retriever.top("원격진료가 막혀 있어 환자 비대면 상담을 못 합니다", k=3)
    assert hits[0].law_id == "001788"
    assert hits[0].article in {"제34조", "제34조의2"}
    assert retriever.top("선불 충전금 한도가 낮아 등록 자본금 부담", k=1)[0].law_id == "010199"


def test_article_retriever_sector_boost_prefers_the_sector_laws():
    from routing.retrieval import ArticleRetriever

    rows = _retrieval_rows()
    plain = ArticleRetriever.build(rows)
    boosted = ArticleRetriever.build(rows, sector_laws={"010199"}, sector_boost=3.0)
    text = "원격 진료 환자 선불 충전금"
    plain_scores, _ = plain.law_scores([text])
    boosted_scores, _ = boosted.law_scores([text])
    finance = plain.law_ids.index("010199")
    assert boosted_scores[0, finance] == pytest.approx(3.0 * plain_scores[0, finance])


def test_law_scores_pruned_to_the_top_laws_rank_them_exactly_as_the_full_scores():
    from routing.retrieval import ArticleRetriever

    retriever = ArticleRetriever.build(_retrieval_rows())
    texts = ["원격진료가 막혀 있어 환자 비대면 상담을 못 합니다", "선불 충전금 한도 서류 접수 절차 3호", "", "😀"]
    full, full_best = retriever.law_scores(texts)
    pruned, pruned_best = retriever.law_scores(texts, top=3)
    for row in range(len(texts)):
        order = np.argsort(-full[row], kind="stable")[:3]
        assert list(np.argsort(-pruned[row], kind="stable")[:3]) == list(order)
        assert pruned[row, order] == pytest.approx(full[row, order])
        assert list(pruned_best[row, order]) == list(full_best[row, order])
    assert (pruned <= full + 1e-6).all()  # laws left out keep a lower bound, never more


def test_tfidf_transform_matches_scikit_learn():
    from sklearn.feature_extraction.text import TfidfVectorizer

    from routing.retrieval import tfidf_transform

    docs = ["원격 진료 환자 원격", "선불 충전금 한도", "", "환자 환자 환자 한도"]
    for vectorizer in (
        TfidfVectorizer(token_pattern=r"\S+", sublinear_tf=True, lowercase=False).fit(docs),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3), sublinear_tf=True, dtype=np.float32).fit(docs),
    ):
        queries = [*docs, "처음 보는 낱말", "원격 환자 ABC"]
        expected = vectorizer.transform(queries).toarray()
        assert tfidf_transform(vectorizer, queries).toarray() == pytest.approx(expected, abs=1e-6)


def test_decree_articles_count_for_their_law_and_name_the_decree():
    from routing.retrieval import ArticleRetriever

    rows = _retrieval_rows()
    decree = {
        "law_id": "001789",
        "name": "의료법 시행령",
        "role": "시행령",
        "parent_law_id": "001788",
        "articles": [{"no": "제7조", "title": "처방전 배송", "text": "처방전 배송 약국 택배 수령"}],
    }
    orphan = {"law_id": "777777", "name": "없는법 시행령", "role": "시행령", "parent_law_id": "999999", "articles": []}
    laws_only = ArticleRetriever.build(rows)
    with_decrees = ArticleRetriever.build([*rows, decree, orphan])
    assert with_decrees.law_ids == laws_only.law_ids  # a decree is no candidate of its own
    hit = with_decrees.top("처방전 택배 배송이 막혀 약국 수령만 됩니다", k=1)[0]
    assert hit.law_id == "001788"
    scores, best = with_decrees.law_scores(["처방전 택배 배송이 막혀 약국 수령만 됩니다"])
    statute, number, title = with_decrees.article_label(int(best[0, with_decrees.law_ids.index("001788")]))
    assert (statute, number, title) == ("001789", "제7조", "처방전 배송")


def test_a_law_retrieved_through_its_decree_cites_the_decree_article_in_its_reason(index):
    from routing.retrieval import ArticleRetriever

    decree = {
        "law_id": "004482",
        "name": "의료법 시행령",
        "role": "시행령",
        "parent_law_id": "001788",
        "articles": [{"no": "제7조", "title": "처방전 배송", "text": "처방전 배송 약국 택배 수령"}],
    }
    retriever = ArticleRetriever.build([*_retrieval_rows(), decree])
    router = Router(index=index, retriever=retriever, agencies=AgencyNames.from_files(), law_sectors={}).fit(TRAIN)
    text = "처방전 택배 배송이 막혀 약국 수령만 됩니다"
    analysis = router.analyse([text])[0]
    law_id, _score, number, title = analysis.retrieved[0]
    assert (law_id, number, title) == ("001788", "", "처방전 배송")  # no law article number for a decree's
    assert analysis.retrieved_via["001788"] == "의료법 시행령 제7조"
    candidates = router._evidence(analysis, np.zeros(len(router.agency_model.classes_)), np.zeros(0)).statutes
    reasons = candidates["001788"].suggestion.reasons
    assert any("의료법 시행령 제7조(처방전 배송)" in r for r in reasons)
    assert "제7조" not in candidates["001788"].suggestion.articles  # 의료법 제7조 is another article


def _bare_router(index) -> Router:
    return Router(index=index, retriever=None, agencies=AgencyNames.from_files(), law_sectors={})


def test_decree_rate_follows_the_labels_and_falls_back_to_the_overall_rate(index):
    router = _bare_router(index)
    # 자본시장법 always comes with its 시행령 in these labels; 의료법 never does.
    labels = [["010513", "010514"]] * 4 + [["001788"]] * 4
    router._fit_label_statistics(labels)
    rates = router.decree_rates
    assert rates is not None and router.statute_counts == {"010513": 4, "010514": 4, "001788": 4}
    overall = rates[("", "시행령")]
    assert rates[("010513", "시행령")] > overall > rates[("001788", "시행령")]
    assert ("011357", "시행령") not in rates  # a law the labels never name: the caller uses the overall rate


def test_retrieval_hubs_count_complaints_that_retrieve_a_law_among_their_first_three(index):
    from routing.classifier import _Analysis
    from routing.references import ExtractionResult

    def analysis(*law_ids: str) -> _Analysis:
        hits = [(law_id, 1.0, "제1조", "") for law_id in law_ids]
        return _Analysis(text="x", morphemes=[], refs=ExtractionResult("x", [], []), retrieved=hits)

    router = _bare_router(index)
    router._fit_retrieval_hubs(
        [analysis("001788", "010199", "011357", "010513"), analysis("001788"), analysis("010199", "001788")]
    )
    hubs = router.retrieval_hubs
    assert hubs is not None
    assert hubs["001788"] == pytest.approx(1.0)
    assert hubs["010199"] == pytest.approx(2 / 3)
    assert "010513" not in hubs  # fourth place does not count


def test_statute_tokens_carry_the_ministry_so_they_transfer_to_unseen_rules(router):
    from routing.classifier import _Analysis
    from routing.references import extract_references

    text = "「전자금융거래법」 제21조"
    tokens = router._tokens(_Analysis(text=text, morphemes=[], refs=extract_references(text, router.index))).split()
    assert "§e010199" in tokens and "§em_금융위원회" in tokens


def test_decree_of_a_named_law_becomes_a_candidate_with_its_pairing_rate(router):
    from routing.classifier import _S_COOCCURS

    analysis = router.analyse(["「자본시장과 금융투자업에 관한 법률」 때문에 토큰증권 발행이 막혀 있습니다"])[0]
    features = router._matrix([analysis])
    assert router.agency_model is not None
    ev = router._evidence(
        analysis, router.agency_model.predict_proba(features)[0], router._statute_probabilities(features)[0]
    )
    assert "010513" in ev.statutes and ev.statutes["010513"].suggestion.explicit
    decree = ev.statutes["010514"]  # 자본시장법 시행령: not named, proposed from its law
    assert not decree.suggestion.explicit
    assert router.decree_rates is not None
    assert decree.features[_S_COOCCURS] == pytest.approx(router.decree_rates[("", "시행령")])  # never labelled


def test_statute_selection_uses_a_stricter_threshold_when_the_text_names_a_statute():
    from routing.classifier import _select_statutes

    def key(c):
        return c

    named_text = [(0.95, True), (0.5, False), (0.2, False)]
    unnamed_text = [(0.5, False), (0.3, False), (0.1, False)]
    assert _select_statutes(named_text, key, implied=0.25, named=0.6, limit=4) == [(0.95, True)]
    assert _select_statutes(unnamed_text, key, implied=0.25, named=0.6, limit=4) == [(0.5, False), (0.3, False)]
    # nothing above the threshold: the best candidate still, never more than the limit
    assert _select_statutes(unnamed_text, key, implied=0.9, named=0.9, limit=4) == [(0.5, False)]
    assert _select_statutes(unnamed_text, key, implied=0.0, named=0.0, limit=2) == unnamed_text[:2]


def test_a_weak_best_candidate_below_the_floor_is_not_proposed():
    from routing.classifier import _select_statutes

    unnamed_text = [(0.5, False), (0.3, False)]
    assert _select_statutes(unnamed_text, lambda c: c, implied=0.9, named=0.9, limit=4, floor=0.6) == []
    assert _select_statutes(unnamed_text, lambda c: c, implied=0.9, named=0.9, limit=4, floor=0.4) == [(0.5, False)]
    named_text = [(0.1, True), (0.05, False)]  # a named statute is proposed whatever its score
    assert _select_statutes(named_text, lambda c: c, implied=0.9, named=0.9, limit=4, floor=0.6) == [(0.1, True)]


def test_the_sectors_usual_agencies_are_learned_from_the_labels(router):
    usual = router.sector_agencies
    assert usual is not None
    assert next(iter(usual["biohealth"])) == "보건복지부"
    assert next(iter(usual["fintech"])) == "금융위원회"
    assert sum(usual["ai"].values()) <= 1.0 + 1e-9


def test_a_short_text_gets_its_sectors_usual_agency_with_a_reason(router):
    from routing.classifier import _A_SECTOR_USUAL

    analysis = router.analyse(["원격진료가 막혀 있어서"])[0]
    features = router._matrix([analysis])
    assert router.agency_model is not None and router.sector_model is not None
    ev = router._evidence(
        analysis,
        router.agency_model.predict_proba(features)[0],
        router._statute_probabilities(features)[0],
        router.sector_model.predict_proba(features)[0],
    )
    router._score_statutes(ev)
    router._agency_features(ev)
    welfare = ev.agencies["보건복지부"]
    assert welfare.features[_A_SECTOR_USUAL] > max(
        a.features[_A_SECTOR_USUAL] for name, a in ev.agencies.items() if name != "보건복지부"
    )
    assert any("분야 건의를 주로 처리하는 기관" in reason for reason in welfare.suggestion.reasons)


def test_a_model_of_an_older_version_is_refused_with_a_retrain_message(router, tmp_path):
    from dataclasses import replace

    from routing.classifier import MODEL_VERSION

    path = tmp_path / "old.joblib"
    save_router(replace(router, version=MODEL_VERSION - 1), path)
    with pytest.raises(ValueError, match="retrain"):
        load_router(path)


def test_weak_agencies_come_after_the_sectors_usual_agencies():
    from routing.classifier import (
        _A_SECTOR_USUAL,
        _A_STATUTE_MAX,
        AgencySuggestion,
        _AgencyCandidate,
        _Evidence,
        _rank_agencies,
    )

    ev = _Evidence()
    for name, score in (("보건복지부", 0.7), ("법원행정처", 0.04), ("식품의약품안전처", 0.02)):
        ev.agencies[name] = _AgencyCandidate(AgencySuggestion(name, score))
    ev.agencies["법원행정처"].features[_A_STATUTE_MAX] = 0.1  # a law of its among the candidates
    ev.agencies["식품의약품안전처"].features[_A_SECTOR_USUAL] = 0.2
    ev.usual = ["보건복지부", "식품의약품안전처"]
    assert [a.name for a in _rank_agencies(ev, 0.05)] == ["보건복지부", "식품의약품안전처", "법원행정처"]
    assert [a.name for a in _rank_agencies(ev, 0.0)] == ["보건복지부", "법원행정처", "식품의약품안전처"]
    # the best agency stays first however unsure: the cut-off only reorders the ones after it
    assert _rank_agencies(ev, 0.9)[0].name == "보건복지부"


def test_an_agency_with_no_evidence_of_its_own_is_not_proposed_after_the_best():
    from routing.classifier import (
        _A_CLASSIFIER,
        _A_MENTION,
        _A_PROFILE,
        _A_STATUTE_MAX,
        AgencySuggestion,
        _AgencyCandidate,
        _Evidence,
        _rank_agencies,
    )

    ev = _Evidence()
    for name, score in (
        ("보건복지부", 0.6),
        ("법원행정처", 0.15),
        ("국토교통부", 0.1),
        ("경찰청", 0.05),
        ("교육부", 0.04),
    ):
        ev.agencies[name] = _AgencyCandidate(AgencySuggestion(name, score))
    ev.agencies["보건복지부"].features[_A_STATUTE_MAX] = 0.8
    ev.agencies["법원행정처"].features[_A_PROFILE] = 1.0  # shares the text's vocabulary, nothing more
    ev.agencies["국토교통부"].features[_A_CLASSIFIER] = 0.2
    ev.agencies["경찰청"].features[_A_MENTION] = 1.0
    ev.agencies["교육부"].features[_A_CLASSIFIER] = 0.01
    assert [a.name for a in _rank_agencies(ev, 0.0)] == ["보건복지부", "국토교통부", "경찰청"]
    # the best one is kept even without evidence: the ranking always names someone
    ev.agencies["보건복지부"].features[_A_STATUTE_MAX] = 0.0
    assert _rank_agencies(ev, 0.0)[0].name == "보건복지부"


def test_second_stage_reranker_is_fitted_and_scores_every_candidate(index):
    fitted = Router(index=index, retriever=None, agencies=AgencyNames.from_files(), law_sectors={}).fit(
        _dev_like_items()
    )
    assert fitted.statute_reranker is not None
    from routing.classifier import _N_RERANK_FEATURES

    coef, _intercept = fitted.statute_reranker
    assert coef.shape == (_N_RERANK_FEATURES,) and np.all(np.isfinite(coef))
    routing = fitted.route("선불 충전금 한도 때문에 간편결제가 어렵습니다")
    assert all(0.0 <= s.score <= 1.0 for s in routing.statutes)
    assert [s.score for s in routing.statutes] == sorted((s.score for s in routing.statutes), reverse=True)


def test_conditional_logit_learns_which_evidence_picks_the_one_right_candidate():
    from routing.classifier import _fit_conditional_logit

    rng = np.random.default_rng(7)
    candidates, answers = [], []
    for _ in range(60):
        x = rng.random((5, 2))  # column 0 decides, column 1 is noise
        candidates.append(x)
        answers.append(int(np.argmax(x[:, 0])))
    w = _fit_conditional_logit(candidates, answers, l2=0.1)
    assert w[0] > 0 and abs(w[1]) < w[0]
    assert sum(int(np.argmax(x @ w)) == a for x, a in zip(candidates, answers, strict=True)) >= 55


def test_fitted_agency_scores_share_one_place_among_a_texts_candidates(index):
    fitted = Router(index=index, retriever=None, agencies=AgencyNames.from_files(), law_sectors={}).fit(
        _dev_like_items()
    )
    assert fitted.agency_softmax and fitted.agency_cut is not None
    routing = fitted.route("선불 충전금 한도 때문에 간편결제가 어렵습니다")
    assert routing.agencies[0].name == "금융위원회"
    assert sum(a.score for a in routing.agencies) <= 1.0 + 1e-9
