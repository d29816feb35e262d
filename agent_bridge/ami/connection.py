"""One supervised AMI connection per Asterisk: login, one reader that fans events out, actions with
answers, a ping watchdog, reconnect with backoff. The thin asyncio adapter around the pure modules.

panoramisk supplies the transport protocol (framing, greeting, header parsing: ``AMIProtocol`` and
``Message``); its ``Manager`` is not used, because in 1.4 (the current release) it

- waits forever for ``QueueAdd`` (its reply is taken for the start of a list) and for a list action
  Asterisk refuses, and raises inside ``data_received`` on an ``Originate`` without ``Async``;
- sends ``Ping`` without ever checking for the ``Pong`` (a half-open TCP connection is never noticed);
- **re-sends** every action without an answer after a reconnect — an ``Originate`` could dial twice;
- leaks its ping/reconnect timers after a refused connect.

So answers are correlated by :mod:`agent_bridge.ami.responses` (pure), and this class supervises the
connection itself: a ``Ping`` every ``ping_interval`` that must be answered within ``ping_timeout`` or the
connection is dropped; after a drop every action still waiting fails with
:class:`~agent_bridge.ami.errors.AmiConnectionError` and is never sent again; then it reconnects with
the IVR's jittered backoff. Every successful login, once Asterisk says ``FullyBooted`` (it accepts
logins before its modules are loaded), is announced to the listeners as :class:`Connected` — the cue to
**resync** (QueueStatus, CoreShowChannels) instead of trusting what happened while away — and every loss
as :class:`Disconnected`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from panoramisk.ami_protocol import AMIProtocol

from agent_bridge.ami import actions
from agent_bridge.ami.actions import Action
from agent_bridge.ami.errors import AmiActionFailed, AmiConnectionError, AmiNotConnected, AmiTimeout
from agent_bridge.ami.events import AmiEvent, FullyBooted, parse_event
from agent_bridge.ami.messages import AmiMessage
from agent_bridge.ami.responses import Outcome, PendingAction
from ivr.ari.backoff import BackoffPolicy, backoff_delay

log = logging.getLogger(__name__)

EVENT_CLASSES = "system,call,agent,user"  # what the bridge reads (not dialplan, reporting, verbose…)
CONNECT_TIMEOUT_S = 5.0
BOOT_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class AmiTarget:
    """Where one Asterisk's AMI listens, and how to log in."""

    host: str
    port: int
    username: str
    secret: str
    name: str = "asterisk"  # names the node in logs and events


@dataclass(frozen=True)
class Connected(AmiEvent):
    """Logged in (again): resync now."""

    node: str


@dataclass(frozen=True)
class Disconnected(AmiEvent):
    """The connection is gone; actions waiting for an answer have failed."""

    node: str
    reason: str


Listener = Callable[[AmiEvent], None]


class _Protocol(AMIProtocol):  # type: ignore[misc]  # panoramisk is untyped
    """panoramisk's framing and parsing; every message goes to the connection."""

    connection: AmiConnection
    closed: bool

    def handle_message(self, message: Any) -> None:
        self.connection.received(AmiMessage.of(dict(message.items())))

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed:
            self.closed = True
            self.connection.lost(f"{type(exc).__name__}: {exc}" if exc else "closed by Asterisk")


