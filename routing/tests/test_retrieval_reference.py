"""The vectorised retrieval ranks exactly as a straightforward implementation of the same scoring.

``ArticleRetriever.law_scores``, ``MorphemeRetriever.scores`` and ``CorpusProfiles.scores`` were
rewritten for speed (one dense pass per query instead of sparse products and per-law sorts). The
references below are the plain reading of the documented scoring — sparse products, per-law
lists in the product's order, a law's three best articles with weights 1, ½, ¼ — and the fast
paths must give the same scores to the bit, the same best article and the same candidates.
"""

from __future__ import annotations

import copy
import pickle
from collections import defaultdict

import numpy as np
import pytest
from scipy import sparse

from routing.retrieval import (
    _DECAY,
    CITING_ARTICLES,
    SCORED_ARTICLES,
    ArticleRetriever,
    CorpusProfiles,
    candidate_laws,
    query_ngrams,
    tfidf_transform,
)

TOPICS = [
    ("원격의료", "의료인은 화상통신을 활용하여 원격의료를 할 수 있다."),
    ("비대면 진료", "의사는 비대면 진료를 하는 경우 환자의 상태를 확인하여야 한다."),
    ("선불전자지급수단", "선불전자지급수단의 발행 한도는 대통령령으로 정한다."),
    ("전자금융업 등록", "전자금융업을 하려는 자는 금융위원회에 등록하여야 한다."),
    ("가명정보의 처리", "개인정보처리자는 연구를 위하여 가명정보를 처리할 수 있다."),
    ("자율주행자동차", "자율주행자동차의 시험운행을 하려는 자는 국토교통부장관의 허가를 받아야 한다."),
    ("드론 비행", "드론을 비행하려는 자는 비행 승인을 받아야 한다."),
    ("배달로봇", "실외이동로봇은 보도를 통행할 수 있다."),
    ("임상시험", "임상시험을 하려는 자는 식품의약품안전처장의 승인을 받아야 한다."),
    ("인공지능 학습데이터", "학습용 데이터의 수집과 이용에 관하여 필요한 사항을 정한다."),
]
QUERIES = [
    "원격의료를 하고 싶은데 화상통신 진료가 막혀 있어요",
    "선불충전금 발행 한도가 너무 낮아 전자금융업 등록을 못 합니다",
    "가명정보를 연구에 처리하려는데 결합 절차가 복잡해요",
    "자율주행자동차 시험운행 허가와 드론 비행 승인이 모두 필요해요",
    "배달로봇이 보도를 통행하려면 어떻게 하나요 임상시험 승인도 궁금합니다",
    "인공지능 학습데이터 수집 이용 기준이 없어요",
    "",
    "😀😀",
]


def _rows() -> list[dict]:
    """Forty laws (among 700 of filler) sharing topics in different mixes (so more laws match than
    the pruning keeps), each with a twice-repeated article (exact ties for a law's best article), a few decrees whose
    articles are indexed under their law (the laws' articles then do not sit side by side), and
    articles quoting other laws (the morpheme index's cited laws)."""
    rows: list[dict] = [  # filler, so that the topics' n-grams are rare enough to be indexed
        {
            "law_id": f"5{n:05d}",
            "name": f"일반행정 {n}호법",
            "articles": [{"no": "제1조", "title": "목적", "text": f"이 법은 행정 절차 {n}를 정한다."}],
        }
        for n in range(700)
    ]
    for n in range(40):
        picked = [TOPICS[(n * 3 + k) % len(TOPICS)] for k in range(1 + n % 4)]
        articles = [{"no": f"제{k}조", "title": t, "text": f"{x} {n}호"} for k, (t, x) in enumerate(picked, 1)]
        articles.append({"no": f"제{len(articles) + 1}조", "title": picked[0][0], "text": f"{picked[0][1]} {n}호"})
        if n % 5 == 0:
            articles.append(
                {"no": "제90조", "title": "다른 법률", "text": f"「시험법 {(n + 7) % 40}」에 따른 허가를 말한다."}
            )
        articles.append({"no": "제91조", "title": "삭제", "text": "삭제 <2020.1.1>"})
        rows.append({"law_id": f"{n:06d}", "name": f"시험법 {n}", "articles": articles})
    for n in (3, 17, 29):
        topic = TOPICS[n % len(TOPICS)]
        rows.append(
            {
                "law_id": f"9{n:05d}",
                "name": f"시험법 {n} 시행령",
                "role": "시행령",
                "parent_law_id": f"{n:06d}",
                "articles": [{"no": "제2조", "title": topic[0], "text": f"{topic[1]} 세부 기준"}],
            }
        )
    return rows


@pytest.fixture(scope="module")
def retriever() -> ArticleRetriever:
    rows = _rows()
    built = ArticleRetriever.build(rows)  # decree articles indexed under their law
    built.attach_morphemes(rows)
    return built


