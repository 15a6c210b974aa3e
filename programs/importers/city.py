"""Import of the city's own programs from an uploaded CSV or XLSX table.

Every row is validated first; if any row is wrong the whole file is refused with the row numbers
and nothing is saved. Rows are keyed by 식별자, so uploading the same file again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from agencies.selectors import agency_by_name
from core.errors import ValidationFailed
from core.text import normalize_identifier
from firms.models import Cluster, Sector, SizeClass
from firms.stages import GrowthStage
from programs import parsing
from programs.importers.tabular import excel_serial_to_date, read_table
from programs.models import ImportRun, PeriodKind, ProgramKind, ProgramSource, SupportProgram
from programs.search import search_document

# Header → field. Korean headers are the template's; English ones are accepted too.
HEADERS: dict[str, str] = {
    "식별자": "external_id",
    "사업명": "title",
    "사업개요": "summary",
    "수행기관": "operator",
    "소관기관": "agency_name",
    "지원유형": "kind",
    "대상분야": "sectors",
    "대상규모": "size_classes",
    "대상성장단계": "stages",
    "대상지역": "regions",
    "대상클러스터": "clusters",
    "업력하한": "min_age_years",
    "업력상한": "max_age_years",
    "예비창업자신청": "allows_pre_founding",
    "접수시작": "opens_on",
    "접수마감": "closes_on",
    "접수방식": "period_text",
    "예산": "budget",
    "선정규모": "places",
    "제출서류": "documents",
    "링크": "url",
}
HEADERS.update({v: v for v in list(HEADERS.values())})
TEMPLATE_HEADER = [h for h in HEADERS if re.match(r"[가-힣]", h)]
_SPLIT = re.compile(r"[;,/·@\n]+")
_YES = {"예", "y", "yes", "true", "1", "o", "가능"}


def _split(value: str) -> list[str]:
    return [normalize_identifier(v) for v in _SPLIT.split(value or "") if normalize_identifier(v)]


def _choice(value: str, choices: list[tuple[str, Any]], what: str, errors: list[str]) -> list[str]:
    by_label = {str(label).split(" ")[0]: code for code, label in choices} | {code: code for code, _l in choices}
    out = []
    for item in _split(value):
        code = by_label.get(item) or by_label.get(item.split(" ")[0])
        if code is None:
            errors.append(_("%(what)s '%(value)s'을(를) 알 수 없습니다") % {"what": what, "value": item})
        else:
            out.append(code)
    return out


def _date(value: str, what: str, errors: list[str]) -> dt.date | None:
    value = value.strip()
    if not value:
        return None
    serial = excel_serial_to_date(value) if re.fullmatch(r"\d{4,5}(\.\d+)?", value) else None
    if serial:
        return serial
    match = re.fullmatch(r"(\d{4})\s*[-./년]\s*(\d{1,2})\s*[-./월]\s*(\d{1,2})\s*[.일]?", value)
    if match:
        try:
            return dt.date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
    errors.append(_("%(what)s '%(value)s'은(는) 날짜가 아닙니다 (예: 2026-03-31)") % {"what": what, "value": value})
    return None


def _int(value: str, what: str, errors: list[str], *, krw: bool = False) -> int | None:
    value = value.strip()
    if not value:
        return None
    if krw and not value.replace(",", "").isdigit():
        amount = parsing.parse_krw(value)
        if amount is None:
            errors.append(_("%(what)s '%(value)s'을(를) 금액으로 읽을 수 없습니다") % {"what": what, "value": value})
        return amount
    digits = value.replace(",", "")
    if not digits.isdigit() or len(digits) > 15:
        errors.append(_("%(what)s '%(value)s'은(는) 0 이상의 정수여야 합니다") % {"what": what, "value": value})
        return None
    return int(digits)


def parse_row(raw: dict[str, str], *, sectors: dict[str, int], clusters: dict[str, int]) -> tuple[dict, list[str]]:
    """One table row as program fields plus the list of problems found in it."""
    row = {HEADERS[k]: v for k, v in raw.items() if k in HEADERS}
    errors: list[str] = []
    external_id = normalize_identifier(row.get("external_id", ""))
    title = normalize_identifier(row.get("title", ""))
    if not external_id:
        errors.append(_("식별자가 비어 있습니다"))
    elif len(external_id) > 64:
        errors.append(_("식별자는 64자 이내여야 합니다"))
    if not title:
        errors.append(_("사업명이 비어 있습니다"))
    elif len(title) > 300:
        errors.append(_("사업명은 300자 이내여야 합니다"))
    kind_text = normalize_identifier(row.get("kind", ""))
    kinds = {str(label): code for code, label in ProgramKind.choices} | {c: c for c in ProgramKind.values}
    kind = kinds.get(kind_text, "other" if not kind_text else "")
    if not kind:
        errors.append(_("지원유형 '%(value)s'을(를) 알 수 없습니다") % {"value": kind_text})
    sector_ids = []
    for item in _split(row.get("sectors", "")):
        if item not in sectors:
            errors.append(_("대상분야 '%(value)s'을(를) 알 수 없습니다") % {"value": item})
        else:
            sector_ids.append(sectors[item])
    cluster_ids = []
    for item in _split(row.get("clusters", "")):
        if item not in clusters:
            errors.append(_("대상클러스터 '%(value)s'을(를) 알 수 없습니다") % {"value": item})
        else:
            cluster_ids.append(clusters[item])
    regions = _split(row.get("regions", ""))
    bad_regions = [r for r in regions if r not in parsing.REGIONS]
    if bad_regions:
        errors.append(_("대상지역 '%(value)s'은(는) 시·도 이름이 아닙니다 (예: 서울)") % {"value": bad_regions[0]})
    opens_on = _date(row.get("opens_on", ""), _("접수시작"), errors)
    closes_on = _date(row.get("closes_on", ""), _("접수마감"), errors)
    period_text = normalize_identifier(row.get("period_text", ""))[:200]
    if opens_on and closes_on and closes_on < opens_on:
        errors.append(_("접수마감이 접수시작보다 앞섭니다"))
    period_kind: str
    if closes_on or opens_on:
        period_kind = PeriodKind.DATED
    else:
        period_kind = parsing.parse_period(period_text).kind if period_text else PeriodKind.UNPARSED
        if period_kind == PeriodKind.UNPARSED:
            errors.append(_("접수마감 날짜나 접수방식(예: 상시, 예산 소진 시까지)이 필요합니다"))
    min_age = _int(row.get("min_age_years", ""), _("업력하한"), errors)
    max_age = _int(row.get("max_age_years", ""), _("업력상한"), errors)
    if min_age is not None and max_age is not None and min_age > max_age:
        errors.append(_("업력하한이 업력상한보다 큽니다"))
    if (min_age or 0) > 100 or (max_age or 0) > 100:
        errors.append(_("업력은 100년 이하로 적어 주세요"))
    url = row.get("url", "").strip()
    if url and not re.fullmatch(r"https?://[^\s<>\"']{1,490}", url):
        errors.append(_("링크는 http(s)://로 시작하는 주소여야 합니다"))
    summary = row.get("summary", "")
    if len(summary) > 20_000:
        errors.append(_("사업개요는 20,000자 이내여야 합니다"))
    agency_name = normalize_identifier(row.get("agency_name", ""))[:200]
    agency = agency_by_name(agency_name) if agency_name else None
    values = {
        "external_id": external_id,
        "title": title,
        "summary": summary,
        "operator": normalize_identifier(row.get("operator", ""))[:200],
        "agency_name": agency_name,
        "agency_id": agency.pk if agency else None,
        "kind": kind or "other",
        "size_classes": _choice(row.get("size_classes", ""), list(SizeClass.choices), _("대상규모"), errors),
        "stages": _choice(row.get("stages", ""), list(GrowthStage.choices), _("대상성장단계"), errors),
        "regions": regions,
        "min_age_years": min_age,
        "max_age_years": max_age,
        "allows_pre_founding": normalize_identifier(row.get("allows_pre_founding", "예")).lower() in _YES,
        "sectors_required": bool(sector_ids),
        "opens_on": opens_on,
        "closes_on": closes_on,
        "period_kind": period_kind,
        "period_text": period_text,
        "budget_krw": _int(row.get("budget", ""), _("예산"), errors, krw=True),
        "places": _int(row.get("places", ""), _("선정규모"), errors),
        "documents": row.get("documents", "")[:5000],
        "url": url,
        "_sectors": sector_ids,
        "_clusters": cluster_ids,
    }
    return values, errors


def import_city_programs(*, data: bytes, file_name: str, actor: Any = None) -> ImportRun:
    """Validate every row, then create or update the city's programs in one transaction."""
    table = read_table(data=data, file_name=file_name)
    if not table:
        raise ValidationFailed(_("가져올 행이 없습니다."), code="empty_file", field="file")
    unknown = sorted(set(table[0]) - set(HEADERS))
    if "식별자" not in table[0] and "external_id" not in table[0]:
        raise ValidationFailed(_("머리글에 '식별자' 열이 없습니다. 양식을 내려받아 사용해 주세요."), code="no_header")
    sectors: dict[str, int] = {}
    for pk, code, name in Sector.objects.values_list("pk", "code", "name"):
        sectors[code], sectors[name] = pk, pk
    clusters: dict[str, int] = {}
    for pk, slug, name in Cluster.objects.values_list("pk", "slug", "name"):
        clusters[slug], clusters[name] = pk, pk
    parsed: list[dict[str, Any]] = []
    problems: list[str] = []
    seen: set[str] = set()
    for number, raw in enumerate(table, start=2):
        values, errors = parse_row(raw, sectors=sectors, clusters=clusters)
        if values["external_id"] in seen:
            errors.append(_("식별자 '%(value)s'이(가) 파일에 두 번 있습니다") % {"value": values["external_id"]})
        seen.add(values["external_id"])
        problems.extend(f"{number}행: {e}" for e in errors)
        parsed.append(values)
    if problems:
        shown = "; ".join(problems[:10])
        more = _(" 외 %(n)d건") % {"n": len(problems) - 10} if len(problems) > 10 else ""
        raise ValidationFailed(
            _("파일을 가져오지 않았습니다. %(problems)s%(more)s") % {"problems": shown, "more": more}
        )
    created = updated = unchanged = 0
    new_ids: list[int] = []
    with transaction.atomic():
        existing = {
            p.external_id: p
            for p in SupportProgram.objects.filter(source=ProgramSource.CITY, external_id__in=seen).prefetch_related(
                "sectors", "clusters"
            )
        }
        for values in parsed:
            sector_ids, cluster_ids = sorted(values.pop("_sectors")), sorted(values.pop("_clusters"))
            external_id = values.pop("external_id")
            program = existing.get(external_id)
            if program is None:
                program = SupportProgram(source=ProgramSource.CITY, external_id=external_id, **values)
                program.announced_on = None
                program.search_document = search_document(program.title, program.summary, program.operator)
                program.save()
                program.sectors.set(sector_ids)
                program.clusters.set(cluster_ids)
                created += 1
                new_ids.append(program.pk)
                continue
            changed = [k for k, v in values.items() if getattr(program, k) != v]
            same_m2m = (
                sorted(s.pk for s in program.sectors.all()) == sector_ids
                and sorted(c.pk for c in program.clusters.all()) == cluster_ids
            )
            if not changed and same_m2m:
                unchanged += 1
                continue
            for key in changed:
                setattr(program, key, values[key])
            program.search_document = search_document(program.title, program.summary, program.operator)
            program.save()
            program.sectors.set(sector_ids)
            program.clusters.set(cluster_ids)
            updated += 1
        run = ImportRun.objects.create(
            source=ProgramSource.CITY,
            file_name=file_name[:255],
            records=len(parsed),
            created=created,
            updated=updated,
            unchanged=unchanged,
            report={"ignored_columns": unknown},
            actor=actor if getattr(actor, "pk", None) else None,
        )
        if new_ids:
            from programs.services import schedule_notices

            schedule_notices(program_ids=new_ids)
    return run
