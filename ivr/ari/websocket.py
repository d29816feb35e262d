"""The ARI event websocket: its URL (pure), the connection and the stream of typed events.

Credentials travel in a basic-auth header (never as ``api_key`` in a URL that could end up in a log).
"""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator, Sequence
from urllib.parse import urlencode, urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from ivr.ari.errors import AriConnectionError, AriParseError
from ivr.ari.events import AriEvent, parse_event

log = logging.getLogger(__name__)


def events_url(base_url: str, app: str | Sequence[str], *, subscribe_all: bool = False) -> str:
    """The event websocket URL for ``base_url`` (``http://host:8088/ari``) and one or more apps."""
    parts = urlsplit(base_url.rstrip("/"))
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    apps = app if isinstance(app, str) else ",".join(app)
    query = urlencode({"app": apps, "subscribeAll": "true" if subscribe_all else "false"})
    return urlunsplit((scheme, parts.netloc, f"{parts.path}/events", query, ""))


def basic_auth_header(username: str, password: str) -> str:
    """``Basic base64(user:password)`` for the websocket handshake."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


async def open_event_stream(
    url: str, username: str, password: str, open_timeout: float = 10.0
) -> EventStream:
    """Connect the event websocket; :class:`AriConnectionError` when refused or unreachable."""
    headers = {"Authorization": basic_auth_header(username, password)}
    try:
        connection = await connect(
            url,
            additional_headers=headers,
            open_timeout=open_timeout,
            ping_interval=20,
            ping_timeout=20,
            max_size=2**22,
        )
    except InvalidStatus as exc:
        status = exc.response.status_code
        raise AriConnectionError(f"ARI websocket refused with HTTP {status} ({url})") from exc
    except (OSError, TimeoutError, InvalidHandshake) as exc:
        raise AriConnectionError(f"cannot open the ARI websocket {url}: {exc!r}") from exc
    return EventStream(connection)


class EventStream:
    """One open event websocket. Iterate for typed events; ``aclose()`` ends the iteration.

    The iteration ends quietly when the socket is closed by :meth:`aclose`, and raises
    :class:`AriConnectionError` when Asterisk or the network closes it. Malformed frames are logged and
    skipped (counted in :attr:`malformed`).
    """

    def __init__(self, connection: ClientConnection) -> None:
        self._connection = connection
        self._closing = False
        self.malformed = 0

    async def aclose(self) -> None:
        """Close the websocket cleanly (idempotent); the iteration then ends without an error."""
        self._closing = True
        await self._connection.close()

    def abort(self) -> None:
        """Cut the TCP connection without a close handshake, as a network failure would.

        The iteration then raises :class:`AriConnectionError` (used to test reconnection).
        """
        self._connection.transport.abort()

    async def __aiter__(self) -> AsyncIterator[AriEvent]:
        while True:
            try:
                frame = await self._connection.recv()
            except ConnectionClosed as exc:
                if self._closing:
                    return
                raise AriConnectionError(f"ARI event websocket closed: {exc}") from exc
            try:
                yield parse_event(frame)
            except AriParseError as exc:
                self.malformed += 1
                log.warning("skipping malformed ARI event frame: %s", exc)