@pytest.fixture(scope="module")
def profiles(retriever: ArticleRetriever) -> CorpusProfiles:
    ministry_of = {law_id: f"부처{int(law_id) % 3}" for law_id in retriever.law_ids}
    names = {row["law_id"]: row["name"] for row in _rows()}
    return CorpusProfiles.build(retriever, ministry_of, names)


def reference_law_scores(
    retriever: ArticleRetriever, texts: list[str], top: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """The article n-gram scores, read plainly: the sparse product, each law's matching articles in
    the product's order, best first (a stable sort), the first three summed with decay; with
    ``top``, laws that cannot reach the ``top``-th best keep their best article's score."""
    queries = tfidf_transform(retriever.vectorizer, [t[:4000] for t in texts])
    sims = (queries @ retriever.matrix_t).tocsr()
    n_laws = len(retriever.law_ids)
    scores = np.zeros((len(texts), n_laws), dtype=np.float32)
    best = np.full((len(texts), n_laws), -1, dtype=np.int64)
    for row in range(len(texts)):
        by_law: dict[int, list[tuple[np.float32, int]]] = defaultdict(list)
        for article, value in zip(sims.indices[sims.indptr[row] : sims.indptr[row + 1]],
                                  sims.data[sims.indptr[row] : sims.indptr[row + 1]], strict=True):  # fmt: skip
            by_law[int(retriever.article_law[article])].append((value, int(article)))
        if not by_law:
            continue
        exact = set(by_law)
        if top is not None and top < n_laws:
            lower = np.zeros(n_laws, dtype=np.float32)
            for law, hits in by_law.items():
                lower[law] = max(value for value, _ in hits)
            lower *= retriever.prior
            kth = sorted(lower.tolist(), reverse=True)[top - 1]
            scores[row] = lower
            exact = {law for law in by_law if lower[law] * np.float32(sum(_DECAY)) >= kth}
            for law in range(n_laws):
                if lower[law] * np.float32(sum(_DECAY)) >= kth:
                    scores[row, law] = 0.0
        for law in exact:
            ranked = sorted(by_law[law], key=lambda hit: -hit[0])  # stable: ties keep the product's order
            total = np.float32(0.0)
            for weight, (value, _article) in zip(_DECAY, ranked, strict=False):
                total = np.float32(total + value * np.float32(weight))
            scores[row, law] = total * retriever.prior[law]
            best[row, law] = ranked[0][1]
    return scores, best


def reference_morpheme_scores(index, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """BM25 per article through a sparse product over the selected rows, the best
    ``SCORED_ARTICLES`` articles, each law's three best with decay, and the cited laws through a
    sparse product of the ``CITING_ARTICLES`` best articles' scores with their citations."""
    scores = np.zeros((len(texts), len(index.law_ids)), dtype=np.float32)
    cited = np.zeros_like(scores)
    for row, text in enumerate(texts):
        columns = sorted(
            {index.vocabulary[w] for w in (t.lower() for t in index.query_terms(text)) if w in index.vocabulary}
        )
        if not columns:
            continue
        sims = sparse.csr_matrix(index.idf[columns][np.newaxis, :]) @ index.matrix_t[columns]
        articles, values = sims.indices, sims.data
        if not len(values):
            continue
        if len(values) > SCORED_ARTICLES:
            kept = np.argpartition(-values, SCORED_ARTICLES - 1)[:SCORED_ARTICLES]
            articles, values = articles[kept], values[kept]
        by_law: dict[int, list[np.float32]] = defaultdict(list)
        for article, value in zip(articles, values, strict=True):
            by_law[int(index.article_law[article])].append(value)
        for law, hits in by_law.items():
            total = np.float32(0.0)
            for weight, value in zip(_DECAY, sorted(hits, reverse=True), strict=False):
                total = np.float32(total + value * np.float32(weight))
            scores[row, law] = total
        n = min(CITING_ARTICLES, len(values))
        top = np.argpartition(-values, n - 1)[:n]
        product = sparse.csr_matrix(values[top][np.newaxis, :]) @ index.citations[articles[top]]
        cited[row] = product.toarray().ravel()
    return scores * index.prior, cited * index.prior


def test_the_fixture_exercises_pruning_ties_and_decrees(retriever: ArticleRetriever):
    assert not np.all(np.diff(retriever.article_law) >= 0)  # decree articles sit after other laws
    matched = (tfidf_transform(retriever.vectorizer, QUERIES[:6]) @ retriever.matrix_t).tocsr()
    laws_matched = [len(set(retriever.article_law[matched[row].indices])) for row in range(6)]
    assert max(laws_matched) > 10  # more laws match than the pruning keeps exact


@pytest.mark.parametrize("top", [None, 3, 10])
def test_article_scores_equal_the_reference_to_the_bit(retriever: ArticleRetriever, top: int | None):
    scores, best = retriever.law_scores(QUERIES, top=top)
    expected_scores, expected_best = reference_law_scores(retriever, QUERIES, top)
    assert np.array_equal(scores, expected_scores)
    assert np.array_equal(best, expected_best)
    for row in range(len(QUERIES)):  # so the ranking is the same, ties included
        assert (
            np.argsort(-scores[row], kind="stable").tolist()
            == np.argsort(-expected_scores[row], kind="stable").tolist()
        )


def test_tied_best_articles_are_chosen_as_the_sparse_product_lists_them(retriever: ArticleRetriever):
    # each law repeats its first article word for word, so the best article ties whenever it matches
    scores, best = retriever.law_scores(QUERIES[:6], top=10)
    _, expected_best = reference_law_scores(retriever, QUERIES[:6], 10)
    tied = 0
    for row in range(6):
        for law in np.flatnonzero(best[row] >= 0):
            article = best[row, law]
            twins = [
                other
                for other in np.flatnonzero(retriever.article_law == law)
                if other != article and retriever.article_titles[other] == retriever.article_titles[article]
                and retriever.article_numbers[other] != retriever.article_numbers[article]
            ]  # fmt: skip
            tied += bool(twins)
    assert tied > 0
    assert np.array_equal(best, expected_best)


def test_batched_and_one_by_one_are_the_same(retriever: ArticleRetriever, profiles: CorpusProfiles):
    together = candidate_laws(retriever, QUERIES, profiles=profiles, k=10)
    alone = [candidate_laws(retriever, [text], profiles=profiles, k=10)[0] for text in QUERIES]
    assert together == alone
    scores, best = retriever.law_scores(QUERIES, top=5)
    for row, text in enumerate(QUERIES):
        one_scores, one_best = retriever.law_scores([text], top=5)
        assert np.array_equal(scores[row], one_scores[0]) and np.array_equal(best[row], one_best[0])


def test_morpheme_scores_equal_the_reference_to_the_bit(retriever: ArticleRetriever):
    index = retriever.morpheme_index
    assert index is not None and index.citations is not None and index.citations.nnz
    own, cited = index.scores(QUERIES)
    expected_own, expected_cited = reference_morpheme_scores(index, QUERIES)
    assert np.array_equal(own, expected_own)
    assert np.array_equal(cited, expected_cited)
    assert cited.any()


def test_profile_scores_equal_the_sparse_products(retriever: ArticleRetriever, profiles: CorpusProfiles):
    laws, ministries = profiles.scores(QUERIES)
    queries = tfidf_transform(profiles.vectorizer, QUERIES)
    assert np.array_equal(laws, (queries @ profiles.law_matrix_t).toarray() * profiles.law_prior)
    assert np.array_equal(ministries, (queries @ profiles.ministry_matrix_t).toarray())
    shared = query_ngrams(retriever.vectorizer, QUERIES)
    for got, expected in zip(profiles.scores(QUERIES, ngrams=shared), (laws, ministries), strict=True):
        assert np.array_equal(got, expected)
    for row, text in enumerate(QUERIES):  # one text: a dense pass instead of the sparse product
        one_laws, one_ministries = profiles.scores([text])
        assert np.array_equal(one_laws[0], laws[row]) and np.array_equal(one_ministries[0], ministries[row])


def test_tfidf_transform_matches_scikit_learn(retriever: ArticleRetriever):
    got = tfidf_transform(retriever.vectorizer, QUERIES)
    expected = retriever.vectorizer.transform(QUERIES)
    assert got.has_sorted_indices
    assert np.allclose(got.toarray(), expected.toarray(), atol=1e-6)
    assert np.array_equal(got.indptr, expected.indptr)


def test_derived_arrays_are_not_pickled_and_rebuilt_alike(retriever: ArticleRetriever, profiles: CorpusProfiles):
    before = candidate_laws(retriever, QUERIES, profiles=profiles, k=10)  # builds the derived arrays
    assert "_segments" in retriever.__dict__ and "_both" in profiles.__dict__
    retriever_copy, profiles_copy = pickle.loads(pickle.dumps((retriever, profiles)))
    assert "_segments" not in retriever_copy.__dict__ and "_both" not in profiles_copy.__dict__
    assert candidate_laws(retriever_copy, QUERIES, profiles=profiles_copy, k=10) == before


def test_an_index_of_another_dtype_ranks_alike(retriever: ArticleRetriever):
    wide = copy.copy(retriever)
    wide.__dict__.pop("_segments", None)
    wide.vectorizer = copy.deepcopy(retriever.vectorizer)
    wide.vectorizer.dtype = np.float64
    wide.matrix_t = retriever.matrix_t.astype(np.float64)
    scores, best = wide.law_scores(QUERIES[:6], top=10)
    expected_scores, expected_best = retriever.law_scores(QUERIES[:6], top=10)
    assert scores.dtype == np.float32  # the scores are float32 whatever the index
    assert np.allclose(scores, expected_scores, rtol=1e-5)
    assert np.array_equal(best, expected_best)
