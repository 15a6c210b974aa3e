from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from routing.statute_index import (
    CURATED_ALIASES,
    StatuteIndex,
    StatuteRecord,
    derived_aliases,
    read_curated_aliases,
    squeeze,
)

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "data"


def test_by_name_ignores_spacing_and_dot_variants(index):
    assert index.by_name("개인정보보호법").law_id == "011357"
    assert index.by_name("자본시장과  금융투자업에 관한 법률").law_id == "010513"


def test_curated_alias_resolves(index):
    assert index.by_name("자본시장법").law_id == "010513"
    assert index.by_name("전금법").law_id == "010199"


def test_child_finds_decree_of_law(index):
    assert index.child("001788", "시행령") == "004482"


def test_child_of_a_decree_goes_through_its_law(index):
    assert index.child("004482", "시행령") == "004482"


def test_law_of_decree_is_parent(index):
    assert index.law_of("004482") == "001788"
    assert index.law_of("001788") == "001788"


def test_article_range_follows_corpus_order(index):
    assert index.article_range("009001", "제36조", "제38조") == ["제36조", "제36조의2", "제37조", "제38조"]


def test_article_range_of_unknown_articles_keeps_endpoints(index):
    assert index.article_range("009001", "제90조", "제99조") == ["제90조", "제99조"]


def test_find_names_is_leftmost_longest(index):
    hits = index.find_names("자본시장과 금융투자업에 관한 법률 시행령에 따라")
    assert [h.law_id for h in hits] == ["010514"]


def test_find_names_rejects_name_inside_a_word(index):
    assert index.find_names("영업상법적 문제") == []


def test_find_names_rejects_name_running_into_another_word(index):
    assert index.find_names("의료법인 설립") == []


def test_find_names_rejects_short_name_split_by_spaces(index):
    assert index.find_names("사업 상 법 적용") == []


def test_find_names_accepts_particles_after_name(index):
    assert [h.law_id for h in index.find_names("의료법상 금지")] == ["001788"]


def test_find_names_handles_full_width_and_middle_dot_variants():
    index = StatuteIndex.build([StatuteRecord("1", "주식ㆍ사채 등의 전자등록에 관한 법률")], curated=None)
    assert [h.law_id for h in index.find_names("주식·사채 등의 전자등록에 관한 법률")] == ["1"]


def test_find_names_offsets_point_into_the_text(index):
    text = "「의료법」 제33조"
    hit = index.find_names(text)[0]
    assert text[hit.start : hit.end] == "의료법"


def test_derived_alias_takes_first_word_of_long_name():
    assert "정보통신망법" in derived_aliases("정보통신망 이용촉진 및 정보보호 등에 관한 법률")


def test_derived_alias_takes_initials_of_compound():
    assert "전금법" in derived_aliases("전자금융거래법")


def test_derived_alias_joins_the_subject_and_the_matter_of_a_long_name():
    assert "산업기술보호법" in derived_aliases("산업기술의 유출방지 및 보호에 관한 법률")
    assert "신용정보보호법" in derived_aliases("신용정보의 이용 및 보호에 관한 법률")
    assert "외감법" in derived_aliases("주식회사 등의 외부감사에 관한 법률")
    assert "의료법" not in derived_aliases("의료기기산업 육성 및 혁신의료기기 지원법")  # no 에 관한: no such rule


def test_derived_alias_never_produces_ordinary_words():
    assert "개정법" not in derived_aliases("개인정보 보호법")
    assert "금지법" not in derived_aliases("금융지주회사법")


def test_derived_alias_claimed_by_two_laws_is_dropped():
    index = StatuteIndex.build(
        [StatuteRecord("1", "전자금융거래법"), StatuteRecord("2", "전기금속거래법")], curated=None, extra_rules=None
    )
    assert index.by_name("전금법") is None


def test_extra_rules_are_indexed_with_their_agency(index):
    record = index.by_name("전자금융감독규정")
    assert record is not None and record.ministry == "금융위원회"


def test_squeeze_folds_spaces_case_and_width():
    assert squeeze("AI  기본법") == squeeze("ａｉ기본법") == "ai기본법"


def test_empty_index_finds_nothing():
    assert StatuteIndex.build([], curated=None, extra_rules=None).find_names("의료법") == []


@pytest.mark.slow
def test_every_curated_alias_names_a_corpus_statute():
    with gzip.open(CORPUS / "statutes.jsonl.gz", "rt", encoding="utf-8") as handle:
        names = {json.loads(line)["name"] for line in handle}
    missing = [(alias, name) for alias, name in read_curated_aliases(CURATED_ALIASES) if name not in names]
    assert missing == []


@pytest.mark.slow
def test_from_corpus_reads_the_sector_subset():
    index = StatuteIndex.from_corpus(CORPUS / "statutes-sectors.jsonl.gz")
    assert index.by_name("전자금융거래법").ministry == "금융위원회"
    assert index.by_name("자본시장법") is not None


@pytest.mark.django_db
def test_from_database_reads_regulations_models_when_they_exist():
    from django.apps import apps

    try:
        statute_model = apps.get_model("regulations", "Statute")
    except LookupError:
        pytest.skip("regulations.Statute does not exist yet (issue 5)")
    from agencies.tests.factories import AgencyFactory

    agency = AgencyFactory(name="보건복지부")
    statute_model.objects.create(law_id="001788", name="의료법", kind="법률", agency=agency)
    index = StatuteIndex.from_database()
    assert index.by_name("의료법").ministry == "보건복지부"


def test_governing_law_of_a_decree_and_of_an_administrative_rule(index):
    assert index.governing_law("004482") == "001788"  # 의료법 시행령 → 의료법
    rule = index.by_name("전자금융감독규정")
    assert rule is not None and index.governing_law(rule.law_id) == "010199"  # → 전자금융거래법
    assert index.law_of(rule.law_id) == rule.law_id  # a 고시 stays a statute of its own for law_of
    assert index.governing_law("001788") is None  # a law implements no other law
    assert index.governing_law("없는 id") is None
