from __future__ import annotations

import unicodedata

import pytest

from core.errors import ValidationFailed
from regulations.aliases import rule_aliases
from regulations.importer import import_statutes, index_articles
from regulations.selectors import search_articles, search_statutes, statute_by_name_or_alias, statutes_mentioned

pytestmark = pytest.mark.django_db


# -- aliases ---------------------------------------------------------------------------------


def test_rule_alias_shortens_about_law_to_its_head_noun():
    assert "위치정보법" in rule_aliases("위치정보의 보호 및 이용 등에 관한 법률")


def test_rule_alias_keeps_role_suffix():
    assert "자본시장법 시행령" in rule_aliases("자본시장과 금융투자업에 관한 법률 시행령")


def test_rule_alias_refuses_head_that_is_not_a_noun_phrase():
    assert not any(a.endswith("를법") for a in rule_aliases("국가를 당사자로 하는 계약에 관한 법률"))


def test_curated_alias_resolves_to_statute(imported):
    assert statute_by_name_or_alias("자본시장법").law_id == "009015"
    assert statute_by_name_or_alias("개인정보법").law_id == "011357"
    assert statute_by_name_or_alias("정보통신융합법").law_id == "011902"


def test_name_resolves_without_spaces_in_brackets_and_in_nfd(imported):
    assert statute_by_name_or_alias("「개인정보보호법」").law_id == "011357"
    assert statute_by_name_or_alias(unicodedata.normalize("NFD", "도로교통법")).law_id == "001638"


def test_unknown_name_resolves_to_none(imported):
    assert statute_by_name_or_alias("없는법") is None
    assert statute_by_name_or_alias("") is None


def test_mentions_prefer_the_longest_name(imported):
    mentions = statutes_mentioned("의료법 시행령 제1조와 도로교통법")

    assert [m.statute.name for m in mentions] == ["의료법 시행령", "도로교통법"]


# -- ranking table ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("_case", "query", "expected"),
    [
        ("official name", "의료법", "의료법"),
        ("abbreviation", "자본시장법", "자본시장과 금융투자업에 관한 법률"),
        ("abbreviation with topic", "개인정보법 가명정보", "개인정보 보호법"),
        ("descriptive", "배달로봇 보도 통행", "도로교통법"),
        ("sandbox words", "임시허가 기준 없음", "정보통신 진흥 및 융합 활성화 등에 관한 특별법"),
    ],
)
def test_statute_ranking(imported, _case, query, expected):
    assert search_statutes(query)[0].statute.name == expected


@pytest.mark.parametrize(
    ("_case", "query", "expected"),
    [
        ("article reference", "의료법 제33조", ("의료법", "제33조")),
        ("reference without 제", "도로교통법 13조의2", ("도로교통법", "제13조의2")),
        ("alias reference", "개인정보법 제28조의3", ("개인정보 보호법", "제28조의3")),
        ("descriptive", "배달로봇 보도 통행", ("도로교통법", "제2조")),
        ("descriptive 2", "원격의료 화상통신", ("의료법", "제34조")),
    ],
)
def test_article_ranking(imported, _case, query, expected):
    top = search_articles(query)[0]
    assert (top.statute.name, top.article.number) == expected


def test_descriptive_query_finds_pedestrian_path_rules(imported):
    numbers = [(h.statute.name, h.article.number) for h in search_articles("배달로봇 보도 통행")[:3]]

    assert ("도로교통법", "제8조") in numbers


def test_name_match_ranks_before_text_match(imported):
    hits = search_statutes("의료법")

    assert hits[0].match == "name"
    assert hits[1].statute.name == "의료법 시행령"


def test_snippet_marks_matches_and_escapes_html(imported):
    hit = search_articles("보도 통행")[0]

    assert "<mark>보도</mark>" in hit.snippet
    assert "<script" not in hit.snippet


def test_filters_by_kind_agency_and_sector(imported, agencies):
    assert {h.statute.kind for h in search_articles("목적", kind="대통령령")} == {"대통령령"}
    assert {h.statute.name for h in search_articles("통행", agency=agencies["경찰청"])} == {"도로교통법"}
    assert {h.statute.name for h in search_statutes("법", sector="fintech")} <= {
        "자본시장과 금융투자업에 관한 법률",
        "금융혁신지원 특별법",
    }
    assert search_articles("통행", agency="없는기관") == []


# -- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["", " ", "법", "%", "_", "%%%" * 300, "\\", '"', '"unbalanced', "*", "보도*", "NEAR(보도 통행)", "보도 OR 통행",
     "보도 AND NOT", "'; DROP TABLE x; --", "보도\u0000통행", "\u200b\u202e보도", "<script>alert(1)</script>", "：＊"],
)  # fmt: skip
def test_hostile_queries_never_fail(imported, query):
    search_statutes(query)
    search_articles(query)


def test_nfd_query_finds_the_same_as_nfc(imported):
    nfc = [h.article.pk for h in search_articles("보도 통행")]
    nfd = [h.article.pk for h in search_articles(unicodedata.normalize("NFD", "보도 통행"))]

    assert nfc == nfd and nfc


def test_too_long_query_is_refused_with_a_code(imported):
    with pytest.raises(ValidationFailed) as caught:
        search_articles("가" * 10_000)

    assert caught.value.code == "query_too_long"


def test_search_on_empty_database_returns_nothing(db):
    assert search_statutes("의료법") == []
    assert search_articles("보도 통행") == []


# -- the in-memory name table follows changes ---------------------------------------------------


