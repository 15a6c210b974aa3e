"""Personal-data redaction: what must be masked, what must survive, and properties.

All personal data here is synthetic: invented names, 010-0000-xxxx numbers, example.com
addresses, BRNs built with the check digit, RRNs with made-up serials.
"""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.redaction import MASKS, Kind, agency_keep_terms, redact
from firms.brn import check_digit


def _brn(nine: str) -> str:
    ten = nine + str(check_digit(nine))
    return f"{ten[:3]}-{ten[3:5]}-{ten[5:]}"


VALID_BRN = _brn("116820027")  # 116-82-00276, the valid example of bad-inputs.md


# (_case, text, kind, the text that must disappear)
MUST_MASK = [
    ("name_role_before", "담당자 김철수에게 연락했으나 답이 없습니다.", Kind.NAME, "김철수"),
    ("name_title_after", "홍길동 대표는 회의에 오지 않았습니다.", Kind.NAME, "홍길동"),
    ("name_surname_and_title", "김 과장님이 서류를 돌려보냈습니다.", Kind.NAME, "김"),
    ("name_honorific_attached", "이영희님께서 접수하셨습니다.", Kind.NAME, "이영희"),
    ("name_honorific_ssi", "박민수 씨가 전화를 받았습니다.", Kind.NAME, "박민수"),
    ("name_official", "금융위원회 최지훈 사무관과 통화했습니다.", Kind.NAME, "최지훈"),
    ("name_labelled", "성명: 박다온", Kind.NAME, "박다온"),
    ("name_compound_surname", "남궁민수 팀장이 회신했습니다.", Kind.NAME, "남궁민수"),
    ("name_bare_in_sentence", "어제 정서연에게 들은 바로는 검토 중이라고 합니다.", Kind.NAME, "정서연"),
    ("phone_mobile_dashed", "연락처 010-0000-1234", Kind.PHONE, "010-0000-1234"),
    ("phone_mobile_spaced", "연락처 010 0000 1234 로 주세요", Kind.PHONE, "010 0000 1234"),
    ("phone_mobile_plain", "문자는 01000001234 로", Kind.PHONE, "01000001234"),
    ("phone_mobile_dotted", "휴대폰 010.0000.1234", Kind.PHONE, "010.0000.1234"),
    ("phone_seoul", "사무실 02-000-1234", Kind.PHONE, "02-000-1234"),
    ("phone_area_code", "공장 031-000-1234", Kind.PHONE, "031-000-1234"),
    ("phone_parenthesised", "대표번호 (02) 0000-1234", Kind.PHONE, "(02) 0000-1234"),
    ("phone_international", "해외에서는 +82 10 0000 1234", Kind.PHONE, "+82 10 0000 1234"),
    ("phone_international_dash", "해외에서는 +82-10-0000-1234", Kind.PHONE, "+82-10-0000-1234"),
    ("phone_fullwidth", "연락처 ０１０-００００-１２３４", Kind.PHONE, "０１０-００００-１２３４"),
    ("phone_fullwidth_dash", "연락처 010－0000－1234", Kind.PHONE, "010－0000－1234"),
    ("phone_voip", "인터넷전화 070-0000-1234", Kind.PHONE, "070-0000-1234"),
    ("email", "메일은 hong.gildong@example.com 입니다", Kind.EMAIL, "hong.gildong@example.com"),
    ("email_fullwidth_at", "메일 ceo＠example.co.kr", Kind.EMAIL, "ceo＠example.co.kr"),
    ("brn_dashed_valid", f"사업자등록번호 {VALID_BRN}", Kind.BRN, VALID_BRN),
    ("brn_dashed_no_context", f"법인({VALID_BRN})은", Kind.BRN, VALID_BRN),
    ("brn_bad_check_digit_shape", "번호 116-82-00277 확인", Kind.BRN, "116-82-00277"),
    ("brn_plain_in_context", "사업자번호 1168200276 법인", Kind.BRN, "1168200276"),
    ("brn_fullwidth", "사업자등록번호 １１６-８２-００２７６", Kind.BRN, "１１６-８２-００２７６"),
    ("rrn_dashed", "주민등록번호 900101-1000000", Kind.RRN, "900101-1000000"),
    ("rrn_spaced", "주민번호 900101 - 2000000", Kind.RRN, "900101 - 2000000"),
    ("rrn_partly_starred", "주민번호 900101-1******", Kind.RRN, "900101-1******"),
    ("rrn_fully_starred", "주민번호 620918-*******", Kind.RRN, "620918-*******"),
    ("rrn_plain", "번호 9001011000000 기재", Kind.RRN, "9001011000000"),
    ("road_address", "주소: 서울특별시 강남구 테헤란로 123, 4층", Kind.ADDRESS, "테헤란로 123, 4층"),
    ("road_address_copula", "본사는 서울 마포구 월드컵북로 400입니다.", Kind.ADDRESS, "월드컵북로 400"),
    ("road_address_gil", "사무실은 테헤란로7길 22 (역삼동)", Kind.ADDRESS, "테헤란로7길 22"),
    ("lot_address", "강남구 역삼동 123-45 소재", Kind.ADDRESS, "역삼동 123-45"),
    ("labelled_road_address", "사업장 소재지: 센텀중앙로 356", Kind.ADDRESS, "센텀중앙로 356"),
    ("address_at_line_end", "서울특별시 강남구 서초동 979-3\n다음 줄입니다", Kind.ADDRESS, "서초동 979-3"),
    ("lot_address_bunji", "서울특별시 성동구 성수동1가 656번지", Kind.ADDRESS, "성수동1가 656번지"),
    ("apartment_unit", "래미안 101동 1001호로 보내 주세요", Kind.ADDRESS, "101동 1001호"),
    ("account_bank_before", "국민은행 000000-00-000001 로 입금", Kind.ACCOUNT, "000000-00-000001"),
    ("account_bank_after", "환불 계좌 110-000-000001 (신한은행)", Kind.ACCOUNT, "110-000-000001"),
    ("account_that_looks_like_a_date", "반환 계좌: 452012-06-000001 우리은행", Kind.ACCOUNT, "452012-06-000001"),
    ("account_plain_digits", "카카오뱅크 333300000001 예금주", Kind.ACCOUNT, "333300000001"),
    ("card_grouped", "카드번호 4000-0000-0000-0002 승인 거절", Kind.CARD, "4000-0000-0000-0002"),
    ("card_partly_starred", "카드 1234-56**-****-1234 결제", Kind.CARD, "1234-56**-****-1234"),
    ("driver_licence", "운전면허 11-00-000001-00 확인", Kind.DRIVER_LICENCE, "11-00-000001-00"),
    ("passport", "여권번호 M00000001 사본", Kind.PASSPORT, "M00000001"),
]

