"""A cached reference table reloads once a watched model changes, and not before."""

from __future__ import annotations

import pytest

from core.reference_tables import ReferenceTable
from firms.models import Sector

pytestmark = pytest.mark.django_db


def _codes_table(key: str) -> ReferenceTable[list[str]]:
    return ReferenceTable(key, lambda: sorted(Sector.objects.values_list("code", flat=True)), watch=[Sector])


def test_a_saved_row_is_seen_at_once(django_capture_on_commit_callbacks):
    table = _codes_table("test:sectors:save")
    assert "quantum" not in table.get()
    with django_capture_on_commit_callbacks(execute=True):
        Sector.objects.create(code="quantum", name="양자", name_en="Quantum")
    assert "quantum" in table.get()


def test_a_deleted_row_is_gone_at_once(django_capture_on_commit_callbacks):
    sector = Sector.objects.create(code="quantum", name="양자", name_en="Quantum")
    table = _codes_table("test:sectors:delete")
    assert "quantum" in table.get()
    with django_capture_on_commit_callbacks(execute=True):
        sector.delete()
    assert "quantum" not in table.get()


def test_rows_are_read_from_the_cache_until_a_change(django_assert_num_queries):
    table = _codes_table("test:sectors:hits")
    table.get()
    with django_assert_num_queries(0):
        table.get()
    # bulk_create sends no signal: the cached rows stand until forget() is called.
    Sector.objects.bulk_create([Sector(code="quantum", name="양자", name_en="Quantum")])
    assert "quantum" not in table.get()
    table.forget()
    assert "quantum" in table.get()
