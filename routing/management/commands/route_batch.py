"""Route a batch of texts: sector, agencies, statutes, articles and a recurring-rule group each.

    python manage.py route_batch IN.jsonl OUT.jsonl [--model PATH] [--no-db]

Reads lines ``{"id", "title", "text"}`` (other fields ignored) and writes one line per input:
``{"id", "sector", "sector_scores", "ministries", "statutes", "articles", "group"}`` (sector codes
as in barriers-dev.jsonl: fintech, mobility, robot, ai, biohealth, other). Inputs
with the same ``group`` concern the same underlying rule: ``R<n>`` is recurring regulation n
already in the database (its barriers seed the near-duplicate index), ``N<n>`` a new group
formed within the batch. The whole input is validated before anything is routed; the output is
written to a temporary file beside OUT and renamed when complete, so a failed run never leaves a
partial OUT behind. When the model is not built yet it is trained first (train_routing).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from core.korean import MorphemesAhead
from core.text import normalize_text
from routing import engine
from routing.classifier import Router, default_model_path, load_router
from routing.near_duplicates import NearDuplicateIndex

# Texts routed together (vectorised work is shared within a chunk). The morphemes of the next
# chunk are analysed on a background thread while this one is routed (core.korean.MorphemesAhead),
# the first one while the model loads; a small chunk leaves less routing after the last analysis.
# 64 and 256 cost the same CPU on 300 real petitions (bench/routing_speed.py --batch).
CHUNK = 64
MAX_LINE_CHARS = 2_000_000  # a line beyond this is refused rather than parsed


class Command(BaseCommand):
    help = "Route JSONL texts (sector, ministries, statutes, articles, recurring-rule group)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("input", type=Path)
        parser.add_argument("output", type=Path)
        parser.add_argument("--model", type=Path, default=None, help="router model (default: var/routing/)")
        parser.add_argument("--no-db", action="store_true", help="do not group with recurring regulations in the DB")

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["input"]
        target: Path = options["output"]
        if not source.is_file():
            raise CommandError(f"{source}: 파일이 없습니다 (file not found)")
        if not target.parent.is_dir():
            raise CommandError(f"{target.parent}: 폴더가 없습니다 (directory not found)")
        items = read_items(source)
        started, cpu = time.perf_counter(), time.process_time()
        with MorphemesAhead() as ahead:
            # Kiwi loads its own model and analyses the first chunk while the router loads.
            ahead.submit(_analysed_texts(items[:CHUNK]))
            router = self._router(options["model"])
            loaded = time.perf_counter()
            index = engine.new_index(router)  # the linking the router learned (as the workflow's)
            seeded = 0 if options["no_db"] else seed_from_database(index)
            rows = route_items(router, items, index, ahead=ahead)
        write_atomically(target, rows)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        per_text = 1000 / max(len(rows), 1)
        self.stderr.write(
            f"routed {len(rows)} texts in {wall:.1f}s wall, {cpu:.1f}s CPU ({per_text * wall:.1f} ms wall, "
            f"{per_text * cpu:.1f} ms CPU per text), loading the model ({loaded - started:.1f}s) included; "
            f"{seeded} stored barriers seeded the groups; {len({r['group'] for r in rows})} groups; "
            f"{ahead.hits} of {ahead.submitted} texts analysed ahead of routing"
        )

    def _router(self, path: Path | None) -> Router:
        model = path or engine.model_path() or default_model_path()
        if path is not None and not model.exists():
            raise CommandError(f"{path}: 모델 파일이 없습니다 (model not found)")
        if model.exists():
            try:
                return load_router(model)
            except (ValueError, OSError, EOFError) as exc:
                if path is not None:
                    raise CommandError(f"{model}: {exc}") from exc
                self.stderr.write(f"{model} cannot be used ({exc}): retraining it (manage.py train_routing)")
        else:
            self.stderr.write(f"{model} is missing: training it first (manage.py train_routing)")
        call_command("train_routing", out=model, stdout=self.stderr)
        return load_router(model)


def read_items(source: Path) -> list[dict[str, str]]:
    """Every input line as ``{"id", "title", "text"}``; a bad line stops everything with its number."""
    items: list[dict[str, str]] = []
    seen: set[str] = set()
    with source.open(encoding="utf-8", errors="strict") as handle:
        try:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                if len(line) > MAX_LINE_CHARS:
                    raise CommandError(f"{source}:{number}: 줄이 너무 깁니다 (line longer than {MAX_LINE_CHARS:,})")
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise CommandError(f"{source}:{number}: 잘못된 JSON입니다 (invalid JSON: {exc.msg})") from None
                if not isinstance(row, dict):
                    raise CommandError(f"{source}:{number}: JSON 객체가 아닙니다 (expected an object)")
                raw_id = row.get("id")
                if raw_id is None or isinstance(raw_id, dict | list) or str(raw_id).strip() == "":
                    raise CommandError(f'{source}:{number}: "id"가 없습니다 (missing "id")')
                item_id = str(raw_id)
                if item_id in seen:
                    raise CommandError(f'{source}:{number}: "id" {item_id!r}가 중복됩니다 (duplicate id)')
                seen.add(item_id)
                items.append({"id": item_id, "title": _text(row.get("title")), "text": _text(row.get("text"))})
        except UnicodeDecodeError as exc:
            raise CommandError(f"{source}: UTF-8이 아닙니다 (not UTF-8: {exc.reason})") from None
    return items


def _text(value: Any) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    return normalize_text(str(value)[: engine.MAX_TEXT_CHARS * 2])[: engine.MAX_TEXT_CHARS]


def seed_from_database(index: NearDuplicateIndex) -> int:
    """Index the stored barriers' signatures under their recurring regulation (``R<pk>``)."""
    from routing.models import BarrierSignature, RecurringMembership, RecurringRegulation, RecurringStatus

    try:
        merged = dict(
            RecurringRegulation.objects.filter(status=RecurringStatus.MERGED).values_list("pk", "merged_into_id")
        )
        group_of = dict(RecurringMembership.objects.values_list("barrier_id", "regulation_id"))
        count = 0
        for row in BarrierSignature.objects.values("barrier_id", "morphemes", "statutes", "articles").iterator(
            chunk_size=2000
        ):
            regulation = group_of.get(row["barrier_id"])
            if regulation is None:
                continue
            for _hop in range(10):  # follow merges to the regulation that absorbed it
                if regulation not in merged or merged[regulation] is None:
                    break
                regulation = merged[regulation]
            features = engine.features_from_stored(row["morphemes"], row["statutes"], row["articles"])
            if engine.linkable(features):
                index.insert(f"db:{row['barrier_id']}", features, group=f"R{regulation}")
                count += 1
        return count
    except DatabaseError as exc:  # e.g. migrations not applied: group within the batch only
        raise CommandError(f"데이터베이스를 읽을 수 없습니다 (run migrate, or pass --no-db): {exc}") from exc


