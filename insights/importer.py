"""Loading ecosystem indicators and targets from curated TSV files or admins' CSV uploads.

All rows are checked first; if any row is bad nothing is written and every problem is reported
with its line number (bad numbers, NaN/Infinity, unknown or changed units, impossible dates).
Loading is idempotent: an existing row (same series and date, or same target statement) is left
as it is, so a re-run never undoes an admin's edit; ``update=True`` overwrites on purpose.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction

from core.text import normalize_identifier
from insights.models import UNITS, Comparison, EcosystemIndicator, Target

DATA_DIR = Path(__file__).resolve().parent / "data"
_CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_ROWS = 10_000
MAX_VALUE = Decimal("999999999999.99")


class ImportFailed(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems[:20]))
        self.problems = problems


@dataclass
class LoadSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) from a UTF-8 (BOM or not) or CP949 CSV/TSV; ``#`` lines are comments."""
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp949"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFailed([f"{path.name}: UTF-8도 CP949도 아닌 파일입니다."])
    delimiter = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    lines = [(n, line) for n, line in enumerate(io.StringIO(text, newline=""), start=1)]
    kept = [(n, line) for n, line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not kept:
        return
    header_line, header = kept[0]
    reader = csv.DictReader((line for _n, line in kept), delimiter=delimiter)
    numbers = [n for n, _line in kept[1:]]
    for index, row in enumerate(reader):
        if index >= MAX_ROWS:
            raise ImportFailed([f"{MAX_ROWS}행을 넘는 파일은 받지 않습니다."])
        line_no = numbers[index] if index < len(numbers) else header_line
        yield line_no, {normalize_identifier(k or ""): normalize_identifier(v or "") for k, v in row.items() if k}


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"숫자가 아닙니다: {text[:30]!r}") from None
    if not value.is_finite():
        raise ValueError(f"유한한 숫자가 아닙니다: {text[:30]!r}")
    if abs(value) > MAX_VALUE:
        raise ValueError("값이 너무 큽니다.")
    return value.quantize(Decimal("0.01"))


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"YYYY-MM-DD 날짜가 아닙니다: {text[:30]!r}") from None


def _required(row: dict[str, str], name: str) -> str:
    value = row.get(name, "")
    if not value:
        raise ValueError(f"{name} 값이 비어 있습니다.")
    return value


def _code(row: dict[str, str]) -> str:
    code = _required(row, "code")
    if not _CODE_RE.match(code):
        raise ValueError(f"코드는 영문 소문자·숫자·밑줄입니다: {code[:40]!r}")
    return code


def _unit(row: dict[str, str], code: str, series_units: dict[str, str]) -> str:
    unit = _required(row, "unit")
    if unit not in UNITS:
        raise ValueError(f"알 수 없는 단위입니다: {unit[:20]!r} (가능: {', '.join(UNITS)})")
    known = series_units.setdefault(code, unit)
    if known != unit:
        raise ValueError(f"{code} 지표의 단위는 {known}입니다 ({unit} 아님).")
    return unit


def _existing_units() -> dict[str, str]:
    units = dict(EcosystemIndicator.objects.values_list("code", "unit").distinct())
    for code, unit in Target.objects.values_list("code", "unit").distinct():
        units.setdefault(code, unit)
    return units


def parse_indicators(rows: Iterable[tuple[int, dict[str, str]]]) -> list[dict[str, object]]:
    """Checked indicator rows, or ImportFailed listing every bad line."""
    problems: list[str] = []
    parsed: list[dict[str, object]] = []
    units = _existing_units()
    seen: set[tuple[str, dt.date]] = set()
    for line, row in rows:
        try:
            code = _code(row)
            item: dict[str, object] = {
                "code": code,
                "name": _required(row, "name")[:120],
                "name_en": row.get("name_en", "")[:120],
                "unit": _unit(row, code, units),
                "value": _decimal(_required(row, "value")),
                "as_of": _date(_required(row, "as_of")),
                "source": _required(row, "source")[:300],
                "note": row.get("note", "")[:300],
            }
            key = (code, item["as_of"])
            if key in seen:
                raise ValueError("같은 지표·기준일이 두 번 나옵니다.")
            seen.add(key)  # type: ignore[arg-type]
            parsed.append(item)
        except ValueError as exc:
            problems.append(f"{line}행: {exc}")
    if problems:
        raise ImportFailed(problems)
    return parsed


def parse_targets(rows: Iterable[tuple[int, dict[str, str]]]) -> list[dict[str, object]]:
    problems: list[str] = []
    parsed: list[dict[str, object]] = []
    units = _existing_units()
    for line, row in rows:
        try:
            code = _code(row)
            comparison = row.get("comparison", "") or Comparison.AT_LEAST
            if comparison not in Comparison.values:
                raise ValueError(f"comparison은 {', '.join(Comparison.values)} 중 하나입니다.")
            current = row.get("is_current", "0").lower()
            if current not in ("0", "1", "true", "false", ""):
                raise ValueError("is_current는 0 또는 1입니다.")
            parsed.append(
                {
                    "code": code,
                    "name": _required(row, "name")[:120],
                    "unit": _unit(row, code, units),
                    "value": _decimal(_required(row, "value")),
                    "comparison": comparison,
                    "due_on": _date(_required(row, "due_on")),
                    "stated_on": _date(_required(row, "stated_on")),
                    "source": _required(row, "source")[:300],
                    "is_current": current in ("1", "true"),
                }
            )
        except ValueError as exc:
            problems.append(f"{line}행: {exc}")
    if problems:
        raise ImportFailed(problems)
    return parsed


@transaction.atomic
def load_indicators(items: list[dict[str, object]], *, update: bool = False) -> LoadSummary:
    summary = LoadSummary()
    for item in items:
        fields = {k: v for k, v in item.items() if k not in ("code", "as_of")}
        existing = EcosystemIndicator.objects.filter(**{k: item[k] for k in ("code", "as_of")}).first()
        if existing is None:
            EcosystemIndicator.objects.create(**item)  # type: ignore[arg-type]
            summary.created += 1
        elif update and any(getattr(existing, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(existing, k, v)
            existing.save()
            summary.updated += 1
        else:
            summary.unchanged += 1
    return summary


@transaction.atomic
def load_targets(items: list[dict[str, object]], *, update: bool = False) -> LoadSummary:
    summary = LoadSummary()
    for item in items:
        wants_current = bool(item.pop("is_current"))
        key = {"code": item["code"], "source": item["source"], "stated_on": item["stated_on"]}
        existing = Target.objects.filter(**key).first()
        if existing is None:
            # A file's "current" mark applies only when no target of the series is current yet:
            # an admin's later choice wins over the seed file.
            current = wants_current and not Target.objects.filter(code=item["code"], is_current=True).exists()
            Target.objects.create(**item, is_current=current)  # type: ignore[arg-type]
            summary.created += 1
        elif update and any(getattr(existing, k) != v for k, v in item.items()):
            for k, v in item.items():
                setattr(existing, k, v)
            existing.save()
            summary.updated += 1
        else:
            summary.unchanged += 1
    return summary


def load_seed_data(*, update: bool = False) -> tuple[LoadSummary, LoadSummary]:
    """The curated figures in ``insights/data`` (the founding study's and the 2023 plan's)."""
    with transaction.atomic():
        indicators = load_indicators(parse_indicators(read_rows(DATA_DIR / "indicators.tsv")), update=update)
        targets = load_targets(parse_targets(read_rows(DATA_DIR / "targets.tsv")), update=update)
    return indicators, targets
