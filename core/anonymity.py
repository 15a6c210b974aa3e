"""k-anonymity for barriers filed "without firm name" (기업명 비공개).

Such a barrier shows its sector and size class only, never the firm or its cluster. A regulator
who knows the field may still know the cluster, so the firm hides among the firms of its
sector × size × cluster cell; when that cell holds fewer than ``k`` firms (the filer included),
less is shown:

1. sector and size, when the sector × size × cluster cell has at least ``k`` firms;
2. sector only, when the sector × cluster cell (all sizes) has at least ``k`` firms;
3. nothing, otherwise.

A firm without a cluster is counted in the cell of firms without a cluster (``cluster=None``),
which is never larger than the whole sector, so this errs towards showing less.

``disclosable_profile`` is pure: it takes the population counts as a mapping. ``population_counts``
builds that mapping from ``firms.models.Firm``; call it once per request or batch, not per barrier.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

K_ANONYMITY = 5

Cell = tuple[str, str, str | None]  # (sector code, size class, cluster slug or None)


class Level(StrEnum):
    SECTOR_AND_SIZE = "sector_and_size"
    SECTOR = "sector"
    NOTHING = "nothing"


@dataclass(frozen=True, slots=True)
class Disclosure:
    """What may be shown about an unnamed filer; ``None`` fields must not be shown."""

    level: Level
    sector: str | None
    size: str | None


def disclosable_profile(
    *, sector: str, size: str, cluster: str | None, counts: Mapping[Cell, int], k: int = K_ANONYMITY
) -> Disclosure:
    """The most that can be shown about the filer while it hides among at least ``k`` firms."""
    if k < 1:
        raise ValueError("k must be at least 1")
    if counts.get((sector, size, cluster), 0) >= k:
        return Disclosure(Level.SECTOR_AND_SIZE, sector, size)
    same_sector_cluster = sum(n for (s, _size, c), n in counts.items() if s == sector and c == cluster)
    if same_sector_cluster >= k:
        return Disclosure(Level.SECTOR, sector, None)
    return Disclosure(Level.NOTHING, None, None)


def population_counts() -> dict[Cell, int]:
    """Number of firms per sector × size × cluster (a firm in two sectors counts in both)."""
    from django.db.models import Count

    from firms.models import Firm

    rows = (
        Firm.objects.filter(sectors__isnull=False)
        .values("sectors__code", "size_class", "cluster__slug")
        .annotate(n=Count("id", distinct=True))
        .order_by()
    )
    return {(row["sectors__code"], row["size_class"], row["cluster__slug"]): row["n"] for row in rows}
