"""core.korean.MorphemesAhead: texts analysed ahead on a background thread give the same morphemes."""

from __future__ import annotations

import pytest

from core.korean import MorphemesAhead, content_morphemes, content_morphemes_many

TEXTS = [
    "배달로봇이 보도를 통행할 수 없어요",
    "원격진료가 막혀 있어서 환자가 병원에 가야 합니다",
    "AI 학습데이터 개인정보 가명처리가 막혀 있어요",
]


def test_submitted_texts_are_taken_from_the_lookahead_with_the_same_morphemes():
    expected = [content_morphemes(text) for text in TEXTS]
    with MorphemesAhead() as ahead:
        ahead.submit(TEXTS[:2])
        ahead.submit(TEXTS[2:])
        got = content_morphemes_many(TEXTS)
    assert got == expected
    assert (ahead.submitted, ahead.hits) == (3, 3)


def test_texts_never_submitted_are_analysed_in_place_and_order_is_kept():
    with MorphemesAhead() as ahead:
        ahead.submit([TEXTS[1]])
        got = content_morphemes_many([TEXTS[0], "", TEXTS[1], TEXTS[2]])
    assert got == [content_morphemes(TEXTS[0]), [], content_morphemes(TEXTS[1]), content_morphemes(TEXTS[2])]
    assert ahead.hits == 1


def test_each_submission_serves_one_use_and_a_repeat_is_analysed_again():
    with MorphemesAhead() as ahead:
        ahead.submit([TEXTS[0]])
        first = content_morphemes_many([TEXTS[0], TEXTS[0]])
        again = content_morphemes_many([TEXTS[0]])
    assert first == [content_morphemes(TEXTS[0])] * 2 and again == [content_morphemes(TEXTS[0])]
    assert ahead.hits == 1


def test_nouns_only_are_not_served_from_the_lookahead():
    with MorphemesAhead() as ahead:
        ahead.submit([TEXTS[0]])
        got = content_morphemes_many([TEXTS[0]], with_stems=False)
    assert got == [content_morphemes(TEXTS[0], with_stems=False)]
    assert ahead.hits == 0


def test_texts_are_matched_after_normalisation():
    nfd = "\u1112\u1161\u11ab\u1100\u1173\u11af \u1107\u1165\u11b8\uc774 \ubc14\ub00c\uc5c8\uc2b5\ub2c8\ub2e4"
    with MorphemesAhead() as ahead:
        ahead.submit([nfd, "   ", ""])
        got = content_morphemes_many(["한글 법이 바뀌었습니다"])
    assert got == [content_morphemes(nfd)]
    assert (ahead.submitted, ahead.hits) == (1, 1)


def test_nothing_is_served_once_the_block_is_left():
    with MorphemesAhead() as ahead:
        ahead.submit([TEXTS[0]])
    assert content_morphemes_many([TEXTS[0]]) == [content_morphemes(TEXTS[0])]
    assert ahead.hits == 0
    with pytest.raises(RuntimeError):
        ahead.submit([TEXTS[1]])


def test_a_text_already_waiting_is_not_submitted_again():
    with MorphemesAhead() as ahead:
        ahead.submit([TEXTS[0], TEXTS[0]])
        ahead.submit(TEXTS[:2])
        got = content_morphemes_many(TEXTS[:2])
    assert got == [content_morphemes(text) for text in TEXTS[:2]]
    assert (ahead.submitted, ahead.hits) == (2, 2)
