"""Sector core regulations (분야별 핵심 규제), seeded from the statutes the labelled barriers cite.

``../shared/data/barriers-dev.jsonl`` names, for each complaint, its sector and the statutes and
articles involved. Counting them per sector gives a first list of the rules that matter most;
officials then curate it in the admin (order, summary, publication). Re-running only refreshes the
citation counts and adds rows, never overwrites what was edited.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from firms.models import Sector
from regulations.models import Article, CoreRegulation, Statute
from regulations.search.names import clean_name

DEV_SECTORS = {"robot": "robots"}  # the labelled set says robot, Haechi says robots
PER_SECTOR = 10


@dataclass
class CoreReport:
    created: int = 0
    updated: int = 0
    missing_statutes: int = 0


def _dev_path() -> Path:
    return Path(settings.HAECHI_DATA_DIR) / "barriers-dev.jsonl"


@transaction.atomic
def load_core_regulations(*, path: Path | None = None, per_sector: int = PER_SECTOR) -> CoreReport:
    path = path or _dev_path()
    report = CoreReport()
    if not path.exists():
        return report
    statute_counts: dict[str, Counter[str]] = defaultdict(Counter)
    article_counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    rules: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            item = json.loads(line)
            sector = DEV_SECTORS.get(item.get("sector", ""), item.get("sector", ""))
            for name in dict.fromkeys(item.get("statutes") or []):
                name = clean_name(name)
                statute_counts[sector][name] += 1
                rules[(sector, name)][item.get("rule", "")] += 1
            for ref in item.get("articles") or []:
                name, _sep, number = clean_name(ref).rpartition(" ")
                article_counts[(sector, name)][number] += 1
    sectors = {s.code: s for s in Sector.objects.all()}
    for code, counts in statute_counts.items():
        sector = sectors.get(code)
        if sector is None:
            continue
        for rank, (name, mentions) in enumerate(counts.most_common(per_sector), start=1):
            statute = Statute.objects.filter(name=name).order_by("law_id").first()
            if statute is None:
                report.missing_statutes += 1
                continue
            article = None
            top_articles = article_counts.get((code, name))
            if top_articles:
                number = top_articles.most_common(1)[0][0]
                article = Article.objects.filter(statute=statute, number=number).first()
            summary = rules[(code, name)].most_common(1)[0][0]
            row, created = CoreRegulation.objects.get_or_create(
                sector=sector,
                statute=statute,
                article=article,
                defaults={"mentions": mentions, "ordering": rank, "summary": summary},
            )
            if created:
                report.created += 1
            elif row.mentions != mentions:
                CoreRegulation.objects.filter(pk=row.pk).update(mentions=mentions)
                report.updated += 1
    return report