# Text readers need: must come back unchanged.
MUST_KEEP = [
    ("statute_article_paragraph", "「개인정보 보호법」 제15조제1항에 따라 동의를 받았습니다."),
    ("statute_branch_article", "「도로교통법」 제13조의2 제1항 제3호에 해당합니다."),
    ("decree", "같은 법 시행령 제14조 및 제15조를 보면 14일 안에 처리해야 합니다."),
    ("amounts", "3,000만원을 투자했고 1억 2천만 원의 손실이 났습니다. 500억원 규모 시장입니다."),
    ("percentages", "매출이 30% 줄었고 점유율은 48.79%입니다."),
    ("dates", "2025. 3. 1.부터 2025-03-01까지, 2024년 11월 5일에 신청했습니다."),
    ("counts", "직원 12명, 회원사 35개사, 3건, 6개월, 2년이 걸렸습니다."),
    ("public_bodies", "식품의약품안전처와 금융위원회, 서울특별시, 중소벤처기업부에 문의했습니다."),
    ("public_bodies_2", "한국인터넷진흥원과 정보통신산업진흥원, 개인정보보호위원회가 검토합니다."),
    ("former_names", "기획재정부(현 재정경제부)와 산업통상자원부가 답했습니다."),
    ("firm_type_words", "주식회사 해치로보틱스는 스타트업이며 (주)한결핀테크와 협력합니다."),
    ("product_names", "자율주행 배송로봇과 AI 영상판독 소프트웨어를 개발했습니다."),
    ("common_words_before_titles", "정부 대표단과 한국 대표 기업, 업계 대표가 모였고 대표적인 사례입니다."),
    ("board_and_moving", "우리 회사 이사회에서 사무실 이사를 결정했습니다."),
    ("honorific_nouns", "고객님께 안내했고 선생님과 사장님이 동의했습니다."),
    ("determiners_before_titles", "제 과장님이 그러셨어요. 전 대표가 떠났고 현 대표는 새로 왔습니다."),
    ("particle_ro_and_number", "법으로 3개월 안에 처리하고 새로 2건을 접수했습니다."),
    ("place_names", "강남구와 마포구, 성남시 분당구에서 실증했습니다."),
    ("years_range", "1998-2002년 통계와 2019~2021년 자료"),
    ("law_number", "법률 제19234호로 개정되었습니다."),
    ("url_ids", "자료: https://example.com/view?id=100012127662611 참고"),
    ("representative_number", "콜센터 1588-0000으로 문의"),
    ("article_items", "제2조제1호 가목 및 제3조제2항 각 호"),
    ("cluster_names", "마곡과 상암, 여의도 핀테크 클러스터"),
]


