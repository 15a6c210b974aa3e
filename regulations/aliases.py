"""Statute aliases (약칭): derived from official names by rules, plus a curated file.

The corpus carries no abbreviations, yet firms write 자본시장법, 개인정보법, 금소법. Rules give the
regular ones; ``data/aliases.tsv`` gives the customary ones the rules cannot guess. An alias two
statutes would share is dropped (ambiguous), and aliases entered in the admin are never touched.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from core.korean import nouns
from core.tsv import read_tsv
from regulations.models import Statute, StatuteAlias
from regulations.search.names import clean_name, forget_names

CURATED_PATH = Path(__file__).parent / "data" / "aliases.tsv"
_ABOUT_RE = re.compile(r"^(?P<head>\S+)\s.*에\s관한\s(?:법률|특별법)$")
_PARTICLE_RE = re.compile(r"(?:의|과|와)$")


@dataclass
class AliasReport:
    created: int = 0
    curated_missing: int = 0
    ambiguous: int = 0


def rule_aliases(name: str) -> set[str]:
    """Aliases the naming conventions give: 위치정보의 … 에 관한 법률 → 위치정보법; no-space forms."""
    name = clean_name(name)
    out: set[str] = set()
    suffix = ""
    base = name
    for role in ("시행령", "시행규칙"):
        if name.endswith(" " + role):
            base, suffix = name[: -len(role) - 1], " " + role
    match = _ABOUT_RE.match(base)
    if match:
        head = _PARTICLE_RE.sub("", match.group("head"))
        # Only a pure noun phrase makes a proper abbreviation (not 국가를법, not 특정법).
        if len(head) >= 3 and "".join(nouns(head)) == head:
            out.add(head + "법" + suffix)
    compact = base.replace(" ", "")
    if compact != base:
        out.add(compact + suffix)
    out.discard(name)
    return out


def derive_aliases(*, curated_path: Path = CURATED_PATH) -> AliasReport:
    """Create rule-derived and curated aliases that do not exist yet (idempotent)."""
    report = AliasReport()
    by_name = dict(Statute.objects.values_list("name", "law_id"))
    taken = dict(StatuteAlias.objects.values_list("name", "statute_id"))
    proposals: dict[str, tuple[str, str]] = {}
    for row in read_tsv(curated_path):
        alias, target = clean_name(row.get("alias", "")), clean_name(row.get("statute", ""))
        law_id = by_name.get(target)
        if not alias or law_id is None:
            report.curated_missing += 1
            continue
        proposals[alias] = (law_id, StatuteAlias.Source.CURATED)
    derived: dict[str, set[str]] = defaultdict(set)
    for name, law_id in by_name.items():
        for alias in rule_aliases(name):
            derived[alias].add(law_id)
    for alias, law_ids in derived.items():
        if alias in proposals or alias in by_name:
            continue
        if len(law_ids) > 1:
            report.ambiguous += 1
            continue
        proposals[alias] = (next(iter(law_ids)), StatuteAlias.Source.RULE)
    new = [
        StatuteAlias(name=alias, statute_id=law_id, source=source)
        for alias, (law_id, source) in proposals.items()
        if alias not in taken
    ]
    with transaction.atomic():
        StatuteAlias.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
    forget_names()  # bulk_create sends no signals
    report.created = len(new)
    return report
