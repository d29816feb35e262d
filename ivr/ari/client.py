"""A thin asyncio adapter over ARI: REST calls (httpx) and the event websocket (websockets).

All decisions live in pure code (:mod:`ivr.ari.events`, :mod:`ivr.ari.resources`,
:func:`ivr.ari.errors.http_error`, :func:`ivr.ari.websocket.events_url`); this module only moves
bytes. Every failure is an :class:`~ivr.ari.errors.AriError`: transport problems are
:class:`AriConnectionError`, error statuses :class:`AriHttpError` (:class:`AriNotFound` for a channel
that already hung up).

Credentials travel in a basic-auth header, also on the websocket (never as ``api_key`` in a URL that
could end up in a log).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from types import TracebackType
from typing import Any, Literal
from urllib.parse import quote

import httpx

from ivr.ari.errors import AriConnectionError, AriParseError, http_error
from ivr.ari.events import AriEvent
from ivr.ari.resources import (
    Application,
    Bridge,
    Channel,
    LiveRecording,
    Playback,
    StoredRecording,
    as_object,
)
from ivr.ari.websocket import EventStream, events_url, open_event_stream

Params = Mapping[str, str | int | bool | None]
SpyDirection = Literal["none", "in", "out", "both"]


def encode_params(params: Params) -> dict[str, str]:
    """ARI query parameters: ``None`` dropped, booleans as ``true``/``false``, numbers as text."""
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        out[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return out


def media_param(media: str | Sequence[str]) -> str:
    """One ``media`` value: several URIs are comma-joined (a repeated ``media=`` keeps only the last)."""
    return media if isinstance(media, str) else ",".join(media)


def _seg(value: str) -> str:
    return quote(value, safe="")


MAX_CONNECTIONS = 400
"""HTTP connections to one Asterisk's ARI (several per active call at peak)."""