# The batch speaks the labelled data's sector codes (barriers-dev.jsonl: fintech, mobility, robot,
# ai, biohealth, other), so its output can be scored against such labels directly; inside Haechi
# the robots sector's code is "robots".
_BATCH_SECTOR_CODES = {"robots": "robot"}


def batch_sector_code(code: str) -> str:
    """A sector code as the labelled data spells it."""
    return _BATCH_SECTOR_CODES.get(code, code)


def route_items(
    router: Router,
    items: list[dict[str, str]],
    index: NearDuplicateIndex,
    *,
    chunk_size: int = CHUNK,
    ahead: MorphemesAhead | None = None,
    lookahead: bool = True,
) -> list[dict[str, Any]]:
    """Route ``items`` in chunks and group them; the output depends on neither ``chunk_size`` nor
    ``lookahead``.

    With ``lookahead``, each chunk's morphemes are analysed on a background thread while the
    chunk before it is routed (``ahead``: an active :class:`MorphemesAhead` to use, e.g. to read
    its counts; by default one of its own).
    """
    if ahead is None and lookahead:
        with MorphemesAhead() as own:
            return route_items(router, items, index, chunk_size=chunk_size, ahead=own)
    rows: list[dict[str, Any]] = []
    new_groups: dict[str, str] = {}
    keys: list[str] = []
    chunks = [items[start : start + chunk_size] for start in range(0, len(items), chunk_size)]
    if chunks and ahead is not None:
        ahead.submit(_analysed_texts(chunks[0]))
    for number, chunk in enumerate(chunks):
        if number + 1 < len(chunks) and ahead is not None:  # analysed while this chunk is routed
            ahead.submit(_analysed_texts(chunks[number + 1]))
        routed = engine.route_texts(router, _pairs(chunk))
        for item, result in zip(chunk, routed, strict=True):
            key = f"in:{item['id']}"
            group = engine.link(index, key, result.features)
            keys.append(key)
            p = result.proposal
            rows.append(
                {
                    "id": item["id"],
                    "sector": batch_sector_code(p["sector"]),
                    "sector_scores": {batch_sector_code(k): v for k, v in p["sector_scores"].items()},
                    "ministries": p["ministries"],
                    "statutes": p["statutes"],
                    "articles": p["articles"],
                    "group": group,
                }
            )
    # Paraphrases linked apart on arrival are merged afterwards (never two stored regulations).
    index.consolidate({r["group"] for r in rows}, fixed={g for g in index.members if g.startswith("R")})
    for key, row in zip(keys, rows, strict=True):
        group = index.group_of.get(key, row["group"])
        row["group"] = group if group.startswith("R") else new_groups.setdefault(group, f"N{len(new_groups) + 1}")
    return rows


def _pairs(chunk: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [(item["title"], item["text"]) for item in chunk]


def _analysed_texts(chunk: list[dict[str, str]]) -> list[str]:
    """The texts ``engine.route_texts`` hands to the analyser for ``chunk`` (title, newline, body,
    cut); a text spelled differently is not found ahead and is analysed again, at twice the cost."""
    return [(f"{title}\n{text}" if title else text)[: engine.MAX_TEXT_CHARS] for title, text in _pairs(chunk)]


def write_atomically(target: Path, rows: list[dict[str, Any]]) -> None:
    """Write to a temporary file beside ``target`` and rename it into place when complete."""
    descriptor, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
