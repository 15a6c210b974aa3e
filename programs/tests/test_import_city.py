import datetime as dt

import pytest

from core.errors import ValidationFailed
from firms.models import Cluster
from programs.importers.city import TEMPLATE_HEADER, import_city_programs
from programs.importers.tabular import excel_serial_to_date, read_table
from programs.models import ImportRun, ProgramNotice, SupportProgram
from programs.tests import xlsx

HEADER = (
    "식별자,사업명,사업개요,지원유형,대상분야,대상규모,대상성장단계,대상지역,대상클러스터,"
    "업력상한,접수시작,접수마감,접수방식,예산,선정규모,링크"
)
ROW1 = (
    "S-1,로봇 실증 지원,로봇 현장 실증,실증·테스트베드,robots;ai,소기업;중기업,초기;도약기,서울,상암,"
    "7,2026-01-05,2026-12-31,,3억 원,10,https://seoul.go.kr/x"
)
ROW2 = "S-2,핀테크 상시 상담,상담,컨설팅,핀테크,,,,,,,,상시 모집,,,"


@pytest.fixture
def cluster(db):
    return Cluster.objects.create(slug="sangam", name="상암", theme="미디어")


def csv_bytes(*rows, encoding="utf-8"):
    return ("\r\n".join([HEADER, *rows]) + "\r\n").encode(encoding)


def test_utf8_csv_imports_and_reimport_changes_nothing(sectors, cluster):
    run = import_city_programs(data=csv_bytes(ROW1, ROW2), file_name="programs.csv")
    assert (run.records, run.created, run.updated, run.unchanged) == (2, 2, 0, 0)
    robot = SupportProgram.objects.get(external_id="S-1")
    assert robot.kind == "testbed" and robot.size_classes == ["small", "medium"] and robot.stages == ["early", "leap"]
    assert sorted(robot.sectors.values_list("code", flat=True)) == ["ai", "robots"]
    assert list(robot.clusters.values_list("slug", flat=True)) == ["sangam"]
    assert (robot.max_age_years, robot.budget_krw, robot.places) == (7, 300_000_000, 10)
    assert robot.closes_on == dt.date(2026, 12, 31) and robot.sectors_required
    assert SupportProgram.objects.get(external_id="S-2").period_kind == "rolling"
    again = import_city_programs(data=csv_bytes(ROW1, ROW2), file_name="programs.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = import_city_programs(data=csv_bytes(ROW1.replace("10,https", "12,https"), ROW2), file_name="p.csv")
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    assert SupportProgram.objects.count() == 2


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp949", "euc-kr"])
def test_korean_excel_encodings_are_detected(sectors, cluster, encoding):
    import_city_programs(data=csv_bytes(ROW1, encoding=encoding), file_name="p.csv")
    assert SupportProgram.objects.get(external_id="S-1").title == "로봇 실증 지원"


def test_undecodable_csv_is_refused():
    with pytest.raises(ValidationFailed) as exc:
        read_table(data=b"\xff\xfe\x00\x41\x00" + bytes(range(128, 256)), file_name="p.csv")
    assert exc.value.code in {"bad_encoding", "bad_csv"}


def test_any_bad_row_refuses_the_whole_file(sectors, cluster):
    bad = "S-3,,요약,없는유형,우주,거대기업,,부산시,,-1,2026-02-30,2026-01-01,,많이,,javascript:alert(1)"
    with pytest.raises(ValidationFailed) as exc:
        import_city_programs(data=csv_bytes(ROW1, bad), file_name="p.csv")
    message = str(exc.value.message)
    assert "3행" in message and "사업명이 비어 있습니다" in message
    assert "지원유형 '없는유형'" in message and "대상분야 '우주'" in message
    assert SupportProgram.objects.count() == 0 and ImportRun.objects.count() == 0


def test_duplicate_ids_in_one_file_refused(sectors, cluster):
    with pytest.raises(ValidationFailed, match="두 번"):
        import_city_programs(data=csv_bytes(ROW1, ROW1), file_name="p.csv")


def test_missing_id_column_refused(sectors):
    with pytest.raises(ValidationFailed) as exc:
        import_city_programs(data="사업명\n가\n".encode(), file_name="p.csv")
    assert exc.value.code == "no_header"


@pytest.mark.parametrize(
    ("_case", "name", "data", "code"),
    [
        ("html renamed", "p.xlsx", b"<html><body>x</body></html>", "bad_type"),
        ("csv renamed", "p.xlsx", HEADER.encode(), "bad_type"),
        ("xlsm", "p.xlsm", xlsx.build([["a"]]), "bad_type"),
        ("zip as csv", "p.csv", xlsx.build([["a"]]), "bad_type"),
        ("exe", "p.exe", b"MZ", "bad_type"),
        ("empty", "p.csv", b"   ", "empty_file"),
        ("broken zip", "p.xlsx", b"PK\x03\x04garbage", "bad_xlsx"),
        ("vba", "p.xlsx", xlsx.build([["a"]], extra={"xl/vbaProject.bin": b"\x00" * 10}), "xlsx_macro"),
        (
            "xxe",
            "p.xlsx",
            xlsx.build(
                [["a"]],
                extra={
                    "xl/sharedStrings.xml": '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                    "<sst><si><t>&e;</t></si></sst>"
                },
            ),
            "xlsx_dtd",
        ),
        (
            "billion laughs",
            "p.xlsx",
            xlsx.build(
                [["a"]], replace={"[Content_Types].xml": '<!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><T/>'}
            ),
            "xlsx_dtd",
        ),
        (
            "external link",
            "p.xlsx",
            xlsx.build([["a"]], extra={"xl/externalLinks/externalLink1.xml": "<x/>"}),
            "xlsx_external",
        ),
        (
            "zip bomb",
            "p.xlsx",
            xlsx.build([["a"]], extra={"xl/media/pad.xml": "<a>" + "0" * 2_000_000 + "</a>"}),
            "zip_bomb",
        ),
    ],
)
def test_hostile_files_are_refused(_case, name, data, code):
    with pytest.raises(ValidationFailed) as exc:
        read_table(data=data, file_name=name)
    assert exc.value.code == code


def test_excel_serial_dates():
    assert excel_serial_to_date("45383") == dt.date(2024, 4, 1)
    assert excel_serial_to_date("0") is None and excel_serial_to_date("x") is None


def test_xlsx_imports_values_never_formulas(sectors, cluster):
    pytest.importorskip("openpyxl")
    rows = [
        TEMPLATE_HEADER[:4] + ["접수마감"],
        ["X-1", ('=HYPERLINK("http://x","클릭")', "캐시된 사업명"), "개요", "", 46387],
        [],
    ]
    rows[0] = ["식별자", "사업명", "사업개요", "수행기관", "접수마감"]
    import_city_programs(data=xlsx.build(rows), file_name="p.xlsx")
    program = SupportProgram.objects.get(external_id="X-1")
    assert program.title == "캐시된 사업명"
    assert program.closes_on == dt.date(2026, 12, 31)


def test_new_city_programs_notify_matching_firms_once(firm, cluster, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        import_city_programs(data=csv_bytes(ROW2), file_name="p.csv")
    assert ProgramNotice.objects.filter(firm=firm).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        import_city_programs(data=csv_bytes(ROW2), file_name="p.csv")
    assert ProgramNotice.objects.filter(firm=firm).count() == 1
