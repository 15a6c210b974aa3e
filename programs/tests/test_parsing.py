import datetime as dt

import pytest

from programs import parsing


@pytest.mark.parametrize(
    ("_case", "raw", "kind", "opens", "closes"),
    [
        ("compact", "20210301 ~ 20210331", "dated", dt.date(2021, 3, 1), dt.date(2021, 3, 31)),
        ("dotted short end", "2021.3.2 ~ 3.31", "dated", dt.date(2021, 3, 2), dt.date(2021, 3, 31)),
        ("dashed", "2021-03-02~2021-04-01", "dated", dt.date(2021, 3, 2), dt.date(2021, 4, 1)),
        ("korean", "2021년 3월 2일 ~ 2021년 4월 1일", "dated", dt.date(2021, 3, 2), dt.date(2021, 4, 1)),
        ("rolling", "상시 접수", "rolling", None, None),
        ("all year", "연중\u2002수시", "rolling", None, None),
        ("budget", "예산 소진시까지", "until_exhausted", None, None),
        ("budget spaced", "예산\u2002소진시까지", "until_exhausted", None, None),
        ("first come", "선착순 접수", "first_come", None, None),
        ("varies", "세부사업별 상이", "varies", None, None),
        ("later", "추후 공지", "tbd", None, None),
        ("impossible date", "20210230 ~ 20210331", "unparsed", None, None),
        ("reversed", "20210331 ~ 20210301", "unparsed", None, None),
        ("free text", "통지를 받은 날부터 30일 이내", "unparsed", None, None),
        ("empty", "", "unparsed", None, None),
        ("none", None, "unparsed", None, None),
    ],
)
def test_parse_period(_case, raw, kind, opens, closes):
    period = parsing.parse_period(raw)
    assert (period.kind, period.opens_on, period.closes_on) == (kind, opens, closes)
    if kind == "unparsed":
        assert period.note


def test_all_regions_mean_nationwide():
    assert parsing.parse_regions("@".join(parsing.REGIONS)) == ([], [])
    assert parsing.parse_regions("서울@경기") == (["서울", "경기"], [])
    assert parsing.parse_regions("서울@화성") == (["서울"], ["화성"])


def test_industries_as_division_ranges():
    ranges, unknown = parsing.parse_industries("제조업(10~34)@정보통신업(58~63)@부동산업(68)@뭔가")
    assert ranges == [[10, 34], [58, 63], [68, 68]]
    assert unknown == ["뭔가"]


def test_ksic_division_of_code_and_section():
    assert parsing.ksic_division("62010") == (62, 62)
    assert parsing.ksic_division("J") == (58, 63)
    assert parsing.ksic_division("") is None


@pytest.mark.parametrize(
    ("_case", "text", "expected"),
    [
        ("within", "☞ 창업 후 7년 이내, 매출 20억원 미만의 중소기업", (None, False, 7, False)),
        ("under", "업력 3년 미만 기업", (None, False, 3, True)),
        ("at least", "설립 3년 이상 법인기업", (3, False, None, None)),
        ("startup parens", "예비창업자 및 스타트업 기업(3년 미만)", (None, False, 3, True)),
        ("none", "중소기업의 수출을 지원합니다", (None, False, None, None)),
    ],
)
def test_parse_text_ages(_case, text, expected):
    found = parsing.parse_text(text)
    got = (found.min_age_years, found.min_age_strict, found.max_age_years)
    assert got == expected[:3]
    if expected[3] is not None:
        assert found.max_age_strict is expected[3]


def test_parse_text_clues():
    found = parsing.parse_text("서울 소재 예비창업자, 로봇·인공지능 분야 테스트베드 실증 지원")
    assert found.seoul_only and found.mentions_pre_founding
    assert found.sector_hints == ["robots", "ai"]
    assert found.kind_hint == "testbed"


def test_clean_text_decodes_entities_and_tags():
    assert parsing.clean_text("중소기업&#40;팀&#41;<br>지원") == "중소기업(팀) 지원"


@pytest.mark.parametrize(("raw", "amount"), [("3억 원", 300_000_000), ("1,500만원", 15_000_000), ("미정", None)])
def test_parse_krw(raw, amount):
    assert parsing.parse_krw(raw) == amount
