"""The one exception tree of :mod:`agent_bridge.ami`::

    AmiError
    ├── AmiConnectionError     Asterisk unreachable, login refused, or the connection dropped
    │   └── AmiNotConnected    an action was asked for while no connection is up
    ├── AmiActionFailed        Asterisk answered ``Response: Error`` (``message`` says why)
    └── AmiTimeout             no complete answer within the action's time limit

An action whose connection dropped before its answer fails with :class:`AmiConnectionError` and is
**never** sent again by us (panoramisk 1.4 re-sends such actions after a reconnect, which would dial an
``Originate`` twice): the caller decides, after looking at what Asterisk now has.
"""

from __future__ import annotations


class AmiError(Exception):
    """Base class of every error raised on purpose by :mod:`agent_bridge.ami`."""


class AmiConnectionError(AmiError):
    """No usable connection to the Asterisk Manager Interface."""


class AmiNotConnected(AmiConnectionError):
    """An action was asked for while the connection is down (it was not sent)."""


class AmiActionFailed(AmiError):
    """Asterisk refused the action."""

    def __init__(self, action: str, message: str) -> None:
        super().__init__(f"{action}: {message}")
        self.action = action
        self.message = message


class AmiTimeout(AmiError):
    """The action's answer did not complete in time."""
