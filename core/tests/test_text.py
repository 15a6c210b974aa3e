from hypothesis import given
from hypothesis import strategies as st

from core.text import is_blank, normalize_identifier, normalize_text


def test_nfd_hangul_becomes_nfc():
    assert normalize_text("\u1112\u1161\u11ab\u1100\u1173\u11af") == "한글"


def test_invisible_and_bidi_characters_are_removed():
    assert normalize_text("보고서\u202efdp.exe\u200b") == "보고서fdp.exe"


def test_nul_and_controls_are_removed_but_newlines_kept():
    assert normalize_text("가\x00나\r\n다\x07") == "가나\n다"


def test_identifier_folds_full_width_and_spaces():
    assert normalize_identifier("ＡＢＣ　테크  랩") == "ABC 테크 랩"


def test_fillers_only_is_blank():
    assert is_blank("\u3164\u115f\u200b ")


@given(st.text())
def test_normalisation_is_idempotent(value):
    once = normalize_text(value)
    assert normalize_text(once) == once
    ident = normalize_identifier(value)
    assert normalize_identifier(ident) == ident
