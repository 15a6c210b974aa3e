import decimal

import pytest
from django.core.management import CommandError, call_command

from insights import importer
from insights.models import EcosystemIndicator, Target

pytestmark = pytest.mark.django_db


def test_seed_loads_the_studys_figures_and_both_unicorn_targets():
    call_command("load_ecosystem_indicators")
    values = list(EcosystemIndicator.objects.filter(code="ecosystem_value").values_list("as_of__year", "value"))
    assert values == [(2020, 47), (2021, 54), (2022, 223)]
    ranks = list(EcosystemIndicator.objects.filter(code="global_rank").values_list("as_of__year", "value"))
    assert ranks == [(2021, 16), (2022, 10)]
    unicorns = {t.value: t for t in Target.objects.filter(code="unicorns")}
    assert set(unicorns) == {40, 50}
    assert unicorns[50].is_current and not unicorns[40].is_current
    assert "서울 창업정책 2030" in unicorns[50].source and "서울연구원" in unicorns[40].source
    assert Target.objects.get(code="global_rank").value == 5


def test_seed_is_idempotent_and_keeps_admin_edits():
    call_command("load_ecosystem_indicators")
    forty = Target.objects.get(code="unicorns", value=40)
    Target.objects.filter(code="unicorns").update(is_current=False)
    Target.objects.filter(pk=forty.pk).update(is_current=True)  # the admin prefers the study's target
    EcosystemIndicator.objects.filter(code="global_rank", as_of__year=2022).update(note="검토함")
    call_command("load_ecosystem_indicators")
    assert EcosystemIndicator.objects.count() == 5 and Target.objects.count() == 3
    assert Target.objects.get(code="unicorns", is_current=True).value == 40
    assert EcosystemIndicator.objects.get(code="global_rank", as_of__year=2022).note == "검토함"


HEADER = "code,name,unit,value,as_of,source\n"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("unicorns,유니콘,개,abc,2023-12-31,x", "숫자가 아닙니다"),
        ("unicorns,유니콘,개,NaN,2023-12-31,x", "유한한 숫자"),
        ("unicorns,유니콘,개,Infinity,2023-12-31,x", "유한한 숫자"),
        ("unicorns,유니콘,마리,3,2023-12-31,x", "알 수 없는 단위"),
        ("unicorns,유니콘,개,3,2025-02-30,x", "날짜가 아닙니다"),
        ("Unicorns!,유니콘,개,3,2023-12-31,x", "코드는"),
        ("unicorns,,개,3,2023-12-31,x", "name 값이 비어"),
        ("ecosystem_value,가치,억 원,3,2023-12-31,x", "단위는 조 원"),
    ],
)
def test_bad_csv_rows_are_refused_with_line_numbers_and_nothing_loaded(tmp_path, line, message):
    call_command("load_ecosystem_indicators")
    before = EcosystemIndicator.objects.count()
    path = tmp_path / "indicators.csv"
    path.write_text(HEADER + "unicorns,유니콘,개,3,2024-12-31,서울시\n" + line + "\n", encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("load_ecosystem_indicators", indicators=path)
    assert "3행" in str(exc.value) and message in str(exc.value)
    assert EcosystemIndicator.objects.count() == before


def test_cp949_excel_csv_with_thousands_separator_loads(tmp_path):
    path = tmp_path / "indicators.csv"
    path.write_bytes((HEADER + 'unicorns,유니콘 기업 수,개,"1,024",2024-12-31,서울특별시\n').encode("cp949"))
    call_command("load_ecosystem_indicators", indicators=path)
    point = EcosystemIndicator.objects.get(code="unicorns")
    assert point.value == decimal.Decimal("1024") and point.name == "유니콘 기업 수"


def test_bom_and_formula_text_are_kept_as_plain_text(tmp_path):
    path = tmp_path / "indicators.csv"
    path.write_text("\ufeff" + HEADER + 'unicorns,=HYPERLINK("x"),개,1,2024-12-31,서울\n', encoding="utf-8")
    call_command("load_ecosystem_indicators", indicators=path)
    assert EcosystemIndicator.objects.get().name == '=HYPERLINK("x")'


def test_undecodable_file_is_a_clear_error(tmp_path):
    path = tmp_path / "indicators.csv"
    path.write_bytes(b"\xff\xfe\x00\x81\x00")
    with pytest.raises(importer.ImportFailed):
        list(importer.read_rows(path))


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError):
        call_command("load_ecosystem_indicators", indicators=tmp_path / "nope.csv")
