"""One exception tree for the ticketing package.

Every error carries a stable ``error_id`` and the HTTP status it maps to; the API turns any
:class:`TicketingError` into ``{"error_id", "message", "details"}`` in one place
(:mod:`ticketing.api.errors`).
"""

from __future__ import annotations

from typing import Any, ClassVar


class TicketingError(Exception):
    """Base of every domain error raised by ``ticketing``."""

    error_id: ClassVar[str] = "ticketing_error"
    http_status: ClassVar[int] = 400

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details

    def to_dict(self) -> dict[str, Any]:
        """The wire form of this error."""
        return {"error_id": self.error_id, "message": self.message, "details": self.details}


class InvalidInput(TicketingError):
    """A value is malformed or out of range (bad phone, unknown category, oversized field…)."""

    error_id = "invalid_input"
    http_status = 422


class NotFound(TicketingError):
    """The ticket, department, user or article does not exist (or is invisible to the caller)."""

    error_id = "not_found"
    http_status = 404


class Conflict(TicketingError):
    """The request clashes with the current state of the data."""

    error_id = "conflict"
    http_status = 409


class IllegalTransition(Conflict):
    """A lifecycle action is not allowed in the ticket's current state."""

    error_id = "illegal_transition"


class StaleVersion(Conflict):
    """Another request changed the ticket first (optimistic locking)."""

    error_id = "stale_version"


class AuthenticationRequired(TicketingError):
    """No valid token was presented."""

    error_id = "authentication_required"
    http_status = 401


class PermissionDenied(TicketingError):
    """The user's role or unit does not allow this action."""

    error_id = "permission_denied"
    http_status = 403


class CalendarError(TicketingError):
    """The working-day calendar cannot answer (bad override, date out of range)."""

    error_id = "calendar_error"
    http_status = 422


class ServiceUnavailable(TicketingError):
    """Something the request needs is down right now (e.g. the telephony server); nothing was changed."""

    error_id = "service_unavailable"
    http_status = 503
