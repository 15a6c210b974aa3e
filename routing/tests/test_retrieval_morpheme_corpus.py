"""What the morpheme index reads from the statute corpus file: whole articles, and each law's
시행령/시행규칙 under the law (the character n-gram index stays on the laws' own articles)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np

from routing.retrieval import MORPHEME_TEXT_CHARS, ArticleRetriever, candidate_laws


def _law(law_id: str, name: str, *articles: tuple[str, str], **extra: str) -> dict:
    return {
        "law_id": law_id,
        "name": name,
        "kind": extra.pop("kind", "법률"),
        "articles": [{"no": f"제{k}조", "title": t, "text": x} for k, (t, x) in enumerate(articles, 1)],
        **extra,
    }


# An article whose distinctive words come after a long common opening (as a real article's
# paragraphs and items do).
_OPENING = "이 조에서 정하는 사항 외에 필요한 사항은 대통령령으로 정한다. " * 12


def _corpus(tmp_path: Path) -> Path:
    rows = [
        _law(
            f"9{n:05d}",
            f"일반행정 {n}호법",
            ("목적", f"이 법은 행정 절차 {n}를 정한다. {_OPENING}"),
            ("서류", "서류 접수"),
        )
        for n in range(120)
    ]
    rows += [
        _law("001001", "선박관리법", ("선박의 관리", _OPENING + "선박의 수중드론 점검은 검사원이 입회하여야 한다.")),
        _law("002002", "승강기 안전법", ("안전검사", "승강기 관리주체는 정기검사를 받아야 한다.")),
        _law(
            "002003",
            "승강기 안전법 시행규칙",
            ("점검의 방법", "원격감시 장치를 설치한 승강기는 자체점검 주기를 달리 정할 수 있다."),
            kind="부령",
            role="시행규칙",
            parent_law_id="002002",
        ),
        _law(
            "002004",
            "승강기 안전법 시행령",
            ("안전관리자", "승강기 안전관리자의 선임 기준은 별표 1과 같다."),
            kind="대통령령",
            role="시행령",
            parent_law_id="002002",
        ),
        _law("003003", "행정규칙 모음", ("원격감시", "원격감시 장치 자체점검 기준"), kind="대통령령"),
    ]
    path = tmp_path / "statutes.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def test_words_past_the_opening_of_a_long_article_are_indexed(tmp_path):
    assert len(_OPENING) > 300 and len(_OPENING) + 40 < MORPHEME_TEXT_CHARS
    retriever = ArticleRetriever.from_corpus(_corpus(tmp_path))
    index = retriever.morpheme_index
    assert index is not None and index.text_chars == MORPHEME_TEXT_CHARS
    scores = index.law_scores(["수중드론 점검 때 검사원 입회를 요구받아요"])
    assert retriever.law_ids[int(np.argmax(scores[0]))] == "001001"


def test_a_rule_of_the_corpus_counts_for_its_law_in_the_morpheme_index_only(tmp_path):
    retriever = ArticleRetriever.from_corpus(_corpus(tmp_path))
    index = retriever.morpheme_index
    assert index is not None and index.decree_articles == 2
    # Only laws are candidates: the decree, the rule and the standalone decree are not among them.
    assert not {"002003", "002004", "003003"} & set(retriever.law_ids)
    assert not retriever.statute_names  # the character n-grams read the laws' own articles
    text = "원격감시 장치가 있어도 자체점검 주기가 같아요"
    scores = index.law_scores([text])
    assert retriever.law_ids[int(np.argmax(scores[0]))] == "002002"
    found = candidate_laws(retriever, [text], k=3)
    assert found[0][0].law_id == "002002" and found[0][0].morphemes == 1.0


def test_a_candidate_names_which_of_its_laws_decree_and_rule_the_text_concerns(tmp_path):
    retriever = ArticleRetriever.from_corpus(_corpus(tmp_path))
    texts = [
        "원격감시 장치가 있어도 자체점검 주기가 같아요",
        "안전관리자 선임 기준이 과해요",
        "관리주체가 정기검사를 받아야 해요",
    ]
    found = candidate_laws(retriever, texts, k=3)
    assert [row[0].law_id for row in found] == ["002002"] * 3
    assert found[0][0].decree == "002003"  # the rule's article matched
    assert found[1][0].decree == "002004"  # the decree's
    assert found[2][0].decree == ""  # only the law's own article did
    chosen: list[dict[int, str]] = []
    index = retriever.morpheme_index
    assert index is not None
    index.scores(texts, decrees=chosen)
    law = retriever.law_ids.index("002002")
    assert [c.get(law, "") for c in chosen] == ["002003", "002004", ""]
