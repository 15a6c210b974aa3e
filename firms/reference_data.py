"""Seed sectors, KSIC codes and clusters from curated files and ../shared/data/real/ksic."""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

from core.tsv import read_tsv, split_list
from firms.models import Cluster, KsicCode, Sector, SeoulDistrict

DATA_DIR = Path(__file__).parent / "data"


@transaction.atomic
def load_sectors(*, path: Path = DATA_DIR / "sectors.tsv") -> int:
    """Create or update the sectors; returns how many rows were read."""
    rows = list(read_tsv(path))
    for row in rows:
        Sector.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "name_en": row["name_en"],
                "ordering": int(row["ordering"]),
                "ksic_prefixes": split_list(row["ksic_prefixes"]),
                "description": row["description"],
            },
        )
    return len(rows)


@transaction.atomic
def load_ksic(*, path: Path) -> int:
    """Load the 10th-revision KSIC codes (all levels) from ``ksicDB.csv``; idempotent."""
    wanted: dict[str, tuple[str, int]] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            if row.get("ksic_C") == "C10":
                wanted[row["cd"]] = (row["nm"].strip(), int(row["digit"]))
    existing = {k.code: k for k in KsicCode.objects.all()}
    new = [KsicCode(code=c, name=n, level=lv) for c, (n, lv) in wanted.items() if c not in existing]
    KsicCode.objects.bulk_create(new, batch_size=500)
    changed = []
    for code, (name, level) in wanted.items():
        current = existing.get(code)
        if current and (current.name != name or current.level != level):
            current.name, current.level = name, level
            changed.append(current)
    KsicCode.objects.bulk_update(changed, ["name", "level"], batch_size=500)
    return len(wanted)


@transaction.atomic
def load_clusters(*, path: Path = DATA_DIR / "clusters.tsv") -> int:
    """Create clusters that do not exist yet; never overwrite what officials edited in the admin."""
    district_codes = {str(label): value for value, label in SeoulDistrict.choices}
    rows = list(read_tsv(path))
    for row in rows:
        cluster, created = Cluster.objects.get_or_create(
            slug=row["slug"],
            defaults={
                "name": row["name"],
                "theme": row["theme"],
                "districts": [district_codes.get(d, d) for d in split_list(row["districts"])],
                "source": row["source"],
            },
        )
        if created:
            cluster.sectors.set(Sector.objects.filter(code__in=split_list(row["sectors"])))
    return len(rows)