@pytest.mark.parametrize(("_case", "text", "kind", "secret"), MUST_MASK, ids=[c[0] for c in MUST_MASK])
def test_personal_data_is_masked(_case, text, kind, secret):
    result = redact(text)

    assert secret not in result.text
    assert MASKS[kind] in result.text
    assert any(span.kind is kind and secret in span.original or span.original in secret for span in result.spans)


@pytest.mark.parametrize(("_case", "text"), MUST_KEEP, ids=[c[0] for c in MUST_KEEP])
def test_what_readers_need_is_kept(_case, text):
    result = redact(text)

    assert result.text == text, result.spans


def test_address_keeps_city_and_district():
    result = redact("서울특별시 강남구 테헤란로 123, 4층")

    assert result.text == "서울특별시 강남구 [주소]"


def test_spans_point_into_the_normalised_text():
    # NFD Hangul, a zero-width space and a leading blank: offsets are relative to the NFC text.
    raw = "  \u1112\u1169\u11bc\u1100\u1175\u11af\u1103\u1169\u11bc \ub300\ud45c\u200b 010-0000-1234"
    result = redact(raw)

    assert result.source == "홍길동 대표 010-0000-1234"
    for span in result.spans:
        assert result.source[span.start : span.end] == span.original
        assert result.text[span.masked_start : span.masked_end] == span.mask
    assert result.text == "[이름] 대표 [전화번호]"


def test_extra_terms_mask_what_the_official_adds():
    result = redact("해치로보틱스 물류센터에서 생긴 일", extra_terms=["해치로보틱스", ""])

    assert result.text == "[비공개] 물류센터에서 생긴 일"
    assert [span.kind for span in result.spans] == [Kind.EXTRA]


def test_keep_terms_are_never_masked():
    result = redact("정도원 대표와 만났다", keep_terms={"정도원"})

    assert result.text == "정도원 대표와 만났다"


@pytest.mark.django_db
def test_agency_names_from_the_directory_are_kept():
    from agencies.tests.factories import AgencyFactory

    AgencyFactory(name="한빛위원")

    keep = agency_keep_terms()

    assert "한빛위원" in keep and "금융위원회" in keep
    assert redact("한빛위원 대표가 말했다", keep_terms=keep).text == "한빛위원 대표가 말했다"


def test_without_the_analyser_numbers_and_titled_names_are_still_masked():
    result = redact("담당자 김철수 010-0000-1234, hong@example.com", analyse=False)

    assert result.text == "담당자 [이름] [전화번호], [이메일]"


def test_counts_by_kind():
    result = redact("홍길동 대표 010-0000-1234, 010-0000-5678")

    assert result.counts() == {"name": 1, "phone": 2}


def test_empty_and_blank_text():
    assert redact("").text == ""
    assert redact(" \u200b\u3164 ").spans == ()


@pytest.mark.parametrize(
    "text",
    [
        "1" * 100_000,
        "-1" * 50_000,
        "010-" * 25_000,
        "가" * 100_000,
        "로 1" * 30_000,
        "a@" * 50_000,
        "제1조의" * 20_000,
        "%" * 1_000 + "(a+)+$",
        "서울특별시 " * 20_000,
    ],
    ids=["digits", "minus_ones", "phone_prefixes", "hangul", "road_like", "at_signs", "articles", "percent", "cities"],
)
def test_hostile_long_inputs_finish_quickly(text):
    started = time.perf_counter()

    result = redact(text, analyse=False)

    assert time.perf_counter() - started < 10
    assert len(result.text) > 0


def test_controls_and_bidi_are_removed_before_masking():
    result = redact("홍길동\u202e 대표\x00 010-0000-1234")

    assert "\u202e" not in result.source and "\x00" not in result.source
    assert result.text == "[이름] 대표 [전화번호]"


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

