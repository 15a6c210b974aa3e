from __future__ import annotations

from routing.references import extract_references


def _found(text, index):
    result = extract_references(text, index)
    return [(r.name, [a.number for a in r.articles]) for r in result.references]


def test_quoted_name_with_article(index):
    result = extract_references("「의료법」 제33조에 따라 개설할 수 없습니다.", index)
    assert result.references[0].how == "quoted"
    assert _found("「의료법」 제33조에 따라", index) == [("의료법", ["제33조"])]


def test_bare_name_without_spacing(index):
    assert _found("개인정보보호법 위반 소지", index) == [("개인정보 보호법", [])]


def test_abbreviation_resolves_to_official_name(index):
    assert _found("자본시장법상 투자자문업 등록", index)[0][0] == "자본시장과 금융투자업에 관한 법률"


def test_abbreviation_with_decree_suffix_resolves_to_the_decree(index):
    assert _found("자본시장법 시행령 제13조", index) == [("자본시장과 금융투자업에 관한 법률 시행령", ["제13조"])]


def test_same_law_backreference(index):
    found = _found("「의료법」 제33조와 같은 법 제34조", index)
    assert found == [("의료법", ["제33조"]), ("의료법", ["제34조"])]


def test_same_law_decree_backreference(index):
    found = _found("「의료법」 제33조 및 같은 법 시행령 제5조", index)
    assert found[1] == ("의료법 시행령", ["제5조"])


def test_dongbeop_backreference(index):
    assert _found("전자금융거래법 제21조 및 동법 제2조", index)[1] == ("전자금융거래법", ["제2조"])


def test_same_decree_backreference_without_decree_named_uses_the_law_decree(index):
    found = _found("개인정보 보호법 제15조에 따른 동의와 같은 영 제14조의2", index)
    assert found[1] == ("개인정보 보호법 시행령", ["제14조의2"])


def test_article_with_paragraph_and_item(index):
    result = extract_references("자본시장법 제13조의2 제1항 제3호", index)
    article = result.references[0].articles[0]
    assert (article.number, article.detail, article.exists) == ("제13조의2", "제1항 제3호", True)


def test_article_list_with_middle_dot(index):
    assert _found("개인정보 보호법 제15조·제17조", index) == [("개인정보 보호법", ["제15조", "제17조"])]


def test_article_range_is_expanded(index):
    found = _found("정보통신 진흥 및 융합 활성화 등에 관한 특별법 제36조부터 제38조까지", index)
    assert found == [("정보통신 진흥 및 융합 활성화 등에 관한 특별법", ["제36조", "제36조의2", "제37조", "제38조"])]


def test_article_without_je_right_after_name(index):
    assert _found("의료법 34조 때문에", index) == [("의료법", ["제34조"])]


def test_amount_in_jo_won_is_not_an_article(index):
    assert _found("의료법 시장 규모 1조 원", index) == [("의료법", [])]


def test_nonexistent_article_is_flagged(index):
    article = extract_references("의료법 제999조", index).references[0].articles[0]
    assert article.exists is False


def test_article_after_sentence_end_is_loose(index):
    result = extract_references("의료법이 문제입니다. 제5조는 별개", index)
    assert [a.number for a in result.loose_articles] == ["제5조"]


def test_unknown_quoted_name_is_kept_unresolved(index):
    result = extract_references("「전자금융감독업무시행세칙」 제3조", index)
    assert [(r.law_id, r.how) for r in result.references] == [(None, "unresolved")]


def test_medical_corporation_is_not_medical_act(index):
    assert _found("의료법인 설립 요건", index) == []


def test_same_corporation_is_not_a_backreference(index):
    assert _found("의료법 제33조와 같은 법인의", index) == [("의료법", ["제33조"])]


def test_statute_ids_are_unique_in_mention_order(index):
    result = extract_references("전금법 제21조, 의료법, 전자금융거래법 제2조", index)
    assert result.statute_ids() == ["010199", "001788"]


def test_nfd_text_is_normalised_before_matching(index):
    import unicodedata

    assert _found(unicodedata.normalize("NFD", "「의료법」 제33조"), index) == [("의료법", ["제33조"])]


def test_empty_and_emoji_only_text_yield_nothing(index):
    assert extract_references("", index).references == []
    assert extract_references("🙂🙂🙂", index).references == []


def test_very_long_text_is_cut_not_rejected(index):
    result = extract_references("의료법 " + "가" * 100_000, index)
    assert result.statute_ids() == ["001788"]


def test_governing_laws_are_the_laws_of_named_decrees_and_rules(index):
    result = extract_references("개인정보보호법 시행령 제14조의2와 전자금융감독규정상 망분리", index)
    assert index.records[result.governing_laws(index)[0]].name == "개인정보 보호법"
    assert index.records[result.governing_laws(index)[1]].name == "전자금융거래법"


def test_governing_laws_leave_out_a_law_the_text_names_itself(index):
    result = extract_references("「의료법」 제33조와 같은 법 시행령 제5조", index)
    assert result.governing_laws(index) == []
    assert extract_references("원격진료가 막혀 있습니다", index).governing_laws(index) == []
