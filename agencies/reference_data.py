"""Seed and refresh the agency directory from the statute corpus's ministry list and curated data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from agencies.models import Agency, AgencyAlias, AgencyKind
from core.tsv import read_tsv, split_list

CURATED_PATH = Path(__file__).parent / "data" / "curated.tsv"


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    aliases: int = 0


def infer_kind(name: str) -> str:
    """부 → ministry; 처·청 → agency; 위원회 → committee; anything else → other."""
    if name.startswith("서울특별시"):
        return AgencyKind.SEOUL
    if name.endswith("위원회"):
        return AgencyKind.COMMITTEE
    if name.endswith("부"):
        return AgencyKind.MINISTRY
    if name.endswith(("처", "청")):
        return AgencyKind.AGENCY
    return AgencyKind.OTHER


@transaction.atomic
def load_agencies(*, ministries_path: Path | None, curated_path: Path = CURATED_PATH) -> LoadReport:
    """Create or update agencies; re-running changes nothing that is already right."""
    report = LoadReport()
    counts: dict[str, int] = {}
    if ministries_path is not None:
        for row in read_tsv(ministries_path):
            counts[row["ministry"]] = int(row.get("statutes") or 0)
    curated = {row["name"]: row for row in read_tsv(curated_path)}
    for name in [*counts, *(n for n in curated if n not in counts)]:
        info = curated.get(name, {})
        defaults = {
            "name": name,
            "name_en": info.get("name_en", ""),
            "kind": info.get("kind") or infer_kind(name),
            "statute_count": counts.get(name, 0),
        }
        code = info.get("code") or slugify(name, allow_unicode=True)
        agency = Agency.objects.filter(name=name).first()
        if agency is None:
            Agency.objects.create(code=code, **defaults)
            report.created += 1
            continue
        changed = [field for field, value in defaults.items() if getattr(agency, field) != value and value != ""]
        for field in changed:
            setattr(agency, field, defaults[field])
        if changed:
            agency.save(update_fields=[*changed, "updated_at"])
            report.updated += 1
    by_code = {a.code: a for a in Agency.objects.all()}
    by_name = {a.name: a for a in by_code.values()}
    for name, info in curated.items():
        agency = by_name[name]
        parent = by_code.get(info.get("parent", ""))
        if parent is not None and agency.parent_id != parent.pk:
            agency.parent = parent
            agency.save(update_fields=["parent", "updated_at"])
        for alias in split_list(info.get("aliases", "")):
            former = alias.startswith("~")
            alias_name = alias.lstrip("~")
            _obj, created = AgencyAlias.objects.update_or_create(
                name=alias_name,
                defaults={"agency": agency, "kind": AgencyAlias.Kind.FORMER if former else AgencyAlias.Kind.SHORT},
            )
            report.aliases += int(created)
    return report
