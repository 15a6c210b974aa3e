"""The sector table (reference data loaded by ``firms.reference_data.load_sectors``), cached.

Every filing and triage turns sector codes into rows; the table is tiny and changes only when the
reference data is reloaded or edited in the admin, so it is read from the cache and dropped from
it whenever a sector is saved or deleted (see ``barriers.deadlines`` for the same pattern).
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from firms.models import Sector

CACHE_SECONDS = 300
_KEY = "barriers:sectors:v1"


def sectors_by_code() -> dict[str, Sector]:
    """Every sector by code, in the Sector ordering."""
    table: dict[str, Sector] | None = cache.get(_KEY)
    if table is None:
        table = {sector.code: sector for sector in Sector.objects.all()}
        cache.set(_KEY, table, CACHE_SECONDS)
    return table


def forget_cached_sectors(**_kwargs: Any) -> None:
    """Drop the cached table now and again on commit (a reader in between may cache the old rows)."""
    cache.delete(_KEY)
    transaction.on_commit(lambda: cache.delete(_KEY))


post_save.connect(forget_cached_sectors, sender=Sector, dispatch_uid="barriers.sector_table.save")
post_delete.connect(forget_cached_sectors, sender=Sector, dispatch_uid="barriers.sector_table.delete")
