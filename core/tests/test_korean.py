from core.korean import content_morphemes, content_morphemes_many, nouns


def test_compound_nouns_are_split():
    assert content_morphemes("배달로봇이 보도를 통행할 수 없어요")[:4] == ["배달", "로봇", "보도", "통행"]


def test_stems_kept_and_particles_dropped():
    tokens = content_morphemes("원격진료가 막혀 있어서")
    assert "막히" in tokens and "가" not in tokens


def test_nfd_input_analyses_like_nfc():
    nfd = "\u1112\u1161\u11ab\u1100\u1173\u11af \u1107\u1165\u11b8"  # 한글 법 in NFD
    assert content_morphemes(nfd) == content_morphemes("한글 법")


def test_foreign_words_lower_cased_and_no_stems_in_nouns():
    assert nouns("AI 모델이 없다") == ["ai", "모델"]


def test_empty_text_gives_no_tokens():
    assert content_morphemes("  \u200b ") == []


def test_a_batch_analyses_each_text_as_alone_and_keeps_empty_ones_in_place():
    texts = ["배달로봇이 보도를 못 다닙니다", "", "  ", "AI 학습데이터 개인정보 가명처리가 막혀 있어요"]
    assert content_morphemes_many(texts) == [content_morphemes(text) for text in texts]
    assert content_morphemes_many(texts, with_stems=False)[3] == content_morphemes(texts[3], with_stems=False)
