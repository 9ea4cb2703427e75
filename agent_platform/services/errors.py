"""Domain errors. The API maps each to a status and ``{"error": {code, message, details}}``."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base class: ``code`` is stable and machine-readable, ``message`` is for people."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class InvalidInput(DomainError):
    """The request is well-formed but its values are not acceptable."""

    status = 422
    code = "validation_error"


class Unauthenticated(DomainError):
    """No valid session or API key."""

    status = 401
    code = "unauthenticated"


class Forbidden(DomainError):
    """Authenticated, but the role or scope does not allow this."""

    status = 403
    code = "forbidden"


class NotFound(DomainError):
    """Missing, or belongs to another tenant (the two are indistinguishable on purpose)."""

    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The action clashes with the current state (duplicate, already decided, ...)."""

    status = 409
    code = "conflict"


class RateLimited(DomainError):
    """Too many attempts; ``retry_after`` is in seconds."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, details={"retry_after": retry_after})
        self.retry_after = retry_after
