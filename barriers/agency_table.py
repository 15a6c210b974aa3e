"""Agency codes and names by id, cached (``core.reference_tables``).

Every row of a list page shows its lead agency. The table is small and changes only through the
admin or a reference-data reload, so list pages read it from the cache instead of joining the
agency table for each page (the join and the agency object per row cost more than the rows).
"""

from __future__ import annotations

from collections.abc import Iterable

from agencies.models import Agency
from core.reference_tables import ReferenceTable

AGENCIES = ReferenceTable(
    "barriers:agencies:v1",
    lambda: {pk: {"code": code, "name": name} for pk, code, name in Agency.objects.values_list("id", "code", "name")},
    watch=[Agency],
)


def agency_refs(agency_ids: Iterable[int | None]) -> dict[int, dict[str, str]]:
    """``{"code", "name"}`` of each agency among ``agency_ids`` (``None`` skipped)."""
    wanted = {pk for pk in agency_ids if pk is not None}
    table = AGENCIES.get()
    if not wanted <= table.keys():
        AGENCIES.forget()  # an agency added since the table was cached (in another process)
        table = AGENCIES.get()
    return {pk: table[pk] for pk in wanted if pk in table}
