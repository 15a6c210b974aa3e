"""Label-free evidence from the corpus: law-name words, law and ministry profiles, sector associations."""

from __future__ import annotations

import numpy as np
import pytest

from routing.classifier import SECTORS, AgencyNames, LawNameKeywords, Router, name_keywords
from routing.retrieval import ArticleRetriever, CorpusProfiles
from routing.tests.test_classifier import TRAIN


def test_name_keywords_keep_what_a_law_governs():
    assert name_keywords("여객자동차 운수사업법") == ["여객자동차", "운수사업"]
    assert name_keywords("신용정보의 이용 및 보호에 관한 법률") == ["신용정보", "이용", "보호"]
    assert name_keywords("의료기기법") == ["의료기기"]
    assert name_keywords("상법") == []  # nothing distinctive left: never matched by its words


def test_name_coverage_scores_the_law_whose_name_the_text_uses(index):
    keywords = LawNameKeywords.build(index)
    coverage = dict(zip(keywords.law_ids, keywords.coverage("개인정보 처리 동의를 받기가 어렵습니다"), strict=True))
    assert coverage["011357"] > 0.5  # 개인정보 보호법
    assert coverage["011357"] > coverage["010199"]  # 전자금융거래법 shares no name word
    assert "011358" not in coverage  # decrees are scored through their law
    assert keywords.coverage("").sum() == 0.0


def _profile_rows() -> list[dict]:
    """Two laws per ministry that share their field's words, among filler laws."""

    def law(law_id: str, name: str, *titles: str) -> dict:
        return {
            "law_id": law_id,
            "name": name,
            "articles": [{"no": f"제{k}조", "title": t, "text": f"{t}에 관한 사항"} for k, t in enumerate(titles, 1)],
        }

    rows = [law(f"9{n:05d}", f"일반행정 {n}호법", f"서류 접수 {n}", f"행정 절차 {n}") for n in range(120)]
    rows += [
        law("001788", "의료법", "원격의료", "비대면진료", "의료기관 개설"),
        law("001789", "약사법", "비대면 복약지도", "원격 의약품 판매", "약국 개설"),
        law("010199", "전자금융거래법", "선불 충전금", "전자금융업 등록", "결제 대행"),
        law("010200", "여신전문금융업법", "신용카드 결제", "선불카드 충전", "가맹점 결제"),
    ]
    return rows


def test_ministry_profile_points_to_the_ministry_of_the_field():
    retriever = ArticleRetriever.build(_profile_rows())
    ministry = {"001788": "보건복지부", "001789": "보건복지부", "010199": "금융위원회", "010200": "금융위원회"}
    ministry.update({x: "행정안전부" for x in retriever.law_ids if x.startswith("9")})
    names = {"001788": "의료법", "001789": "약사법", "010199": "전자금융거래법", "010200": "여신전문금융업법"}
    profiles = CorpusProfiles.build(retriever, ministry, names)
    texts = ["비대면 원격 진료와 복약지도가 막혀 있습니다", "선불 충전 결제 한도가 낮습니다", ""]
    laws, ministries = profiles.scores(texts)
    assert profiles.ministry_names[int(np.argmax(ministries[0]))] == "보건복지부"
    assert profiles.ministry_names[int(np.argmax(ministries[1]))] == "금융위원회"
    assert retriever.law_ids[int(np.argmax(laws[1]))] in {"010199", "010200"}
    assert not ministries[2].any() and not laws[2].any()  # an empty text matches nothing


def test_sector_associations_follow_the_labels_and_fall_back_to_the_corpus_subset(index):
    router = Router(
        index=index, retriever=None, agencies=AgencyNames.from_files(), law_sectors={"001702": "fintech"}
    ).fit(TRAIN)
    medical = router.law_sector_distribution("001788")  # 의료법: three biohealth complaints
    assert SECTORS[int(np.argmax(medical))] == "biohealth"
    assert medical.sum() == pytest.approx(1.0)
    commercial = router.law_sector_distribution("001702")  # 상법: no label, in the fintech subset
    assert SECTORS[int(np.argmax(commercial))] == "fintech"
    unknown = router.law_sector_distribution("012001")  # neither
    assert unknown == pytest.approx(np.full(len(SECTORS), 1.0 / len(SECTORS)))
    assert router.agency_sectors is not None
    assert SECTORS[int(np.argmax(router.agency_sectors["금융위원회"]))] == "fintech"


def test_one_cut_of_the_query_serves_both_retrievers_unchanged():
    from routing.retrieval import query_ngrams, same_analyzer

    retriever = ArticleRetriever.build(_profile_rows())
    profiles = CorpusProfiles.build(retriever, {"001788": "보건복지부"}, {"001788": "의료법"})
    texts = ["비대면 원격 진료와 복약지도가 막혀 있습니다", "선불 충전 결제 한도", ""]
    assert same_analyzer(retriever.vectorizer, profiles.vectorizer)
    ngrams = query_ngrams(retriever.vectorizer, texts)
    for got, expected in zip(retriever.law_scores(texts, ngrams=ngrams), retriever.law_scores(texts), strict=True):
        assert got == pytest.approx(expected)
    for got, expected in zip(profiles.scores(texts, ngrams=ngrams), profiles.scores(texts), strict=True):
        assert got == pytest.approx(expected)
