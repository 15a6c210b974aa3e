"""Retrain the router from the labelled dev set plus what officials confirmed at triage.

    python manage.py train_routing [--labels PATH] [--out PATH] [--no-retrieval] [--if-missing]

Confirmed decisions (``RoutingDecision``: sector, agencies, statutes an official accepted or
corrected) are added to ``barriers-dev.jsonl`` as labelled barriers, grouped by their recurring
regulation so the sector calibration never sees one rule on both sides. The model is written to
a temporary file and renamed (``routing.classifier.save_router``), so a crash never leaves a
half-written model where the workers load it. ``--if-missing`` does nothing when a model of the
current version exists (``make run`` uses it: the model is built once on a fresh machine, and
again only when the engine's model version changed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.db import DatabaseError

from routing import engine
from routing.classifier import LabelledBarrier, default_model_path, load_router
from routing.management.commands import train_router


def confirmed_items() -> list[LabelledBarrier]:
    """Officials' confirmed routings as labelled barriers (latest decision per barrier)."""
    from routing.models import RecurringMembership
    from routing.selectors import confirmed_decisions

    # A triage that did not confirm statutes says nothing about them; as a labelled barrier with
    # no statutes it would teach every statute model "not this one". Those decisions stay out.
    decisions = [d for d in confirmed_decisions() if d.statutes_confirmed and d.sector]
    groups = dict(
        RecurringMembership.objects.filter(barrier_id__in=[d.barrier_id for d in decisions]).values_list(
            "barrier_id", "regulation_id"
        )
    )
    items = []
    for d in decisions:
        barrier = d.barrier
        text = "\n".join(part for part in (barrier.body, barrier.statutes_named) if part)
        items.append(
            LabelledBarrier(
                id=f"confirmed-{barrier.pk}",
                title=barrier.title,
                text=text,
                sector=d.sector,
                ministries=tuple(d.agency_names),
                statutes=tuple(d.statutes),
                articles=tuple(d.articles),
                cluster=f"R{groups[barrier.pk]}" if barrier.pk in groups else f"barrier-{barrier.pk}",
            )
        )
    return items


def usable_model(path: Path) -> bool:
    """The model exists and loads as the current model version (an older one must be rebuilt)."""
    if not path.exists():
        return False
    try:
        load_router(path)
    except Exception:  # any reason it cannot be loaded (old version, truncated, not a model) means rebuild
        return False
    return True


class Command(train_router.Command):
    help = "Retrain the routing model from the labelled dev set plus officials' confirmed decisions."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--if-missing", action="store_true", help="only train when the model does not exist")

    def model_path(self, options: dict[str, Any]) -> Path:
        return options["out"] or engine.model_path() or default_model_path()

    def should_skip(self, out: Path, options: dict[str, Any]) -> bool:
        if options["if_missing"] and usable_model(out):
            self.stdout.write(f"{out} exists; not retraining (drop --if-missing to retrain)")
            return True
        return False

    def extra_items(self) -> list[LabelledBarrier]:
        try:
            return confirmed_items()
        except DatabaseError as exc:  # a fresh machine before migrate: the dev set alone
            self.stderr.write(f"confirmed decisions not read ({exc}); training on the dev set only")
            return []

    def after_save(self) -> None:
        engine.use_router(None)  # this process reloads the new model on next use
