"""The real 기업마당 records: counts, idempotency, what was parsed and what was kept as text."""

import datetime as dt
import json

import pytest
from django.conf import settings

from programs.importers.bizinfo import default_path, import_bizinfo, read_records
from programs.models import ImportRun, SupportProgram
from programs.selectors import open_programs

pytestmark = pytest.mark.slow


@pytest.fixture
def real_path():
    path = default_path()
    if not path.is_file():
        pytest.skip(f"shared data not found under {settings.HAECHI_DATA_DIR}")
    return path


def test_real_records_import_once_and_again_changes_nothing(sectors, real_path):
    first = import_bizinfo(records=read_records(real_path), file_name=real_path.name)
    assert (first.records, first.created, first.updated, first.unchanged) == (1113, 1113, 0, 0)
    assert SupportProgram.objects.filter(source="bizinfo").count() == 1113
    report = first.report
    # periods: every record is either parsed into a kind or kept as text and reported
    period_counts = {k: v for k, v in report["parsed"].items() if k.startswith("period:")}
    assert sum(period_counts.values()) == 1113
    assert period_counts["period:dated"] == 208
    assert report["kept_as_text"]["period"] == period_counts["period:unparsed"] > 0
    assert "통지를 받은 날부터 30일 이내" in report["examples"]["period"]
    assert report["parsed"]["age:from_text"] >= 30
    # all are past announcements: none is open today, whatever their period says
    assert not open_programs(as_of=dt.date(2026, 11, 28)).filter(source="bizinfo").exists()
    second = import_bizinfo(records=read_records(real_path), file_name=real_path.name)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 1113)
    assert ImportRun.objects.count() == 2


def test_record_fields_are_mapped(sectors, tmp_path):
    record = {
        "pblancId": "PBLN_TEST_1",
        "pblancNm": "2021년 서울 로봇 테스트베드 실증 지원",
        "jrsdInsttNm": "서울특별시",
        "excInsttNm": "직접수행",
        "trgetNm": "중소기업",
        "areaNm": "서울",
        "industNm": "제조업(10~34)@정보통신업(58~63)",
        "pldirSportRealmLclasCodeNm": "기술",
        "pldirSportRealmMlsfcCodeNm": "기술사업화/이전/지도",
        "reqstBeginEndDe": "20210301 ~ 20210331",
        "bsnsSumryCn": "☞ 창업 후 7년 이내 중소기업&#40;예비창업자 포함&#41;",
        "pblancUrl": "/see/seea/selectSEEA140Detail.do?pblancId=PBLN_TEST_1",
        "creatPnttm": "2021-02-20 10:00:00",
    }
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n\n", encoding="utf-8")
    run = import_bizinfo(records=read_records(path), file_name="one.jsonl")
    assert run.created == 1
    program = SupportProgram.objects.get(external_id="PBLN_TEST_1")
    assert program.kind == "testbed"
    assert program.regions == ["서울"] and program.ksic_ranges == [[10, 34], [58, 63]]
    assert program.size_classes == ["small", "medium"] and program.max_age_years == 7
    assert program.allows_pre_founding and program.archived
    assert (program.opens_on, program.closes_on) == (dt.date(2021, 3, 1), dt.date(2021, 3, 31))
    assert program.summary == "☞ 창업 후 7년 이내 중소기업(예비창업자 포함)"
    assert program.url.startswith("https://www.bizinfo.go.kr/see/")
    assert list(program.sectors.values_list("code", flat=True)) == ["robots"]
    assert not program.sectors_required
    assert " 로봇 " in program.search_document


def test_broken_lines_are_refused_before_anything_is_saved(tmp_path, sectors):
    from core.errors import ValidationFailed

    path = tmp_path / "bad.jsonl"
    path.write_text('{"pblancId": "A", "pblancNm": "가"}\n{broken\n', encoding="utf-8")
    with pytest.raises(ValidationFailed):
        import_bizinfo(records=read_records(path), file_name="bad.jsonl")
    assert not SupportProgram.objects.exists()


def test_records_without_id_are_skipped_and_reported(tmp_path, sectors):
    path = tmp_path / "partial.jsonl"
    path.write_text('{"pblancNm": "이름만"}\n{"pblancId": "B", "pblancNm": "나", "reqstBeginEndDe": "상시"}\n')
    run = import_bizinfo(records=read_records(path), file_name="partial.jsonl")
    assert run.created == 1 and len(run.report["skipped"]) == 1
