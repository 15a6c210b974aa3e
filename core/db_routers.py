"""Read replica for dashboards: reads inside ``reads_from_replica`` go to the ``replica`` database.

Why not route by model: the dashboards read the same tables the workflow writes, and a filer who
just submitted must see their barrier at once, which an asynchronous replica cannot promise. So
only code that opts in — dashboard views and exports, where a few seconds of lag is fine — reads
from the replica::

    @reads_from_replica
    def dashboard(request): ...

Configured by ``DATABASE_REPLICA_URL`` (``haechi/settings.py``); without it everything stays on
``default``. Writes and migrations always go to ``default``.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.conf import settings

REPLICA = "replica"
_use_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("haechi_use_replica", default=False)
F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def replica_reads() -> Iterator[None]:
    """Within the block, ORM reads use the replica when one is configured."""
    token = _use_replica.set(True)
    try:
        yield
    finally:
        _use_replica.reset(token)


def reads_from_replica(view: F) -> F:
    """Decorator form of ``replica_reads`` for dashboard views and exports."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with replica_reads():
            return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


class ReplicaRouter:
    """``settings.DATABASE_ROUTERS`` entry: see the module docstring."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if _use_replica.get() and REPLICA in settings.DATABASES:
            return REPLICA
        return None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the replica holds the same rows as default

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db != REPLICA
