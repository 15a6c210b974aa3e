"""The sector table (reference data loaded by ``firms.reference_data.load_sectors``), cached.

Every filing and triage turns sector codes into rows; the table is tiny and changes only when the
reference data is reloaded or edited in the admin (see ``core.reference_tables``).
"""

from __future__ import annotations

from core.reference_tables import ReferenceTable
from firms.models import Sector

SECTORS = ReferenceTable(
    "barriers:sectors:v1", lambda: {sector.code: sector for sector in Sector.objects.all()}, watch=[Sector]
)


def sectors_by_code() -> dict[str, Sector]:
    """Every sector by code, in the Sector ordering."""
    return SECTORS.get()


def forget_cached_sectors() -> None:
    """Drop the cached table (e.g. after a sector was added in another process)."""
    SECTORS.forget()
