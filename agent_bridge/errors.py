"""Errors of the agent bridge that reach the API (they are ticketing errors, so the one handler maps them)."""

from __future__ import annotations

from ticketing.errors import ServiceUnavailable


class TelephonyUnavailable(ServiceUnavailable):
    """Asterisk cannot be reached, or refused what the agent asked; nothing was changed."""

    error_id = "telephony_unavailable"
