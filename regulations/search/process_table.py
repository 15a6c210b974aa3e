"""One table per process, built from the database, reloaded when any process says it changed.

The search keeps two such tables (statute names, corpus statistics). Each process holds its own
copy in memory; a version token in Django's cache says which copy is current. ``forget`` drops
the token (now, and again once the transaction commits, since another process may reload the
old data in between), so every process rebuilds on its next use: at once when they share the
cache (database cache), within ``ttl`` seconds with a per-process cache.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Generic, TypeVar

from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")


class ProcessTable(Generic[T]):
    """A table built by ``load``, kept per process, current while ``version_key`` is unchanged."""

    def __init__(self, *, version_key: str, load: Callable[[], T], ttl: int = 300) -> None:
        self.version_key = version_key
        self.load = load
        self.ttl = ttl
        self._table: T | None = None
        self._version: str | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        """This process's table, rebuilt first if another process (or this one) forgot it."""
        version = cache.get(self.version_key)
        if version is None:
            version = uuid.uuid4().hex
            if not cache.add(self.version_key, version, self.ttl):
                version = cache.get(self.version_key) or version
        table = self._table
        if table is not None and self._version == version:
            return table
        with self._lock:
            if self._table is None or self._version != version:
                self._table, self._version = self.load(), version
            return self._table

    def forget(self) -> None:
        """Make every process rebuild its table: now and once the transaction commits."""
        self._drop()
        transaction.on_commit(self._drop)

    def _drop(self) -> None:
        self._table = None
        cache.delete(self.version_key)
