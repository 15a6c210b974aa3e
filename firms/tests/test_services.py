import pytest

from core.errors import Conflict, ValidationFailed
from firms.models import Firm
from firms.services import register_firm


def test_register_firm_stores_ten_digits_and_sectors(sectors):
    firm = register_firm(name="페이브릿지", business_registration_number="116-82-00276", sector_codes=["fintech", "ai"])
    assert firm.business_registration_number == "1168200276"
    assert sorted(s.code for s in firm.sectors.all()) == ["ai", "fintech"]


def test_register_firm_refuses_a_duplicate_number_however_typed(sectors):
    register_firm(name="A", business_registration_number="116-82-00276", sector_codes=["fintech"])
    with pytest.raises(Conflict) as info:
        register_firm(name="B", business_registration_number="１１６８２００２７６", sector_codes=["ai"])
    assert info.value.code == "duplicate_brn"
    assert Firm.objects.count() == 1


def test_register_firm_normalises_nfd_and_zero_width_names(sectors):
    nfd_name = "\u1112\u1161\u11ab\u1100\u1173\u11af\u200b테크"  # 한글 in NFD plus a zero-width space
    firm = register_firm(name=nfd_name, business_registration_number="116-82-00276", sector_codes=["ai"])
    assert firm.name == "한글테크"


@pytest.mark.parametrize(
    "_case, name", [("zero-width only", "\u200b\u200b"), ("hangul filler", "\u3164"), ("blank", "  ")]
)
def test_register_firm_refuses_invisible_names(sectors, _case, name):
    with pytest.raises(ValidationFailed) as info:
        register_firm(name=name, business_registration_number="116-82-00276", sector_codes=["ai"])
    assert info.value.field == "name"
    assert not Firm.objects.exists()


def test_register_firm_refuses_unknown_sector(sectors):
    with pytest.raises(ValidationFailed):
        register_firm(name="A", business_registration_number="116-82-00276", sector_codes=["space-mining"])
    assert not Firm.objects.exists()


def test_ksic_code_suggests_sectors(sectors):
    from firms.selectors import sectors_for_ksic

    assert [s.code for s in sectors_for_ksic("29280")] == ["robots"]
    assert [s.code for s in sectors_for_ksic("58222")] == ["ai"]
    assert sectors_for_ksic("") == []
