"""The one exception tree of :mod:`ivr.ari`.

Everything this package raises on purpose is an :class:`AriError`::

    AriError
    ├── AriConnectionError      Asterisk unreachable, websocket refused/closed, HTTP transport failure
    ├── AriHttpError            ARI answered with a 4xx/5xx status (``status``, ``body``)
    │   ├── AriNotFound         404: the channel hung up, the playback/recording/bridge is gone
    │   └── AriConflict         409: e.g. the channel is not (or no longer) in our Stasis app
    └── AriParseError           an event frame or a REST body is not what ARI documents
"""

from __future__ import annotations

import json


class AriError(Exception):
    """Base class of every error raised by :mod:`ivr.ari`."""


class AriConnectionError(AriError):
    """Asterisk could not be reached, refused the connection, or the event websocket closed."""


class AriParseError(AriError):
    """A websocket frame or REST response is malformed or lacks a mandatory field."""


class AriHttpError(AriError):
    """ARI answered a REST request with an error status.

    ``status`` is the HTTP status, ``body`` the raw response text (ARI sends ``{"message": "…"}``),
    ``message`` the ARI message when there is one.
    """

    def __init__(self, status: int, body: str, method: str = "", path: str = "") -> None:
        self.status = status
        self.body = body
        self.method = method
        self.path = path
        self.message = _ari_message(body)
        where = f"{method} {path} " if method or path else ""
        super().__init__(f"{where}-> HTTP {status}: {self.message or body[:200]}")


class AriNotFound(AriHttpError):
    """404: the resource does not exist (any more), e.g. acting on a channel that just hung up."""


class AriConflict(AriHttpError):
    """409: the resource is in the wrong state, e.g. the channel is not in a Stasis application."""


def _ari_message(body: str) -> str:
    try:
        decoded = json.loads(body)
    except ValueError:
        return ""
    if isinstance(decoded, dict) and isinstance(decoded.get("message"), str):
        return str(decoded["message"])
    return ""


def http_error(status: int, body: str, method: str = "", path: str = "") -> AriHttpError:
    """The :class:`AriHttpError` subclass for ``status`` (pure; used by the client)."""
    if status == 404:
        return AriNotFound(status, body, method, path)
    if status == 409:
        return AriConflict(status, body, method, path)
    return AriHttpError(status, body, method, path)
