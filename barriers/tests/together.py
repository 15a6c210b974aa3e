"""Start several calls at the same instant on their own threads (and database connections), for
the concurrency tests on PostgreSQL: what each returned, or the exception it raised."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections


def run_together(*calls: Callable[[], Any], timeout: float = 60) -> list[Any]:
    """Run ``calls`` at once, one thread each, released together; each thread closes its own
    connections. Returns their results (an exception in place of a result) in order."""
    gate = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def worker(i: int, call: Callable[[], Any]) -> None:
        try:
            gate.wait()
            outcomes[i] = call()
        except Exception as exc:  # collected: the test asserts on the outcomes
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return outcomes
