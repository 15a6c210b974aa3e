"""The agencies' second stage: fitted on inner-fold evidence, it reorders a text's candidates (hand-built index)."""

from __future__ import annotations

import numpy as np
import pytest

from routing.classifier import AgencyNames, Router
from routing.tests.test_classifier import TRAIN, _dev_like_items


@pytest.fixture(scope="module")
def fitted(index):
    return Router(index=index, retriever=None, agencies=AgencyNames.from_files(), law_sectors={}).fit(_dev_like_items())


def _decided_evidence(router, text):
    analysis = router.analyse([text])[0]
    features = router._matrix([analysis])
    ev = router._evidence(
        analysis,
        router.agency_model.predict_proba(features)[0],
        router._statute_probabilities(features)[0],
        router.sector_model.predict_proba(features)[0],
    )
    router._score_statutes(ev)
    router._agency_features(ev)
    router._score_agencies(ev)
    router._rerank_statutes(ev)
    return ev


def test_the_agencies_second_stage_is_fitted_on_inner_folds(fitted):
    from routing.classifier import _N_AGENCY_RERANK_FEATURES

    assert fitted.agency_reranker is not None
    assert fitted.agency_reranker.shape == (_N_AGENCY_RERANK_FEATURES,)
    assert np.all(np.isfinite(fitted.agency_reranker))
    assert fitted.agency_cut is not None  # chosen again on the second stage's scores


def test_too_few_labelled_groups_leave_the_second_stage_out(index):
    small = Router(index=index, retriever=None, agencies=AgencyNames.from_files(), law_sectors={}).fit(TRAIN)
    assert small.agency_reranker is None
    assert small.route("가명정보 결합 절차가 복잡합니다").agencies  # still routes, first stage only


def test_second_stage_features_follow_the_reranked_statutes(fitted):
    from routing.classifier import _AR_MAX, _AR_PLACE, _AR_SHARE, _AR_TOP

    ev = _decided_evidence(fitted, "「전자금융거래법」 선불 충전금 한도 때문에 간편결제가 어렵습니다")
    rows = fitted._agency_rerank_features(ev)
    assert set(rows) == set(ev.agencies)
    best = max(ev.statutes.values(), key=lambda c: c.suggestion.score)
    owner = rows[fitted.agencies.canonical_name(best.suggestion.ministry)]
    assert owner[_AR_TOP] == 1.0 and owner[_AR_PLACE] == 1.0
    assert owner[_AR_MAX] == pytest.approx(best.suggestion.score)
    assert sum(row[_AR_SHARE] for row in rows.values()) == pytest.approx(1.0)
    assert all(row[_AR_TOP] == 0.0 for name, row in rows.items() if row is not owner)


def test_second_stage_scores_share_one_place_and_keep_the_named_statutes_agency_first(fitted):
    ev = _decided_evidence(fitted, "「전자금융거래법」 선불 충전금 한도 때문에 간편결제가 어렵습니다")
    fitted._rerank_agencies(ev)
    scores = {name: a.suggestion.score for name, a in ev.agencies.items()}
    assert sum(scores.values()) == pytest.approx(1.0)
    assert max(scores, key=lambda name: scores[name]) == "금융위원회"
    routing = fitted.route("가명정보 결합 절차가 복잡해 AI 학습 데이터 활용이 어렵습니다")
    assert routing.agencies[0].name == "개인정보보호위원회"
