"""Train the router (sector, implied statutes, agencies) and write it to var/routing/router.joblib.

    python manage.py train_router [--labels PATH] [--out PATH] [--no-retrieval]

Reads the statute corpus from ``settings.HAECHI_DATA_DIR`` and labelled barriers from
``barriers-dev.jsonl`` there (or ``--labels``). ``train_routing`` is this command plus the
routings officials confirmed at triage.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from routing.classifier import LabelledBarrier, default_model_path, load_labelled, save_router, train_router


class Command(BaseCommand):
    help = "Train the routing model from labelled barriers and the statute corpus."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--labels", type=Path, default=None, help="labelled JSONL (default: barriers-dev.jsonl)")
        parser.add_argument("--out", type=Path, default=None, help="model path (default: var/routing/router.joblib)")
        parser.add_argument("--no-retrieval", action="store_true", help="skip the corpus article retriever (faster)")

    def model_path(self, options: dict[str, Any]) -> Path:
        return options["out"] or default_model_path()

    def should_skip(self, out: Path, options: dict[str, Any]) -> bool:
        """True when there is nothing to train (``train_routing --if-missing`` with a usable model)."""
        return False

    def extra_items(self) -> list[LabelledBarrier]:
        """Labelled barriers beyond the labels file (``train_routing``: officials' decisions)."""
        return []

    def after_save(self) -> None:
        """Hook for what must follow a new model (``train_routing``: drop this process's copy)."""

    def handle(self, *args: Any, **options: Any) -> None:
        data_dir = Path(settings.HAECHI_DATA_DIR)
        labels: Path = options["labels"] or data_dir / "barriers-dev.jsonl"
        out = self.model_path(options)
        if self.should_skip(out, options):
            return
        for required in (labels, data_dir / "statutes.jsonl.gz"):
            if not required.exists():
                raise CommandError(f"missing {required}")
        try:
            items = load_labelled(labels)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        extra = self.extra_items()
        if not items and not extra:
            raise CommandError(f"no labelled barriers in {labels}")
        started = time.perf_counter()
        router = train_router(data_dir, items + extra, retrieval=not options["no_retrieval"])
        save_router(router, out)
        self.after_save()
        trained = f"{len(items)} labelled + {len(extra)} confirmed barriers" if extra else f"{len(items)} barriers"
        self.stdout.write(
            f"trained on {trained} in {time.perf_counter() - started:.0f}s; wrote {out} "
            f"({out.stat().st_size / 1e6:.0f} MB)"
        )
