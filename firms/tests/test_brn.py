import pytest
from hypothesis import given
from hypothesis import strategies as st

from firms.brn import InvalidBRN, check_digit, format_brn, normalize_brn


def test_known_valid_number_is_accepted_with_dashes():
    assert normalize_brn("116-82-00276") == "1168200276"


def test_wrong_check_digit_is_refused_with_korean_message():
    with pytest.raises(InvalidBRN, match="검증 숫자"):
        normalize_brn("116-82-00277")


@pytest.mark.parametrize(
    "_case, raw",
    [
        ("all zeros", "000-00-00000"),
        ("nine digits", "116-82-0027"),
        ("eleven digits", "116-82-002761"),
        ("letters", "116-82-0027a"),
        ("empty", ""),
        ("arabic-indic digits", "١١٦٨٢٠٠٢٧٦"),
    ],
)
def test_malformed_numbers_are_refused(_case, raw):
    with pytest.raises(InvalidBRN):
        normalize_brn(raw)


@pytest.mark.parametrize(
    "_case, raw",
    [
        ("full-width digits", "１１６-８２-００２７６"),
        ("unicode hyphen", "116\u201082\u201000276"),
        ("minus sign", "116\u221282\u221200276"),
        ("full-width hyphen", "116\uff0d82\uff0d00276"),
        ("hangul eu typed for a dash", "116ㅡ82ㅡ00276"),
        ("spaces", " 116 82 00276 "),
    ],
)
def test_common_ways_of_typing_a_valid_number_are_accepted(_case, raw):
    assert normalize_brn(raw) == "1168200276"


@given(st.from_regex(r"\A[1-9][0-9]{2}[1-9][0-9][1-9][0-9]{3}\Z"))
def test_exactly_one_check_digit_is_valid_for_each_prefix(prefix):
    valid = []
    for last in range(10):
        try:
            normalize_brn(prefix + str(last))
            valid.append(last)
        except InvalidBRN:
            pass
    assert valid == [check_digit(prefix)]


def test_format_puts_dashes_in_the_usual_places():
    assert format_brn("1168200276") == "116-82-00276"