def test_alias_saved_after_a_search_is_found_at_once(imported):
    from regulations.models import Statute, StatuteAlias

    assert statute_by_name_or_alias("보도통행법") is None
    StatuteAlias.objects.create(statute=Statute.objects.get(pk="001638"), name="보도통행법")

    assert statute_by_name_or_alias("보도통행법").law_id == "001638"
    assert search_statutes("보도통행법")[0].statute.law_id == "001638"
    assert [m.statute.law_id for m in statutes_mentioned("보도통행법 위반")] == ["001638"]


def test_renamed_and_deleted_statutes_leave_the_name_table(imported):
    from regulations.models import Statute

    assert statute_by_name_or_alias("의료법").law_id == "001788"
    statute = Statute.objects.get(pk="001788")
    statute.name = "의료인법"
    statute.save()

    assert statute_by_name_or_alias("의료인법").law_id == "001788"
    assert statute_by_name_or_alias("의료법") is None
    Statute.objects.filter(pk="001788").delete()
    assert statute_by_name_or_alias("의료인법") is None
    assert all(h.statute.law_id != "001788" for h in search_statutes("의료인법 원격의료"))


def test_mentions_are_word_initial_only(imported):
    assert statutes_mentioned("국민의료법 시행") == []
    assert [m.text for m in statutes_mentioned("도로교통법과 의료법")] == ["도로교통법", "의료법"]


def test_articles_without_token_ids_rank_the_same(imported):
    from regulations.models import Article

    query = "배달로봇 보도 통행 원격의료"
    with_ids = [(h.article.pk, h.score) for h in search_articles(query)]
    Article.objects.update(token_ids=None)

    assert [(h.article.pk, h.score) for h in search_articles(query)] == with_ids


def test_filtered_and_unfiltered_candidates_agree_within_the_filter(imported, agencies):
    unfiltered = [h.article.pk for h in search_articles("통행 보도 차마") if h.statute.name == "도로교통법"]
    filtered = [h.article.pk for h in search_articles("통행 보도 차마", agency=agencies["경찰청"])]

    assert filtered[: len(unfiltered)] == unfiltered and filtered


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"kind": "법률"},
        {"law_ids": ("001638",)},
        {"kind": "법률", "law_ids": ("001638",)},
        {"sector_code": "mobility"},
    ],
    ids=["none", "kind", "statute", "kind-and-statute", "sector"],
)
def test_postings_retrieve_what_the_full_text_index_retrieves(imported, filters):
    from regulations.models import SearchTerm
    from regulations.search import backend

    terms = list(SearchTerm.objects.filter(df__gt=0).exclude(token__startswith="#").values_list("token", flat=True))
    weighted = [(term, 1000 + len(terms) - k) for k, term in enumerate(sorted(terms)[:: max(1, len(terms) // 40)])]
    scope = backend.Filters(**filters)
    from_postings = backend.article_candidates(weighted_terms=weighted, filters=scope, limit=50)
    SearchTerm.objects.update(article_ids=None)  # statistics from before the postings: full-text index

    assert backend.article_candidates(weighted_terms=weighted, filters=scope, limit=50) == from_postings
    assert from_postings


# -- per-process tables ------------------------------------------------------------------------


@pytest.mark.parametrize("needle", ["법", "보호", "법률 시행령", "개인정보", "", "없는말", "법\n률"])
def test_names_containing_a_text_match_a_plain_scan(imported, needle):
    from regulations.search.names import name_table

    table = name_table()

    assert table.containing(needle) == (
        [law_id for name, law_id in table.names if needle in name],
        [(name, law_id) for name, law_id in table.aliases if needle in name],
    )


def test_corpus_table_holds_the_term_statistics_and_every_article(imported):
    from regulations.models import Article, SearchTerm
    from regulations.search.corpus import DOCS_KEY, corpus_table

    table = corpus_table()
    stored = dict(SearchTerm.objects.exclude(token__startswith="#").values_list("token", "df"))

    assert table.df == stored
    assert table.docs == SearchTerm.objects.get(token=DOCS_KEY).df == Article.objects.count()
    assert list(table.article_ids) == sorted(Article.objects.values_list("pk", flat=True))
    assert table.nbytes > 0


def test_an_article_added_by_a_later_import_passes_filters_at_once(imported, tmp_path):
    from regulations.tests.conftest import CORPUS, write_corpus

    assert search_articles("통행", kind="법률")  # loads this process's corpus table
    assert search_articles("우주선", kind="법률") == []
    grown = [dict(s, articles=[*s["articles"]]) for s in CORPUS]
    road = next(s for s in grown if s["law_id"] == "001638")
    added = {"no": "제99조", "title": "우주선", "chapter": "", "text": "우주선은 보도를 통행할 수 없다."}
    road["articles"].append(added)
    import_statutes(path=write_corpus(tmp_path / "grown.jsonl.gz", grown))
    index_articles()

    hits = search_articles("우주선", kind="법률")
    assert [(h.statute.law_id, h.article.number) for h in hits] == [("001638", "제99조")]
    assert search_articles("우주선", kind="대통령령") == []


@pytest.mark.parametrize(
    "term_ids",
    [[7, 1 << 20 | 3, 99, 123456789], [5, 1 << 20 | 5, 42], [42, 42, 8]],
    ids=["distinct-buckets", "shared-bucket", "identical-ids"],
)
def test_term_hits_find_every_occurrence_of_the_first_matching_term(term_ids):
    import numpy as np

    from regulations.search.engine import _term_hits

    terms = np.array(term_ids, dtype=np.uint32)
    ids = np.array([3, 7, 1 << 20 | 3, 5, 1 << 20 | 5, 42, 99, 7, 123456789, 1 << 21 | 7, 8], dtype=np.uint32)
    expected = [(k, term_ids.index(int(v))) for k, v in enumerate(ids) if int(v) in term_ids]

    hits, which = _term_hits(ids, terms)

    assert list(zip(hits.tolist(), which.tolist(), strict=True)) == expected