SURNAMES = ["김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권", "황"]
SYLLABLES = list("민서지현준우하윤수영은도재예진유아연혜경성호훈빈원희채다주시태승나온린")
digits = st.text(alphabet="0123456789", min_size=4, max_size=4)
names = st.builds(
    lambda s, a, b: s + a + b, st.sampled_from(SURNAMES), st.sampled_from(SYLLABLES), st.sampled_from(SYLLABLES)
)
phones = st.builds(lambda a, b, sep: sep.join(["010", a, b]), digits, digits, st.sampled_from(["-", " ", "", "."]))
emails = st.builds(
    lambda user, n: f"{user}{n}@example.com", st.sampled_from(["hong", "kim.minsu", "ceo", "dev_team"]), digits
)
rrns = st.builds(
    lambda yy, mm, dd, g, rest: f"{yy:02d}{mm:02d}{dd:02d}-{g}{rest}",
    st.integers(0, 99),
    st.integers(1, 12),
    st.integers(1, 28),
    st.sampled_from("1234"),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
)
statutes = st.builds(
    lambda law, a, branch, p, h: f"「{law}」 제{a}조{branch} 제{p}항 제{h}호",
    st.sampled_from(["개인정보 보호법", "의료기기법", "여객자동차 운수사업법", "전자금융거래법"]),
    st.integers(1, 200),
    st.sampled_from(["", "의2", "의3"]),
    st.integers(1, 9),
    st.integers(1, 20),
)
pieces = st.one_of(
    st.builds(lambda n, t: f"{n} {t}", names, st.sampled_from(["대표", "과장님", "주무관", "씨"])),
    st.builds(lambda n: f"담당자 {n}에게", names),
    phones,
    emails,
    rrns,
    statutes,
    st.sampled_from(
        [
            "3,000만원",
            "1억 2천만 원",
            "30%",
            "2025. 3. 1.",
            "2025-03-01",
            "금융위원회",
            "서울특별시 강남구 테헤란로 123",
            "역삼동 123-45",
            "국민은행 000000-00-000001",
            "문의했으나 답이 없습니다.",
            "규제 때문에 출시가 늦어졌습니다.",
            "\n",
        ]
    ),
)
texts = st.lists(pieces, min_size=1, max_size=6).map(" ".join)
# Derandomized: CI must be repeatable; known idempotence gaps are pinned as xfail cases below.
PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)

PHONE_LEFT = re.compile(r"01[016789][-. ]?\d{3,4}[-. ]?\d{4}")
RRN_LEFT = re.compile(r"\d{6}\s*-\s*[1-8]\d{6}")
EMAIL_LEFT = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


@PROPERTY_SETTINGS
@given(texts)
def test_redacting_twice_is_redacting_once(text):
    once = redact(text).text

    assert redact(once).text == once


@PROPERTY_SETTINGS
@given(texts)
def test_masked_text_has_no_phone_rrn_or_email_left(text):
    masked = redact(text).text

    assert not PHONE_LEFT.search(masked)
    assert not RRN_LEFT.search(masked)
    assert not EMAIL_LEFT.search(masked)


@PROPERTY_SETTINGS
@given(st.lists(st.one_of(pieces, statutes), min_size=1, max_size=6), statutes)
def test_statute_references_survive(parts, statute):
    text = " ".join([*parts, statute])

    assert statute in redact(text).text


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "Z", "S", "C"]), max_size=200))
def test_any_text_gives_consistent_spans(text):
    result = redact(text, analyse=False)

    rebuilt, pos = [], 0
    for span in result.spans:
        assert pos <= span.start < span.end
        assert result.source[span.start : span.end] == span.original
        rebuilt += [result.source[pos : span.start], span.mask]
        pos = span.end
    rebuilt.append(result.source[pos:])
    assert "".join(rebuilt) == result.text


def test_a_title_that_starts_with_a_surname_is_not_a_name():
    # Found by the idempotence property: 주무관 (주 is a surname) was taken for a name before 담당자.
    once = redact("김민민 주무관 담당자 김민민에게").text
    assert once == "[이름] 주무관 담당자 [이름]에게"
    assert redact(once).text == once


@pytest.mark.xfail(strict=True, reason="known gap: the first pass misses some spans the second pass masks")
@pytest.mark.parametrize(
    "text",
    [
        "김민민 대표 김민민 대표 서울특별시 강남구 테헤란로 123 박하서 과장님",
        "김민민 대표 국민은행 000000-00-000001 010-0000-0000",
    ],
)
def test_known_idempotence_gaps(text):
    once = redact(text).text
    assert redact(once).text == once
