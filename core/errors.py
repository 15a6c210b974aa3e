"""The one error type that domain code raises, with stable codes clients can rely on.

Messages are for people (Korean by default, translated on output); ``code`` is for programs and
tests, so they never have to match wording.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A business rule refused an action. ``status`` is the HTTP status an API should answer."""

    status: int = 400
    code: str = "invalid"

    def __init__(self, message: Any, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        if code is not None:
            self.code = code
        self.field = field

    def as_dict(self) -> dict[str, Any]:
        """The error as an API body: ``{"code", "message", "field"?}``."""
        body: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.field:
            body["field"] = self.field
        return body


class ValidationFailed(DomainError):
    """Input broke a rule (bad 사업자등록번호, blank name, ...)."""

    status = 400
    code = "validation_failed"


class Conflict(DomainError):
    """The action clashes with stored data (duplicate, wrong state)."""

    status = 409
    code = "conflict"


class NotPermitted(DomainError):
    """The user may not do this to this object."""

    status = 403
    code = "not_permitted"


class NotFound(DomainError):
    """The object does not exist, or the user may not know that it exists."""

    status = 404
    code = "not_found"


class TooManyRequests(DomainError):
    """A rate limit refused the action for now; ``retry_after`` is in seconds."""

    status = 429
    code = "too_many_requests"

    def __init__(self, message: Any, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after
