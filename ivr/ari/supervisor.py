"""Connection supervision for the ARI event websocket: reconnect with backoff, then resync.

:class:`AriSupervisor` keeps one websocket to Asterisk open for our Stasis app. Each successful
(re)connection is followed by a **resync**: the supervisor asks Asterisk which channels are in our app
right now (``GET /applications/{app}`` channel ids, joined with ``GET /channels``) and yields a synthetic
:class:`~ivr.ari.events.Resynced` event *before* any real event of that connection. The IVR reconciles its
calls with it: adopt channels it does not know (our process restarted), forget those it knows that are
gone. The websocket is opened *before* the resync, so nothing falls in between; a channel may therefore
appear in ``Resynced`` and again in a ``StasisStart`` buffered on the new socket, so consumers must treat
both idempotently.

Reconnecting the websocket re-registers the app; nothing else is needed. Verified on Asterisk 22.10:
while our websocket is down, channels already in the app stay there (still listed by
``GET /applications/{app}``, still controllable over REST) but their events are lost; once the app has
no channel left and no websocket, Asterisk forgets it (404), new calls find ``Stasis()`` failing and the
dialplan sends them to the general queue.

Inbound versus outbound websockets. Asterisk ≥ 22.5 can also *dial out* to the application
(``ari.conf`` ``type = outbound_websocket`` + a ``websocket_client.conf`` connection): Asterisk then
owns reconnection (it retries forever) and, in ``per_call_config`` mode, opens one websocket per call,
and REST requests can travel over the same socket. We implement the classic inbound mode only, because
(1) it works on every Asterisk 22 (and earlier) node a 12345 centre may run, while outbound needs 22.5+
and per-node configuration pointing at our process; (2) with several Asterisk nodes it keeps the
topology in one place (our settings list the nodes) instead of each node's config naming our hosts,
ports and credentials; (3) our process must resync after its own restart anyway, which the inbound
client does on every connection, and the REST side stays plain HTTP in both modes. The event model
(:mod:`ivr.ari.events`) is the same for both, so an outbound server can feed the same parser later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

from ivr.ari.backoff import BackoffPolicy, backoff_delay
from ivr.ari.client import AriClient
from ivr.ari.errors import AriConnectionError, AriError, AriNotFound
from ivr.ari.events import AriEvent, Resynced
from ivr.ari.resync import select_app_channels
from ivr.ari.websocket import EventStream

log = logging.getLogger(__name__)
T = TypeVar("T")


class AriSupervisor:
    """Supervised event stream of one :class:`AriClient`: ``async for event in sup.events()``.

    ``events()`` runs until :meth:`stop`; it raises :class:`AriConnectionError` only when
    ``policy.max_attempts`` consecutive connection attempts failed.
    """

    def __init__(
        self,
        client: AriClient,
        policy: BackoffPolicy | None = None,
        *,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.policy = policy or BackoffPolicy()
        self._rng = rng or random.Random()
        self._clock = clock
        self._stop = asyncio.Event()
        self._stream: EventStream | None = None
        self._running = False
        self.connections = 0
        """Successful connections so far (the ``connection`` number of each :class:`Resynced`)."""

    @property
    def connected(self) -> bool:
        """True while a websocket is open."""
        return self._stream is not None

    async def stop(self) -> None:
        """End :meth:`events` promptly: interrupts a backoff wait, a connect or an open stream."""
        self._stop.set()
        stream = self._stream
        if stream is not None:
            await stream.aclose()

    def drop_connection(self) -> None:
        """Cut the current websocket as a network failure would; the supervisor reconnects and resyncs."""
        if self._stream is not None:
            self._stream.abort()

    async def events(self) -> AsyncIterator[AriEvent]:
        """Events of every connection, each connection starting with a :class:`Resynced`."""
        if self._running:
            raise AriError("AriSupervisor.events() is already running")
        self._running, failures = True, 0
        try:
            while not self._stop.is_set():
                try:
                    stream = await self._until_stopped(self.client.open_events())
                except AriConnectionError as exc:
                    failures += 1
                    if self.policy.max_attempts is not None and failures >= self.policy.max_attempts:
                        raise
                    await self._backoff(failures - 1, exc)
                    continue
                if stream is None:
                    return
                connected_at = self._clock()
                self._stream = stream
                self.connections += 1
                try:
                    resynced = await self._until_stopped(self._resync())
                    if resynced is None:
                        return
                    failures = 0
                    yield resynced
                    async for event in stream:
                        yield event
                except AriError as exc:
                    log.warning("ARI connection %d lost: %s", self.connections, exc)
                finally:
                    self._stream = None
                    await stream.aclose()
                if self._stop.is_set():
                    return
                stable = self._clock() - connected_at >= self.policy.stable_after
                attempt = 0 if stable else failures + 1
                failures = attempt
                await self._backoff(attempt, None)
        finally:
            self._running = False

    async def _resync(self) -> Resynced:
        try:
            channel_ids: tuple[str, ...] | None = (await self.client.get_application()).channel_ids
        except AriNotFound:
            channel_ids = None
        channels = await self.client.list_channels()
        return Resynced(
            channels=select_app_channels(channels, self.client.app, channel_ids),
            connection=self.connections,
            application=self.client.app,
            timestamp=datetime.now(UTC),
        )

    async def _backoff(self, attempt: int, error: Exception | None) -> None:
        delay = backoff_delay(self.policy, attempt, self._rng.random())
        log.info("ARI reconnect in %.2f s (attempt %d)%s", delay, attempt + 1, f": {error}" if error else "")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=delay)

    async def _until_stopped(self, work: Awaitable[T]) -> T | None:
        """``await work`` unless :meth:`stop` comes first (then ``work`` is cancelled, result ``None``)."""
        task = asyncio.ensure_future(work)
        stopper = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:  # our own caller was cancelled: do not leave the work running
            task.cancel()
            raise
        finally:
            stopper.cancel()
        if task.done():
            return task.result()
        task.cancel()
        await asyncio.wait({task})  # never raises; the outcome is dropped on purpose
        if not task.cancelled() and task.exception() is None:
            result = task.result()
            if isinstance(result, EventStream):
                await result.aclose()
        return None