class AriClient:
    """ARI for one Asterisk and one Stasis application.

    ``base_url`` is ``http://host:port/ari``. Pass an ``httpx.AsyncClient`` to share a pool (it is then
    not closed by :meth:`aclose`).
    """

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        app: str,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
        connect_timeout: float = 10.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.app = app
        self._username, self._password = username, password
        self._auth = httpx.BasicAuth(username, password)
        self._owns_http = http is None
        # Keep a connection per concurrent request: when requests queue for a connection, httpcore's
        # pool rescans its whole queue on every release and the event loop drowns (measured: 200
        # concurrent calls with the default 20 keep-alive connections stalled the IVR).
        limits = httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS)
        self._http = http if http is not None else httpx.AsyncClient(timeout=timeout, limits=limits)
        self._timeout = timeout
        self._connect_timeout = connect_timeout

    async def aclose(self) -> None:
        """Close the HTTP pool if this client created it."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AriClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    # ----------------------------------------------------------------------------------------- plumbing
    async def request(self, method: str, path: str, params: Params | None = None, body: Any = None) -> Any:
        """One REST call; returns the decoded JSON body (``None`` for 204). Raises :class:`AriError`."""
        url = f"{self.base_url}{path}"
        try:
            response = await self._http.request(
                method,
                url,
                params=encode_params(params or {}),
                json=body,
                auth=self._auth,
                timeout=self._timeout,
            )
        except httpx.TransportError as exc:
            raise AriConnectionError(f"{method} {path}: {exc!r}") from exc
        if response.status_code >= 400:
            raise http_error(response.status_code, response.text, method, path)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise AriParseError(f"{method} {path}: response is not JSON: {response.text[:200]}") from exc

    async def open_events(self, *, subscribe_all: bool = False) -> EventStream:
        """Open the event websocket for our app (this registers the app with Asterisk)."""
        url = events_url(self.base_url, self.app, subscribe_all=subscribe_all)
        return await open_event_stream(url, self._username, self._password, self._connect_timeout)

    async def events(self) -> AsyncIterator[AriEvent]:
        """Events of one websocket connection; raises :class:`AriConnectionError` when it drops.

        For supervision (reconnect, resync) use :class:`ivr.ari.supervisor.AriSupervisor`.
        """
        stream = await self.open_events()
        try:
            async for event in stream:
                yield event
        finally:
            await stream.aclose()

    # ----------------------------------------------------------------------------------------- channels
    async def list_channels(self) -> list[Channel]:
        """Every channel Asterisk has (in any app or none)."""
        body = await self.request("GET", "/channels")
        if not isinstance(body, list):
            raise AriParseError("GET /channels: expected a list")
        return [Channel.from_json(item) for item in body]

    async def get_channel(self, channel_id: str) -> Channel:
        """One channel; :class:`AriNotFound` once it is gone."""
        return Channel.from_json(await self.request("GET", f"/channels/{_seg(channel_id)}"))

    async def answer(self, channel_id: str) -> None:
        """Answer the channel (it enters Stasis unanswered from the dialplan)."""
        await self.request("POST", f"/channels/{_seg(channel_id)}/answer")

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        """Hang up (``reason``: normal, busy, congestion, no_answer, …). Works outside Stasis too."""
        await self.request("DELETE", f"/channels/{_seg(channel_id)}", {"reason": reason})

    async def continue_in_dialplan(
        self,
        channel_id: str,
        context: str | None = None,
        extension: str | None = None,
        priority: int | None = None,
        label: str | None = None,
    ) -> None:
        """Leave Stasis and continue in the dialplan (``StasisEnd`` follows)."""
        params = {"context": context, "extension": extension, "priority": priority, "label": label}
        await self.request("POST", f"/channels/{_seg(channel_id)}/continue", params)

    async def set_variable(self, channel_id: str, variable: str, value: str) -> None:
        """Set a channel variable or function (``ChannelVarset`` follows)."""
        params = {"variable": variable, "value": value}
        await self.request("POST", f"/channels/{_seg(channel_id)}/variable", params)

    async def get_variable(self, channel_id: str, variable: str) -> str:
        """A channel variable; :class:`AriNotFound` when it is unset (or the channel is gone)."""
        body = await self.request("GET", f"/channels/{_seg(channel_id)}/variable", {"variable": variable})
        value = as_object(body, "variable").get("value")
        if not isinstance(value, str):
            raise AriParseError("GET variable: 'value' missing")
        return value

    # ----------------------------------------------------------------------------------------- media
    async def play(
        self,
        channel_id: str,
        media: str | Sequence[str],
        playback_id: str | None = None,
        lang: str | None = None,
    ) -> str:
        """Play ``sound:``/``recording:``/``tone:`` media (several in sequence); returns the playback id."""
        params = {"media": media_param(media), "playbackId": playback_id, "lang": lang}
        body = await self.request("POST", f"/channels/{_seg(channel_id)}/play", params)
        return Playback.from_json(body).id

    async def stop_playback(self, playback_id: str) -> None:
        """Stop a playback (``PlaybackFinished`` with state ``done`` follows)."""
        await self.request("DELETE", f"/playbacks/{_seg(playback_id)}")

    async def record(
        self,
        channel_id: str,
        name: str,
        format: str = "wav16",
        max_duration: int = 0,
        max_silence: int = 0,
        beep: bool = False,
        terminate_on: str = "none",
        if_exists: Literal["fail", "overwrite", "append"] = "fail",
    ) -> LiveRecording:
        """Record the caller into ``{spool}/recording/{name}.{format}`` (0 = no limit).

        :class:`AriConflict` when ``name`` exists and ``if_exists='fail'``; HTTP 422 for an unknown format.
        """
        params: Params = {
            "name": name,
            "format": format,
            "maxDurationSeconds": max_duration,
            "maxSilenceSeconds": max_silence,
            "beep": beep,
            "terminateOn": terminate_on,
            "ifExists": if_exists,
        }
        body = await self.request("POST", f"/channels/{_seg(channel_id)}/record", params)
        return LiveRecording.from_json(body)

    async def stop_recording(self, name: str) -> None:
        """Stop a live recording and keep the file (``RecordingFinished`` follows)."""
        await self.request("POST", f"/recordings/live/{_seg(name)}/stop")

    async def get_stored_recording(self, name: str) -> StoredRecording:
        """A stored recording; :class:`AriNotFound` when there is none."""
        return StoredRecording.from_json(await self.request("GET", f"/recordings/stored/{_seg(name)}"))

    async def delete_stored_recording(self, name: str) -> None:
        """Delete a stored recording; :class:`AriNotFound` when there is none."""
        await self.request("DELETE", f"/recordings/stored/{_seg(name)}")

    async def snoop(
        self,
        channel_id: str,
        app: str | None = None,
        spy: SpyDirection = "in",
        snoop_id: str | None = None,
        whisper: SpyDirection = "none",
        app_args: str | None = None,
    ) -> Channel:
        """A snoop channel on ``channel_id`` that enters ``app`` (default: ours) with ``StasisStart``."""
        params = {
            "app": app or self.app,
            "spy": spy,
            "whisper": whisper,
            "snoopId": snoop_id,
            "appArgs": app_args,
        }
        return Channel.from_json(await self.request("POST", f"/channels/{_seg(channel_id)}/snoop", params))

    async def external_media(
        self,
        external_host: str,
        app: str | None = None,
        format: str = "slin16",
        channel_id: str | None = None,
        encapsulation: str = "rtp",
        transport: str = "udp",
        direction: str = "both",
    ) -> Channel:
        """A channel that streams RTP to ``external_host`` (``host:port``); slin16 is big-endian.

        Asterisk's local RTP address is in ``channelvars`` (``UNICASTRTP_LOCAL_ADDRESS``/``_PORT``).
        """
        params = {
            "app": app or self.app,
            "external_host": external_host,
            "format": format,
            "channelId": channel_id,
            "encapsulation": encapsulation,
            "transport": transport,
            "direction": direction,
        }
        return Channel.from_json(await self.request("POST", "/channels/externalMedia", params))

    # ----------------------------------------------------------------------------------------- bridges
    async def create_bridge(
        self, bridge_type: str = "mixing", bridge_id: str | None = None, name: str | None = None
    ) -> Bridge:
        """Create a bridge (``mixing``, ``holding``, …)."""
        params = {"type": bridge_type, "bridgeId": bridge_id, "name": name}
        return Bridge.from_json(await self.request("POST", "/bridges", params))

    async def add_channel(self, bridge_id: str, channel_ids: str | Sequence[str]) -> None:
        """Put one or more channels into a bridge."""
        params = {"channel": media_param(channel_ids)}
        await self.request("POST", f"/bridges/{_seg(bridge_id)}/addChannel", params)

    async def remove_channel(self, bridge_id: str, channel_ids: str | Sequence[str]) -> None:
        """Take one or more channels out of a bridge."""
        params = {"channel": media_param(channel_ids)}
        await self.request("POST", f"/bridges/{_seg(bridge_id)}/removeChannel", params)

    async def destroy_bridge(self, bridge_id: str) -> None:
        """Destroy a bridge (its channels stay up); :class:`AriNotFound` when it is gone."""
        await self.request("DELETE", f"/bridges/{_seg(bridge_id)}")

    # ----------------------------------------------------------------------------------------- origination
    async def originate(
        self,
        endpoint: str,
        *,
        app: str | None = None,
        app_args: Sequence[str] = (),
        context: str | None = None,
        extension: str | None = None,
        priority: int | None = None,
        caller_id: str | None = None,
        timeout: int = 30,
        channel_id: str | None = None,
        variables: Mapping[str, str] | None = None,
    ) -> Channel:
        """Dial ``endpoint`` (e.g. ``PJSIP/138…@citizens``) into ``app`` (default ours) or the dialplan.

        Returns at once with the new channel (state ``Down``); an unanswered call ends with
        ``ChannelDestroyed`` (cause 19 no answer) when subscribed, a ``StasisStart`` when answered.
        """
        in_dialplan = context is not None or extension is not None
        params: dict[str, str | int | bool | None] = {
            "endpoint": endpoint,
            "callerId": caller_id,
            "timeout": timeout,
            "channelId": channel_id,
        }
        if in_dialplan:
            params.update({"context": context, "extension": extension, "priority": priority})
        else:
            params.update({"app": app or self.app, "appArgs": ",".join(app_args) or None})
        body = {"variables": dict(variables)} if variables else None
        return Channel.from_json(await self.request("POST", "/channels", params, body))

    # ----------------------------------------------------------------------------------------- application
    async def get_application(self, app: str | None = None) -> Application:
        """What Asterisk holds for the app (channel ids in Stasis); :class:`AriNotFound` if unregistered."""
        return Application.from_json(await self.request("GET", f"/applications/{_seg(app or self.app)}"))

    async def subscribe(self, event_source: str) -> Application:
        """Also receive events of ``channel:<id>``/``bridge:<id>`` (e.g. a channel after ``continue``)."""
        path = f"/applications/{_seg(self.app)}/subscription"
        return Application.from_json(await self.request("POST", path, {"eventSource": event_source}))

    async def unsubscribe(self, event_source: str) -> Application:
        """Stop receiving events of ``event_source``."""
        path = f"/applications/{_seg(self.app)}/subscription"
        return Application.from_json(await self.request("DELETE", path, {"eventSource": event_source}))
