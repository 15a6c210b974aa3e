"""Load the curated ecosystem indicators and 2030 targets (idempotent), or an admin's CSV file.

manage.py load_ecosystem_indicators                      # insights/data/indicators.tsv + targets.tsv
manage.py load_ecosystem_indicators --indicators x.csv   # an indicator file (CSV/TSV, UTF-8 or CP949)
manage.py load_ecosystem_indicators --targets y.csv
--update overwrites rows that exist (default: leave admins' edits alone)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from insights import importer


class Command(BaseCommand):
    help = "Load ecosystem indicators and targets from insights/data (or given files). Idempotent."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--indicators", type=Path, help="CSV/TSV of indicators to load instead of the seed file")
        parser.add_argument("--targets", type=Path, help="CSV/TSV of targets to load instead of the seed file")
        parser.add_argument("--update", action="store_true", help="overwrite existing rows with the file's values")

    def handle(self, *args: Any, indicators: Path | None, targets: Path | None, update: bool, **options: Any) -> None:
        try:
            if indicators is None and targets is None:
                loaded = importer.load_seed_data(update=update)
                self._report("indicators", loaded[0])
                self._report("targets", loaded[1])
                return
            if indicators is not None:
                rows = importer.parse_indicators(importer.read_rows(self._existing(indicators)))
                self._report("indicators", importer.load_indicators(rows, update=update))
            if targets is not None:
                rows = importer.parse_targets(importer.read_rows(self._existing(targets)))
                self._report("targets", importer.load_targets(rows, update=update))
        except importer.ImportFailed as exc:
            raise CommandError("nothing was loaded:\n" + "\n".join(exc.problems)) from exc

    def _existing(self, path: Path) -> Path:
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        return path

    def _report(self, what: str, summary: importer.LoadSummary) -> None:
        self.stdout.write(
            f"{what}: {summary.created} created, {summary.updated} updated, {summary.unchanged} unchanged"
        )
