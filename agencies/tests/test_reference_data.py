from django.conf import settings

from agencies.models import Agency
from agencies.reference_data import infer_kind, load_agencies
from agencies.selectors import agency_by_name

MINISTRIES = settings.HAECHI_DATA_DIR / "ministries.tsv"


def test_loads_every_ministry_of_the_corpus_and_seoul_departments(db):
    report = load_agencies(ministries_path=MINISTRIES)
    assert report.created >= 73
    assert Agency.objects.get(name="금융위원회").statute_count > 0
    assert Agency.objects.get(code="seoul-economy").parent.code == "seoul"


def test_loading_twice_changes_nothing(db):
    load_agencies(ministries_path=MINISTRIES)
    again = load_agencies(ministries_path=MINISTRIES)
    assert (again.created, again.updated, again.aliases) == (0, 0, 0)


def test_former_names_and_abbreviations_resolve_to_current_agency(db):
    load_agencies(ministries_path=MINISTRIES)
    assert agency_by_name("기획재정부").name == "재정경제부"
    assert agency_by_name("산업통상자원부").name == "산업통상부"
    assert agency_by_name("금융위").name == "금융위원회"
    assert agency_by_name("없는 부처") is None


def test_kind_is_inferred_from_the_name():
    assert infer_kind("국토교통부") == "ministry"
    assert infer_kind("식품의약품안전처") == "agency"
    assert infer_kind("공정거래위원회") == "committee"
