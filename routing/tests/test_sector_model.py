"""The stacked sector model: corpus evidence carries a sector to rules the labels never saw."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest
from scipy import sparse

from routing.retrieval import MorphemeRetriever
from routing.sector_model import (
    CORPUS_FEATURES,
    NO_EVIDENCE,
    SECTORS,
    VIEWS,
    SectorCorpus,
    SectorInput,
    SectorModel,
    _LinearView,
    input_from_analysis,
    sector_code,
)

# A miniature corpus: one law per field, each article in its own words, plus a labour law outside
# the sector subset. Terms x articles BM25-like weights, built by hand (the real index is built
# by kiwipiepy from statutes.jsonl.gz; the arithmetic is the same).
FIELD_WORDS = {
    "L-FIN": ("fintech", ["결제", "송금", "계좌", "여신", "전자금융"]),
    "L-MOB": ("mobility", ["차량", "주행", "도로", "운전", "승차"]),
    "L-BIO": ("biohealth", ["의료", "병원", "환자", "진료", "의약품"]),
    "L-AI": ("ai", ["개인정보", "가명", "알고리즘", "데이터", "학습"]),
    "L-ROB": ("robots", ["로봇", "실외", "보행", "자율", "배송"]),
    "L-LAB": ("outside", ["근로", "연장", "임금", "휴게", "근로자"]),
}


def _morpheme_index() -> MorphemeRetriever:
    vocabulary: dict[str, int] = {}
    rows, cols, data, owners = [], [], [], []
    law_ids = list(FIELD_WORDS)
    article = 0
    for law, (_sector, words) in FIELD_WORDS.items():
        for _ in range(3):  # three articles per law, all in the law's words
            for word in words:
                rows.append(vocabulary.setdefault(word, len(vocabulary)))
                cols.append(article)
                data.append(1.0)
            owners.append(law_ids.index(law))
            article += 1
    matrix = sparse.csr_matrix((data, (rows, cols)), shape=(len(vocabulary), article), dtype=np.float32)
    return MorphemeRetriever(
        vocabulary=vocabulary,
        idf=np.ones(len(vocabulary), dtype=np.float32),
        matrix_t=matrix,
        article_law=np.asarray(owners, dtype=np.int32),
        law_ids=law_ids,
        prior=np.ones(len(law_ids), dtype=np.float32),
    )


@pytest.fixture(scope="module")
def corpus() -> SectorCorpus:
    law_sector = {law: sector for law, (sector, _words) in FIELD_WORDS.items() if sector != "outside"}
    law_ministry = {"L-FIN": "금융위원회", "L-MOB": "국토교통부", "L-BIO": "보건복지부", "L-AI": "개인정보보호위원회",
                    "L-ROB": "산업통상부", "L-LAB": "고용노동부"}  # fmt: skip
    return SectorCorpus.build(law_sector, _morpheme_index(), law_ministry=law_ministry, mu=5.0)


LAW_OF = {sector: law for law, (sector, _words) in FIELD_WORDS.items()}
LAW_OF["other"] = "L-LAB"


def _text(sector: str, rule: int, variant: int) -> SectorInput:
    """A complaint of ``sector`` about rule ``rule``: two field words, two words of its own rule
    (never shared with another rule), and the field's law among the corpus candidates. Rules 0–3
    (the training rules) use only the first three words of their field; rules from 4 on use the
    other two, which only the corpus knows."""
    law = LAW_OF[sector]
    field_words = FIELD_WORDS[law][1]
    pool = field_words[:3] if rule < 4 else field_words[3:]
    # a syllable of the rule's own (no other rule's words, nor the sector's name, share it)
    own = [f"{chr(0xAC00 + 37 * SECTORS.index(sector) + rule)}규칙{k}" for k in range(2)]
    words = [pool[(rule + variant) % len(pool)], pool[(rule + variant + 1) % len(pool)], *own, "규제", "건의"]
    others = [x for x in FIELD_WORDS if x != law]
    candidates = ((law, 1.0), (others[(rule + variant) % len(others)], 0.4))
    return SectorInput(
        tokens=" ".join(words),
        morphemes=tuple(words),
        candidates=candidates,
        profile_laws=candidates[:1],
        text=" ".join(words),
    )


def _labelled(rules: range, per_rule: int = 3) -> tuple[list[SectorInput], list[str], list[str]]:
    items, labels, groups = [], [], []
    for sector in SECTORS:
        for rule in rules:
            for variant in range(per_rule):
                items.append(_text(sector, rule, variant))
                labels.append("robot" if sector == "robots" else sector)  # the data set's spelling
                groups.append(f"{sector}-{rule}")
    return items, labels, groups


@pytest.fixture(scope="module")  # one fit for the module: inner folds and the stacker grid take seconds
def trained(corpus: SectorCorpus) -> SectorModel:
    items, labels, groups = _labelled(range(4))
    return SectorModel(corpus).fit(items, labels, groups)


def test_sector_codes_of_data_set_and_corpus_labels():
    assert sector_code("robot") == "robots"
    assert sector_code("drones") == "mobility"
    assert sector_code("bio_health") == "biohealth"
    assert sector_code("ai_data_privacy") == "ai"
    assert sector_code("something else") == "other"


def test_sector_words_are_likelier_in_their_sector_than_in_the_corpus(corpus: SectorCorpus):
    evidence = corpus.word_evidence(["병원", "환자"])
    biohealth = SECTORS.index("biohealth")
    assert evidence[biohealth] > 0
    assert evidence[biohealth] == max(evidence[:5])
    assert np.all(corpus.word_evidence(["근로", "임금"])[:5] < 0)  # labour words: no sector's
    posterior = corpus.word_posterior(["근로", "임금"])
    assert posterior.argmax() == 5  # "none of the five" wins for words of a law outside the subset


def test_law_shares_keep_laws_outside_the_subset_apart(corpus: SectorCorpus):
    shares = corpus.shares([("L-FIN", 3.0), ("L-LAB", 1.0)])
    assert shares[SECTORS.index("fintech")] == pytest.approx(0.75)
    assert shares[-1] == pytest.approx(0.25)  # outside
    assert corpus.ministry_shares([("고용노동부", 1.0)])[-1] == pytest.approx(1.0)
    features = corpus.features(_text("fintech", 0, 0))
    assert features.shape == (len(CORPUS_FEATURES),)


def test_sectors_file_maps_corpus_codes_decrees_and_parents(tmp_path):
    path = tmp_path / "sectors.jsonl.gz"
    rows = [
        {"law_id": "1", "name": "항공안전법", "sector": "drones"},
        {"law_id": "2", "name": "항공안전법 시행령", "sector": "drones", "role": "시행령", "parent_law_id": "1"},
        {"law_id": "3", "name": "산업융합 촉진법", "sector": "sandbox_general"},
        {"law_id": "4", "name": "의료법 시행규칙", "sector": "bio_health", "role": "시행규칙", "parent_law_id": "5"},
    ]
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n")
    corpus = SectorCorpus.from_files(path)
    assert corpus.law_sector == {"1": "mobility", "2": "mobility", "3": "general", "4": "biohealth", "5": "biohealth"}
    assert corpus.sector_of("3") == "general"
    assert corpus.sector_of("999") == "outside"


def test_probabilities_are_distributions_over_all_sectors(trained: SectorModel):
    items, _labels, _groups = _labelled(range(4, 6), per_rule=1)
    p = trained.predict_proba(items)
    assert p.shape == (len(items), len(SECTORS))
    assert np.all(p >= 0)
    assert np.allclose(p.sum(axis=1), 1.0)
    assert trained.predict_proba([]).shape == (0, len(SECTORS))


def test_the_stacker_is_fitted_on_inner_grouped_folds(trained: SectorModel):
    assert trained.stacked
    assert trained.stacker_c is not None
    assert trained.coef is not None and trained.coef.shape[1] == len(SECTORS)
    # the text classifier's and every view's log-probabilities, then the corpus evidence
    assert [view.kind for view in trained.views] == list(VIEWS)
    assert trained.coef.shape[0] == len(SECTORS) * (1 + len(VIEWS)) + len(CORPUS_FEATURES)


def test_the_character_view_reads_words_inside_compounds_and_inflections():
    """A word the training texts used alone is recognised inside a compound or with an ending —
    where the whole-token views see an unknown token."""
    texts = {
        "fintech": ["결제 수수료 송금", "송금 한도 결제", "결제 계좌 이체"],
        "biohealth": ["병원 진료 환자", "환자 진료 기록", "병원 처방 환자"],
    }
    items = [SectorInput(tokens=t, morphemes=tuple(t.split()), text=t) for ts in texts.values() for t in ts]
    codes = [code for code, ts in texts.items() for _t in ts]
    chars = _LinearView.fit("chars", items, codes)
    tokens = _LinearView.fit("tokens", items, codes)
    probe = [
        SectorInput(tokens="간편결제서비스가", morphemes=("간편결제서비스가",), text="간편결제서비스가"),
        SectorInput(tokens="대학병원에서", morphemes=("대학병원에서",), text="대학병원에서"),
    ]
    p = chars.predict_proba(probe)
    assert p.shape == (2, len(SECTORS)) and np.allclose(p.sum(axis=1), 1.0)
    assert SECTORS[int(p[0].argmax())] == "fintech"
    assert SECTORS[int(p[1].argmax())] == "biohealth"
    blind = tokens.predict_proba(probe)  # no token it knows: it cannot tell the two apart
    assert np.allclose(blind[0], blind[1])


def test_a_view_without_any_text_abstains():
    items = [SectorInput(tokens=t, morphemes=(t,)) for t in ("결제", "송금", "병원", "환자")]  # text ""
    view = _LinearView.fit("chars", items, ["fintech", "fintech", "biohealth", "biohealth"])
    p = view.predict_proba([SectorInput(tokens="결제", morphemes=("결제",), text="결제")])
    assert np.allclose(p[0], view.predict_proba([SectorInput(tokens="병원", morphemes=("병원",), text="병원")])[0])


def test_unseen_rules_get_the_sector_of_their_laws_and_words(trained: SectorModel):
    """Rules 4–5 never occur in training and use field words no training text has: only the
    corpus (their laws, the sectors' word profiles) knows where they belong."""
    items, labels, _groups = _labelled(range(4, 6), per_rule=2)
    predicted = trained.predict(items)
    hits = sum(p == sector_code(t) for p, t in zip(predicted, labels, strict=True))
    assert hits / len(items) >= 0.9


def test_input_from_analysis_reads_the_routers_analysis_and_reuses_its_tokens(index):
    from routing.classifier import AgencyNames, Router

    router = Router(index=index, retriever=None, agencies=AgencyNames.from_files(), law_sectors={})
    (analysis,) = router.analyse(["「의료법」 제33조 때문에 원격진료 앱을 못 엽니다"])
    built = input_from_analysis(router, analysis)
    assert built.tokens == router._tokens(analysis)
    assert "의료법" in built.text and built.named
    # the Router has the tokens already (its own TF-IDF matrix): they are taken as given
    given = input_from_analysis(router, analysis, tokens="미리 만든 토큰")
    assert given.tokens == "미리 만든 토큰"
    assert given.morphemes == built.morphemes and given.text == built.text


def test_a_text_without_any_evidence_is_other(trained: SectorModel):
    nothing = SectorInput(tokens="안녕하세요 좋은 하루", morphemes=("안녕", "좋", "하루"))
    p = trained.predict_proba([nothing])[0]
    assert SECTORS[int(p.argmax())] == "other"
    assert np.allclose(p, NO_EVIDENCE)
    empty = SectorInput(tokens="", morphemes=())
    assert trained.predict([empty]) == ["other"]


def test_a_text_whose_laws_lie_outside_every_sector_is_other(trained: SectorModel):
    labour = SectorInput(
        tokens="근로 연장 야간 초과",
        morphemes=("근로", "연장", "야간", "초과"),
        candidates=(("L-LAB", 1.0),),
        profile_laws=(("L-LAB", 1.0),),
    )
    assert trained.predict([labour]) == ["other"]


@pytest.mark.slow  # a second full fit (inner folds, stacker grid)
def test_fitting_is_deterministic(corpus: SectorCorpus, trained: SectorModel):
    items, labels, groups = _labelled(range(4))
    again = SectorModel(corpus).fit(items, labels, groups)
    probe, _labels, _groups = _labelled(range(4, 6), per_rule=1)
    assert np.array_equal(again.predict_proba(probe), trained.predict_proba(probe))


def test_too_few_rules_fall_back_to_the_text_classifier(corpus: SectorCorpus):
    items, labels, groups = _labelled(range(1), per_rule=3)
    model = SectorModel(corpus).fit(items, labels, groups)
    assert not model.stacked
    p = model.predict_proba(items)
    assert np.allclose(p.sum(axis=1), 1.0)


def test_bad_input_is_refused(corpus: SectorCorpus):
    with pytest.raises(ValueError, match="same length"):
        SectorModel(corpus).fit([_text("ai", 0, 0)], ["ai", "ai"], ["g"])
    with pytest.raises(ValueError, match="no labelled texts"):
        SectorModel(corpus).fit([], [], [])
    with pytest.raises(ValueError, match="not trained"):
        SectorModel(corpus).predict_proba([_text("ai", 0, 0)])


def test_a_pickled_model_predicts_the_same(trained: SectorModel):
    """The router is saved with pickle (routing.classifier.save_router); the sector model with it."""
    import pickle

    probe, _labels, _groups = _labelled(range(4, 6), per_rule=1)
    loaded = pickle.loads(pickle.dumps(trained, protocol=5))
    assert np.array_equal(loaded.predict_proba(probe), trained.predict_proba(probe))
