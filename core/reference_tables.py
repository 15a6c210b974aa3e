"""Small hand-edited reference tables (sectors, deadline policies, closures) kept in Django's cache.

Such tables change only through the admin or a reference-data reload, yet hot request paths read
them on every filing or list page. A ``ReferenceTable`` loads its rows once into the cache and drops
them whenever a row of a watched model is saved or deleted. Processes that do not share a cache
(the default in-memory one) see an edit made through another process within ``seconds``.
``bulk_create`` and queryset ``update()`` send no signals: callers that use them call ``forget()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")


class ReferenceTable(Generic[T]):
    """The value ``load()`` returns, cached under ``key`` until a watched model changes."""

    def __init__(self, key: str, load: Callable[[], T], *, watch: Iterable[type[Model]], seconds: int = 300) -> None:
        self.key = key
        self.load = load
        self.seconds = seconds
        for model in watch:
            label = model._meta.label
            post_save.connect(self.forget, sender=model, dispatch_uid=f"{key}:{label}:save", weak=False)
            post_delete.connect(self.forget, sender=model, dispatch_uid=f"{key}:{label}:delete", weak=False)

    def get(self) -> T:
        """The cached rows, loaded from the database on a miss."""
        value: T | None = cache.get(self.key)
        if value is None:
            value = self.load()
            cache.set(self.key, value, self.seconds)
        return value

    def forget(self, **_signal_kwargs: Any) -> None:
        """Drop the cached rows now, and again once the writing transaction commits: a reader in
        between could have cached the rows as they were before the write."""
        cache.delete(self.key)
        transaction.on_commit(lambda: cache.delete(self.key))
