"""Train the router (sector, implied statutes, agencies) and write it to var/routing/router.joblib.

    python manage.py train_router [--labels PATH] [--out PATH] [--no-retrieval]

Reads the statute corpus from ``settings.HAECHI_DATA_DIR`` and labelled barriers from
``barriers-dev.jsonl`` there (or ``--labels``). Confirmed routings from the database will be
added here once RoutingSuggestion exists (issue 7, second part).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from routing.classifier import default_model_path, load_labelled, save_router, train_router


class Command(BaseCommand):
    help = "Train the routing model from labelled barriers and the statute corpus."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--labels", type=Path, default=None, help="labelled JSONL (default: barriers-dev.jsonl)")
        parser.add_argument("--out", type=Path, default=None, help="model path (default: var/routing/router.joblib)")
        parser.add_argument("--no-retrieval", action="store_true", help="skip the corpus article retriever (faster)")

    def handle(self, *args: Any, **options: Any) -> None:
        data_dir = Path(settings.HAECHI_DATA_DIR)
        labels: Path = options["labels"] or data_dir / "barriers-dev.jsonl"
        out: Path = options["out"] or default_model_path()
        for required in (labels, data_dir / "statutes.jsonl.gz"):
            if not required.exists():
                raise CommandError(f"missing {required}")
        try:
            items = load_labelled(labels)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if not items:
            raise CommandError(f"no labelled barriers in {labels}")
        started = time.perf_counter()
        router = train_router(data_dir, items, retrieval=not options["no_retrieval"])
        save_router(router, out)
        self.stdout.write(
            f"trained on {len(items)} barriers in {time.perf_counter() - started:.0f}s; wrote {out} "
            f"({out.stat().st_size / 1e6:.0f} MB)"
        )
