"""Small hand-built statute index shared by the routing tests (no corpus, no database)."""

from __future__ import annotations

import pytest

from routing.statute_index import Article, StatuteIndex, StatuteRecord


def _articles(*numbers: str) -> tuple[Article, ...]:
    return tuple(Article(n, "") for n in numbers)


RECORDS = [
    StatuteRecord(
        "001788",
        "의료법",
        ministry="보건복지부",
        articles=(Article("제33조", "개설 등"), Article("제34조", "원격의료"), Article("제34조의2", "비대면진료")),
    ),
    StatuteRecord(
        "004482",
        "의료법 시행령",
        kind="대통령령",
        role="시행령",
        parent_law_id="001788",
        ministry="보건복지부",
        articles=_articles("제5조", "제6조"),
    ),
    StatuteRecord(
        "010199", "전자금융거래법", ministry="금융위원회", articles=_articles("제2조", "제21조", "제35조의2")
    ),
    StatuteRecord(
        "010513",
        "자본시장과 금융투자업에 관한 법률",
        ministry="금융위원회",
        articles=_articles("제9조", "제13조", "제13조의2"),
    ),
    StatuteRecord(
        "010514",
        "자본시장과 금융투자업에 관한 법률 시행령",
        kind="대통령령",
        role="시행령",
        parent_law_id="010513",
        ministry="금융위원회",
        articles=_articles("제13조", "제13조의2"),
    ),
    StatuteRecord(
        "011357",
        "개인정보 보호법",
        ministry="개인정보보호위원회",
        articles=_articles("제15조", "제17조", "제28조의2", "제28조의3"),
    ),
    StatuteRecord(
        "011358",
        "개인정보 보호법 시행령",
        kind="대통령령",
        role="시행령",
        parent_law_id="011357",
        ministry="개인정보보호위원회",
        articles=_articles("제3조", "제14조의2"),
    ),
    StatuteRecord(
        "009001",
        "정보통신 진흥 및 융합 활성화 등에 관한 특별법",
        ministry="과학기술정보통신부",
        articles=_articles("제35조", "제36조", "제36조의2", "제37조", "제38조", "제38조의2", "제39조"),
    ),
    StatuteRecord(
        "009002",
        "정보통신망 이용촉진 및 정보보호 등에 관한 법률",
        ministry="과학기술정보통신부",
        articles=_articles("제22조", "제23조"),
    ),
    StatuteRecord("001702", "상법", ministry="법무부", articles=_articles("제1조")),
    StatuteRecord("012001", "금융지주회사법", ministry="금융위원회", articles=_articles("제1조")),
]


@pytest.fixture(scope="session")
def index() -> StatuteIndex:
    return StatuteIndex.build(RECORDS)
