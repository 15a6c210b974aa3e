"""Label-free statute candidates: the morpheme index and the fused candidate list."""

from __future__ import annotations

import pickle

import numpy as np

from routing.retrieval import ArticleRetriever, CorpusProfiles, MorphemeRetriever, candidate_laws


def _law(law_id: str, name: str, *articles: tuple[str, str]) -> dict:
    return {
        "law_id": law_id,
        "name": name,
        "articles": [{"no": f"제{k}조", "title": t, "text": x} for k, (t, x) in enumerate(articles, 1)],
    }


def _rows() -> list[dict]:
    rows = [
        _law(f"9{n:05d}", f"일반행정 {n}호법", ("목적", f"이 법은 행정 절차 {n}를 정한다."), ("서류", f"서류 접수 {n}"))
        for n in range(120)
    ]
    medical = (
        ("원격의료", "의료인은 화상통신을 활용하여 원격의료를 할 수 있다."),
        ("원격의료의 범위", "원격의료는 의료인 간에 한다."),
        ("원격의료 설비", "원격의료를 하려는 자는 설비를 갖추어야 한다."),
        ("비대면 진료", "의사는 비대면 진료를 하는 경우 환자의 상태를 확인하여야 한다."),
    )
    payments = (
        ("정의", "선불전자지급수단이란 전자적 방법으로 저장된 증표를 말한다."),
        ("등록", "전자금융업을 하려는 자는 금융위원회에 등록하여야 한다."),
    )
    easy_pay = ("간편결제업자", "「전자금융거래법」에 따라 등록한 간편결제업자는 적립금을 보관한다.")
    pseudonyms = ("가명정보의 처리", "개인정보처리자는 연구를 위하여 가명정보를 처리할 수 있다.")
    decree = {"no": "제14조의2", "title": "결합전문기관", "text": "결합전문기관의 지정 요건은 다음과 같다."}
    rows += [
        _law("001788", "의료법", *medical),
        _law("010199", "전자금융거래법", *payments),
        _law("020001", "간편결제 진흥법", easy_pay),
        _law("011357", "개인정보 보호법", pseudonyms),
        {"law_id": "011358", "name": "개인정보 보호법 시행령", "role": "시행령", "parent_law_id": "011357",
         "articles": [decree]},
    ]  # fmt: skip
    return rows


def _retriever() -> ArticleRetriever:
    rows = _rows()
    retriever = ArticleRetriever.build([r for r in rows if not r.get("role")])
    retriever.attach_morphemes(rows)
    return retriever


def test_morphemes_split_compounds_the_character_ngrams_miss():
    retriever = _retriever()
    morphemes = retriever.morpheme_index
    assert isinstance(morphemes, MorphemeRetriever)
    scores = morphemes.law_scores(["비대면진료 앱으로 처방하려는데 막혀 있어요", "선불충전금 한도가 낮아요"])
    assert retriever.law_ids[int(np.argmax(scores[0]))] == "001788"
    assert retriever.law_ids[int(np.argmax(scores[1]))] == "010199"


def test_a_decree_article_counts_for_its_law():
    retriever = _retriever()
    scores = retriever.morpheme_index.law_scores(["결합전문기관 지정을 받은 곳이 적어요"])  # type: ignore[union-attr]
    assert retriever.law_ids[int(np.argmax(scores[0]))] == "011357"


def test_given_morphemes_score_like_the_own_analysis():
    morphemes = _retriever().morpheme_index
    assert morphemes is not None
    text = "가명정보 처리가 막혀 있어요"
    own = morphemes.law_scores([text])
    given = morphemes.law_scores([text], terms=[morphemes.query_terms(text)])
    assert np.allclose(own, given) and own.max() > 0


def test_text_without_known_words_scores_nothing():
    morphemes = _retriever().morpheme_index
    assert morphemes is not None
    assert not morphemes.law_scores(["", "😀😀", "hello world"]).any()


def test_candidates_fuse_the_sources_and_explain_each():
    retriever = _retriever()
    names = {x: x for x in retriever.law_ids}
    profiles = CorpusProfiles.build(retriever, {x: "보건복지부" for x in retriever.law_ids}, names)
    found = candidate_laws(retriever, ["비대면진료가 막혀 있어요", "가명정보 결합"], profiles=profiles, k=3)
    assert [c.law_id for c in found[0]][0] == "001788"
    assert found[1][0].law_id == "011357"
    first = found[0][0]
    assert first.score == 1.0 and first.morphemes > 0
    for row in found:
        assert len(row) <= 3
        assert [c.score for c in row] == sorted((c.score for c in row), reverse=True)
        assert all(0 <= v <= 1 for c in row for v in (c.articles, c.profile, c.morphemes))
    assert candidate_laws(retriever, []) == []
    assert candidate_laws(retriever, [""]) == [[]]


def test_a_retriever_pickled_before_the_morpheme_index_still_gives_candidates():
    retriever = ArticleRetriever.build([r for r in _rows() if not r.get("role")])
    assert retriever.morpheme_index is None
    old = pickle.loads(pickle.dumps(retriever))
    del old.__dict__["morpheme_index"]  # as unpickled from a file written before the field existed
    found = candidate_laws(old, ["원격의료를 하고 싶어요"], k=2)
    assert found == candidate_laws(retriever, ["원격의료를 하고 싶어요"], k=2)
    assert found[0][0].law_id == "001788" and found[0][0].morphemes == 0.0 and found[0][0].articles == 1.0


def test_laws_quoted_by_the_matching_articles_gain_the_articles_score():
    retriever = _retriever()
    morphemes = retriever.morpheme_index
    assert morphemes is not None
    own, cited = morphemes.scores(["간편결제 적립금 보관 규제"])
    law = {x: k for k, x in enumerate(retriever.law_ids)}
    assert int(np.argmax(own[0])) == law["020001"]  # the article matches its own law …
    assert int(np.argmax(cited[0])) == law["010199"]  # … and passes its score to the law it quotes
    assert cited[0, law["020001"]] == 0.0  # an article never cites its own law
    found = candidate_laws(retriever, ["간편결제 적립금 보관 규제"], k=5)
    quoted = next(c for c in found[0] if c.law_id == "010199")
    assert quoted.cited == 1.0
