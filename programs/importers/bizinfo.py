"""Import of 기업마당 (bizinfo) announcements as they come from its open API (JSON lines).

Idempotent: records are keyed by ``pblancId``; a second run changes nothing and says so. The
records are from 2020–2021, so they are imported as past announcements (``archived``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from agencies.selectors import agency_by_name
from core.errors import ValidationFailed
from core.text import normalize_identifier, normalize_text
from firms.models import Sector
from programs import parsing
from programs.models import ImportRun, ProgramSource, SupportProgram
from programs.search import search_document

BIZINFO_BASE_URL = "https://www.bizinfo.go.kr"
DEFAULT_PATH = Path("real") / "bizinfo_support_programs" / "bizinfo_2021-12.jsonl"
# Fields compared to decide "unchanged" on re-import (everything the import writes).
_COMPARED = (
    "title",
    "summary",
    "operator",
    "agency_name",
    "agency_id",
    "kind",
    "support_fields",
    "size_classes",
    "target_groups",
    "regions",
    "ksic_ranges",
    "min_age_years",
    "min_age_strict",
    "max_age_years",
    "max_age_strict",
    "allows_pre_founding",
    "sectors_required",
    "announced_on",
    "period_kind",
    "period_text",
    "opens_on",
    "closes_on",
    "archived",
    "url",
    "parse_notes",
)


def default_path() -> Path:
    return Path(settings.HAECHI_DATA_DIR) / DEFAULT_PATH


@dataclass
class ImportReport:
    records: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)
    parsed: Counter[str] = field(default_factory=Counter)
    as_text: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def note(self, what: str, example: str) -> None:
        self.as_text[what] += 1
        bucket = self.examples.setdefault(what, [])
        if len(bucket) < 5 and example not in bucket:
            bucket.append(example[:120])

    def as_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped[:50],
            "parsed": dict(sorted(self.parsed.items())),
            "kept_as_text": dict(sorted(self.as_text.items())),
            "examples": self.examples,
        }


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """JSON objects, one a line (the API's ``jsonArray`` items); a whole JSON array also works."""
    with path.open(encoding="utf-8-sig") as handle:
        head = handle.read(1)
        handle.seek(0)
        if head == "[":
            data = json.load(handle)
            yield from (row for row in data if isinstance(row, dict))
            return
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValidationFailed(f"{number}번째 줄이 JSON이 아닙니다: {exc.msg}", code="bad_json") from exc
            if isinstance(row, dict):
                yield row


def program_fields(row: dict[str, Any], report: ImportReport, sector_ids: dict[str, int]) -> dict[str, Any]:
    """The SupportProgram columns for one bizinfo record, counting what was parsed or kept as text."""
    title = normalize_identifier(str(row.get("pblancNm") or ""))[:300]
    summary = parsing.clean_text(row.get("bsnsSumryCn"))
    text = f"{title}\n{summary}"
    notes: dict[str, Any] = {}

    period = parsing.parse_period(row.get("reqstBeginEndDe"))
    report.parsed[f"period:{period.kind}"] += 1
    if period.kind == "unparsed":
        report.note("period", str(row.get("reqstBeginEndDe") or "(빈 값)"))
        notes["period"] = period.note

    regions, unknown_regions = parsing.parse_regions(row.get("areaNm"))
    found = parsing.parse_text(text)
    if found.seoul_only:
        regions = ["서울"]
        report.parsed["region:from_text"] += 1
    report.parsed["region:restricted" if regions else "region:nationwide"] += 1
    if unknown_regions:
        notes["regions"] = unknown_regions
        report.note("regions", "@".join(unknown_regions))

    ksic_ranges, unknown_ind = parsing.parse_industries(row.get("industNm"))
    report.parsed["industry:restricted" if ksic_ranges else "industry:any"] += 1
    if unknown_ind:
        notes["industries"] = unknown_ind
        report.note("industries", "@".join(unknown_ind))

    targets = parsing.split_at(row.get("trgetNm"))
    known_targets = [t for t in targets if t in parsing.DECLARED_GROUPS or t == "중소기업"]
    if len(known_targets) != len(targets):
        extra = [t for t in targets if t not in known_targets]
        notes["targets"] = extra
        report.note("targets", "@".join(extra))
    size_classes = ["small", "medium"] if targets and set(targets) <= {"중소기업", "소상공인"} else []
    report.parsed["target:parsed" if known_targets else "target:none"] += 1

    fields = parsing.split_at(row.get("pldirSportRealmMlsfcCodeNm")) + parsing.split_at(
        row.get("pldirSportRealmLclasCodeNm")
    )
    kind = parsing.kind_for(fields, found.kind_hint)
    report.parsed[f"kind:{kind}"] += 1
    if kind == "other":
        report.note("kind", "@".join(fields) or "(빈 값)")

    if found.max_age_years is not None or found.min_age_years is not None:
        report.parsed["age:from_text"] += 1
    if found.sector_hints:
        report.parsed["sector:from_text"] += 1
    notes["sector_hints"] = found.sector_hints

    created = str(row.get("creatPnttm") or "")[:10]
    try:
        announced_on: dt.date | None = dt.date.fromisoformat(created)
    except ValueError:
        announced_on = None
        report.note("announced_on", created or "(빈 값)")
    agency_name = normalize_identifier(str(row.get("jrsdInsttNm") or ""))[:200]
    agency = agency_by_name(agency_name) if agency_name else None
    report.parsed["agency:linked" if agency else "agency:text_only"] += 1
    url = str(row.get("pblancUrl") or "")
    if url.startswith("/"):
        url = BIZINFO_BASE_URL + url
    elif not url.startswith("https://"):
        url = ""
    operator = normalize_identifier(str(row.get("excInsttNm") or ""))
    return {
        "title": title,
        "summary": summary,
        "operator": (agency_name if operator in {"", "직접수행"} else operator)[:200],
        "agency_name": agency_name,
        "agency_id": agency.pk if agency else None,
        "kind": kind,
        "support_fields": fields,
        "size_classes": size_classes,
        "target_groups": known_targets if set(known_targets) != {"중소기업"} else [],
        "regions": regions,
        "ksic_ranges": ksic_ranges,
        "min_age_years": found.min_age_years,
        "min_age_strict": found.min_age_strict,
        "max_age_years": found.max_age_years,
        "max_age_strict": found.max_age_strict,
        "allows_pre_founding": found.mentions_pre_founding,
        "sectors_required": False,  # text clues only raise the fit, they never exclude a firm
        "announced_on": announced_on,
        "period_kind": period.kind,
        "period_text": normalize_text(str(row.get("reqstBeginEndDe") or ""))[:200],
        "opens_on": period.opens_on,
        "closes_on": period.closes_on,
        "archived": True,
        "url": url[:500],
        "parse_notes": notes,
        "_sector_ids": sorted(sector_ids[c] for c in found.sector_hints if c in sector_ids),
    }


def import_bizinfo(*, records: Iterable[dict[str, Any]], file_name: str, actor: Any = None) -> ImportRun:
    """Create or update one program per pblancId; one transaction, so a failure saves nothing."""
    report = ImportReport()
    sector_ids = dict(Sector.objects.values_list("code", "id"))
    rows: dict[str, dict[str, Any]] = {}
    for row in records:
        report.records += 1
        external_id = normalize_identifier(str(row.get("pblancId") or ""))[:64]
        if not external_id or not row.get("pblancNm"):
            report.skipped.append(f"{report.records}번째: pblancId 또는 사업명 없음")
            continue
        rows[external_id] = program_fields(row, report, sector_ids)
    with transaction.atomic():
        existing = {
            p.external_id: p
            for p in SupportProgram.objects.filter(source=ProgramSource.BIZINFO, external_id__in=rows).prefetch_related(
                "sectors"
            )
        }
        for external_id, values in rows.items():
            wanted_sectors = values.pop("_sector_ids")
            program = existing.get(external_id)
            if program is None:
                program = SupportProgram(source=ProgramSource.BIZINFO, external_id=external_id, **values)
                program.search_document = search_document(
                    values["title"], values["summary"], values["operator"], values["agency_name"]
                )
                program.save()
                program.sectors.set(wanted_sectors)
                report.created += 1
                continue
            changed = [name for name in _COMPARED if getattr(program, name) != values[name]]
            current_sectors = sorted(s.pk for s in program.sectors.all())
            if not changed and current_sectors == wanted_sectors:
                report.unchanged += 1
                continue
            for name in changed:
                setattr(program, name, values[name])
            if {"title", "summary", "operator", "agency_name"} & set(changed):
                program.search_document = search_document(
                    program.title, program.summary, program.operator, program.agency_name
                )
                changed.append("search_document")
            program.save(update_fields=[*changed, "updated_at"] if changed else ["updated_at"])
            if current_sectors != wanted_sectors:
                program.sectors.set(wanted_sectors)
            report.updated += 1
        return ImportRun.objects.create(
            source=ProgramSource.BIZINFO,
            file_name=file_name[:255],
            records=report.records,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            report=report.as_dict(),
            actor=actor if getattr(actor, "pk", None) else None,
        )