class AmiConnection:
    """A supervised AMI session with one Asterisk (see the module docstring)."""

    def __init__(
        self,
        target: AmiTarget,
        *,
        policy: BackoffPolicy | None = None,
        ping_interval: float = 10.0,
        ping_timeout: float = 5.0,
        action_timeout: float = 10.0,
        events: str = EVENT_CLASSES,
        rng: random.Random | None = None,
    ) -> None:
        self.target = target
        self._policy = policy or BackoffPolicy()
        self._ping_interval = ping_interval
        self._ping_timeout = ping_timeout
        self._action_timeout = action_timeout
        self._events = events
        self._rng = rng or random.Random()
        self._listeners: list[Listener] = []
        self._pending: dict[str, tuple[PendingAction, asyncio.Future[PendingAction]]] = {}
        self._ids = itertools.count(1)
        self._prefix = uuid.uuid4().hex[:8]
        self._protocol: _Protocol | None = None
        self._lost: asyncio.Future[str] | None = None
        self._booted: asyncio.Future[None] | None = None
        self._stopping = False
        self.connected = asyncio.Event()
        self.connections = 0  # successful logins so far

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener`` with every event, in order (it must not block; exceptions are logged)."""
        self._listeners.append(listener)

    # -- actions ---------------------------------------------------------------------------------------

    async def send(
        self, action: Action, *, timeout: float | None = None, action_id: str | None = None
    ) -> PendingAction:
        """Send ``action`` and wait for its whole answer (list actions: every item).

        Raises :class:`AmiNotConnected` (not sent), :class:`AmiActionFailed` (``Response: Error``),
        :class:`AmiTimeout` (no complete answer in time) or :class:`AmiConnectionError` (the connection
        dropped before the answer; the action is not sent again). ``action_id``: choose the ActionID
        (e.g. to match an ``OriginateResponse`` that may arrive before this returns); unique per session.
        """
        protocol = self._protocol
        if protocol is None or protocol.closed or not self._logged_in_or_login(action):
            raise AmiNotConnected(f"AMI to {self.target.name} is not connected ({action.name} not sent)")
        action_id = action_id or f"{self._prefix}-{next(self._ids)}"
        if action_id in self._pending:
            raise ValueError(f"ActionID {action_id} is already waiting for its answer")
        pending = PendingAction(action, action_id)
        future: asyncio.Future[PendingAction] = asyncio.get_running_loop().create_future()
        self._pending[action_id] = (pending, future)
        try:
            protocol.transport.write(action.encode(action_id))
            return await asyncio.wait_for(future, timeout or self._action_timeout)
        except TimeoutError:
            raise AmiTimeout(f"{action.name} to {self.target.name}: no answer in time") from None
        finally:
            self._pending.pop(action_id, None)

    def _logged_in_or_login(self, action: Action) -> bool:
        return self.connected.is_set() or action.name == "Login"

    # -- supervision -----------------------------------------------------------------------------------

    async def run(self) -> None:
        """Keep a session up until :meth:`stop` (raises only after ``max_attempts`` failures in a row)."""
        attempt = 0
        while not self._stopping:
            started = time.monotonic()
            try:
                await self._session()
            except (OSError, AmiConnectionError, AmiTimeout, TimeoutError) as exc:
                log.warning("AMI %s: %s", self.target.name, exc)
            except AmiActionFailed as exc:
                log.error("AMI %s: login refused: %s", self.target.name, exc.message)
            if self._stopping:
                break
            if time.monotonic() - started >= self._policy.stable_after:
                attempt = 0
            if self._policy.max_attempts is not None and attempt >= self._policy.max_attempts:
                raise AmiConnectionError(f"AMI {self.target.name}: gave up after {attempt} attempts")
            delay = backoff_delay(self._policy, attempt, self._rng.random())
            attempt += 1
            log.info("AMI %s: reconnecting in %.1f s", self.target.name, delay)
            await asyncio.sleep(delay)

    async def stop(self) -> None:
        """Log off and close; :meth:`run` returns."""
        self._stopping = True
        if self.connected.is_set():
            with contextlib.suppress(Exception):
                await self.send(actions.logoff(), timeout=2)
        self._drop("stopped")

    def drop(self, reason: str = "dropped on request") -> None:
        """Close the current connection (the supervisor reconnects): for tests and the watchdog."""
        self._drop(reason)

    async def _session(self) -> None:
        loop = asyncio.get_running_loop()
        self._lost = loop.create_future()
        _transport, protocol = await asyncio.wait_for(
            loop.create_connection(_Protocol, self.target.host, self.target.port), CONNECT_TIMEOUT_S
        )
        protocol.connection = self
        protocol.encoding = "utf-8"
        self._protocol = protocol
        pinger: asyncio.Task[None] | None = None
        try:
            self._booted = loop.create_future()
            await self.send(actions.login(self.target.username, self.target.secret, events=self._events))
            # Asterisk accepts AMI logins before its modules are loaded (a QueueStatus then answers
            # "Invalid/unknown command"); FullyBooted comes on every session once they are.
            await asyncio.wait_for(self._booted, BOOT_TIMEOUT_S)
            self.connections += 1
            self.connected.set()
            log.info("AMI %s: logged in (%s:%d)", self.target.name, self.target.host, self.target.port)
            self._emit(Connected(time.time(), self.target.name))
            pinger = asyncio.create_task(self._watchdog(), name=f"ami-ping-{self.target.name}")
            reason = await self._lost
            log.warning("AMI %s: connection lost (%s)", self.target.name, reason)
        finally:
            if pinger is not None:
                pinger.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pinger
            self._drop("session ended")

    async def _watchdog(self) -> None:
        while True:
            await asyncio.sleep(self._ping_interval)
            try:
                await self.send(actions.ping(), timeout=self._ping_timeout)
            except AmiTimeout:
                log.warning("AMI %s: no pong within %.1f s; dropping the connection", self.target.name,
                            self._ping_timeout)  # fmt: skip
                self._drop("ping unanswered")
                return
            except AmiConnectionError:
                return

    # -- the protocol's side ---------------------------------------------------------------------------

    def received(self, message: AmiMessage) -> None:
        """One parsed message from Asterisk."""
        action_id = message.action_id
        entry = self._pending.get(action_id) if action_id else None
        # An answered action's later events (OriginateResponse has the Originate's ActionID) are events.
        if entry is not None and not entry[1].done():
            pending, future = entry
            outcome = pending.feed(message)
            if outcome is Outcome.WAITING:
                return
            if outcome is Outcome.DONE:
                future.set_result(pending)
            else:
                future.set_exception(AmiActionFailed(pending.action.name, pending.message))
            return
        if message.event is not None:
            event = parse_event(message)
            if isinstance(event, FullyBooted) and self._booted is not None and not self._booted.done():
                self._booted.set_result(None)
            self._emit(event)

    def lost(self, reason: str) -> None:
        """The transport closed (called by the protocol)."""
        self._drop(reason)

    def _drop(self, reason: str) -> None:
        was_connected = self.connected.is_set()
        self.connected.clear()
        protocol, self._protocol = self._protocol, None
        if protocol is not None:
            protocol.closed = True
            with contextlib.suppress(Exception):
                protocol.transport.abort()
        for _pending, future in list(self._pending.values()):
            if not future.done():
                future.set_exception(
                    AmiConnectionError(f"AMI {self.target.name}: {reason} before the answer")
                )
        self._pending.clear()
        if self._lost is not None and not self._lost.done():
            self._lost.set_result(reason)
        if was_connected:
            self._emit(Disconnected(time.time(), self.target.name, reason))

    def _emit(self, event: AmiEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("AMI %s: a listener failed on %s", self.target.name, type(event).__name__)
