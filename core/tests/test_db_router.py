"""The read-replica router: only code that opts in reads from the replica, and only when one is
configured; writes and migrations stay on default."""

from __future__ import annotations

from types import SimpleNamespace

from barriers.models import Barrier
from core import db_routers
from core.db_routers import ReplicaRouter, reads_from_replica, replica_reads

router = ReplicaRouter()


def test_without_a_replica_everything_stays_on_default(monkeypatch):
    monkeypatch.setattr(db_routers, "settings", SimpleNamespace(DATABASES={"default": {}}))
    with replica_reads():
        assert router.db_for_read(Barrier) is None


def test_reads_opted_in_go_to_the_replica(monkeypatch):
    monkeypatch.setattr(db_routers, "settings", SimpleNamespace(DATABASES={"default": {}, "replica": {}}))
    assert router.db_for_read(Barrier) is None
    with replica_reads():
        assert router.db_for_read(Barrier) == "replica"
        assert router.db_for_write(Barrier) == "default"
    assert router.db_for_read(Barrier) is None

    @reads_from_replica
    def dashboard() -> str | None:
        return router.db_for_read(Barrier)

    assert dashboard() == "replica"
    assert router.allow_migrate("replica", "barriers") is False and router.allow_migrate("default", "barriers")
