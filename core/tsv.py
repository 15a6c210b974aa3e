"""Reading the small curated TSV files that seed reference data."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from core.text import normalize_identifier


def read_tsv(path: Path) -> Iterator[dict[str, str]]:
    """Rows of a UTF-8 TSV with a header; lines starting with ``#`` are comments."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        lines = (line for line in handle if not line.startswith("#") and line.strip())
        for row in csv.DictReader(lines, delimiter="\t"):
            yield {key: normalize_identifier(value or "") for key, value in row.items() if key}


def split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(";") if item.strip()]
