"""Errors of the barriers app, each with a stable code (clients and tests assert the code)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.errors import Conflict


class TransitionNotAllowed(Conflict):
    """The barrier is not in a state from which this action may be taken (HTTP 409)."""

    code = "transition_not_allowed"

    def __init__(self, *, current: str, verb: str) -> None:
        from barriers.models import BarrierStatus

        label = BarrierStatus(current).label
        super().__init__(_("현재 상태(%(status)s)에서는 이 처리를 할 수 없습니다.") % {"status": label})
        self.current = current
        self.verb = verb


class StaleVersion(Conflict):
    """Someone else changed the barrier since the client read it (optimistic concurrency)."""

    code = "stale_version"

    def __init__(self) -> None:
        super().__init__(_("다른 사용자가 먼저 처리했습니다. 화면을 새로 고친 뒤 다시 시도하세요."))
