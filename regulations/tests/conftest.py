"""A tiny statute corpus in the real format, imported and indexed for each test that needs it."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from agencies.models import AgencyAlias
from agencies.tests.factories import AgencyFactory
from regulations.aliases import derive_aliases
from regulations.importer import import_statutes, index_articles
from regulations.sandbox import load_sandbox


def statute(
    law_id: str, name: str, kind: str, ministry: str, articles: list[tuple[str, str, str]], **extra: Any
) -> dict[str, Any]:
    return {
        "law_id": law_id,
        "mst": int(law_id),
        "name": name,
        "name_original": None,
        "kind": kind,
        "kind_detail": kind,
        "role": extra.pop("role", None),
        "parent_law_id": extra.pop("parent_law_id", None),
        "parent_name": None,
        "ministries": [ministry],
        "promulgated": "2024-01-02",
        "promulgation_no": "1",
        "effective": "2024-07-01",
        "revision": "일부개정",
        "in_force": True,
        "source_url": "https://www.law.go.kr/법령/x",
        "pending": None,
        "notes": [],
        "annexes": [],
        "articles": [{"no": no, "title": title, "chapter": "", "text": text} for no, title, text in articles],
        **extra,
    }


CORPUS: list[dict[str, Any]] = [
    statute(
        "001788",
        "의료법",
        "법률",
        "보건복지부",
        [
            (
                "제1조",
                "목적",
                "이 법은 국민의료에 필요한 사항을 규정함으로써 국민의 건강을 보호하고 증진하는 데에 목적이 있다.",
            ),
            ("제33조", "개설 등", "① 의료인은 이 법에 따른 의료기관을 개설하지 아니하고는 의료업을 할 수 없다."),
            (
                "제34조",
                "원격의료",
                "① 의료인은 컴퓨터ㆍ화상통신 등 정보통신기술을 활용하여 "
                "먼 곳에 있는 의료인에게 의료지식이나 기술을 지원하는 원격의료를 할 수 있다.",
            ),
        ],
        sector="bio_health",
    ),
    statute(
        "002000",
        "의료법 시행령",
        "대통령령",
        "보건복지부",
        [("제1조", "목적", "이 영은 「의료법」에서 위임된 사항과 그 시행에 필요한 사항을 규정함을 목적으로 한다.")],
        role="시행령",
        parent_law_id="001788",
        sector="bio_health",
    ),
    statute(
        "001638",
        "도로교통법",
        "법률",
        "경찰청",
        [
            ("제8조", "보행자의 통행", "① 보행자는 보도와 차도가 구분된 도로에서는 언제나 보도로 통행하여야 한다."),
            ("제13조", "차마의 통행", "① 차마의 운전자는 보도와 차도가 구분된 도로에서는 차도로 통행하여야 한다."),
            (
                "제13조의2",
                "자전거등의 통행방법의 특례",
                "① 자전거등의 운전자는 자전거도로가 따로 있는 곳에서는 그 자전거도로로 통행하여야 한다.",
            ),
            (
                "제2조",
                "정의",
                "이 법에서 사용하는 용어의 뜻은 다음과 같다.\n"
                '1. "실외이동로봇"이란 배달 등을 위하여 보도를 이동하는 로봇을 말한다.',
            ),
        ],
        sector="mobility",
    ),
    statute(
        "009015",
        "자본시장과 금융투자업에 관한 법률",
        "법률",
        "금융위원회",
        [("제1조", "목적", "이 법은 자본시장에서의 금융혁신과 공정한 경쟁을 촉진하고 투자자를 보호한다.")],
        sector="fintech",
    ),
    statute(
        "011357",
        "개인정보 보호법",
        "법률",
        "개인정보보호위원회",
        [
            (
                "제28조의3",
                "가명정보의 결합 제한",
                "① 서로 다른 개인정보처리자 간의 가명정보의 결합은 전문기관이 수행한다.",
            )
        ],
        sector="ai_data_privacy",
    ),
    statute(
        "011902",
        "정보통신 진흥 및 융합 활성화 등에 관한 특별법",
        "법률",
        "과학기술정보통신부",
        [
            (
                "제36조",
                "신규 정보통신융합등 기술ㆍ서비스의 신속처리",
                "① 허가등의 필요 여부 등을 확인하여 줄 것을 신청할 수 있다.",
            ),
            ("제37조", "임시허가", "① 기준ㆍ규격ㆍ요건 등이 없는 경우 임시로 허가등을 신청할 수 있다."),
            (
                "제38조의2",
                "실증을 위한 규제특례",
                "① 허가등을 신청하는 것이 불가능한 경우 실증을 위한 규제특례를 신청할 수 있다.",
            ),
        ],
        sector="sandbox_general",
    ),
    statute(
        "013235",
        "금융혁신지원 특별법",
        "법률",
        "금융위원회",
        [
            ("제4조", "혁신금융서비스의 지정", "① 금융위원회는 2년의 범위 내에서 혁신금융서비스를 지정할 수 있다."),
            ("제24조", "규제 신속 확인", "① 법령 등의 적용 여부 등을 확인해 줄 것을 신청할 수 있다."),
        ],
        sector="fintech",
    ),
]


def write_corpus(path: Path, rows: list[dict[str, Any]] | list[str], *, gz: bool = True) -> Path:
    lines = "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows)
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(lines)
    else:
        path.write_text(lines, encoding="utf-8")
    return path


@pytest.fixture
def corpus_path(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "statutes.jsonl.gz", CORPUS)


@pytest.fixture
def agencies(db):
    made = {
        name: AgencyFactory(name=name)
        for name in ["보건복지부", "경찰청", "금융위원회", "개인정보보호위원회", "과학기술정보통신부"]
    }
    return made


@pytest.fixture
def imported(db, sectors, agencies, corpus_path):
    """The tiny corpus imported, aliased, indexed, with the sandbox data loaded."""
    import_statutes(path=corpus_path)
    derive_aliases()
    index_articles()
    load_sandbox()
    return corpus_path


@pytest.fixture
def renamed_agency(db):
    agency = AgencyFactory(name="재정경제부")
    AgencyAlias.objects.create(agency=agency, name="기획재정부", kind=AgencyAlias.Kind.FORMER)
    return agency
