"""Speech in the menu: the thin asyncio shell around the pure listen flow (:mod:`ivr.flows.listen`).

For each ``StartListening`` of a call's menu, :meth:`SpeechMenu.listen` runs one
:class:`~ivr.flows.listen.ListenFlow`:

1. the :class:`PhraseRecognizer` opens a grammar stream for the step's phrases — an unusable phrase list
   or a missing model fails the listen (the menu goes on with keys only);
2. the caller's audio is tapped (:mod:`ivr.media.taps`: snoop + externalMedia ``slin16`` + mixing
   bridge) and fed to the stream;
3. every final result goes to the flow, which delivers the first one with words to the call
   (``SpeechRecognized`` / ``SpeechNoMatch``);
4. the tap and the stream are released after the result, on ``StopListening``
   (:meth:`SpeechMenu.stop_listening`), when the caller hangs up, or after ``max_listen_s`` at the latest.

The recogniser is a port (:class:`PhraseRecognizer`): the composition root hands in the one of ``asr``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ivr.flows import events as flow
from ivr.flows.listen import (
    Deliver,
    Finish,
    Heard,
    ListenCommand,
    ListenEvent,
    ListenFailed,
    ListenFlow,
    OpenTap,
    RecognizerFailed,
    RecognizerReady,
    Stop,
    TapEnded,
    TapFailed,
    TapGone,
    TapReady,
    TimeUp,
)
from ivr.media.taps import AudioTap, AudioTaps, TapEnd

log = logging.getLogger(__name__)

MAX_LISTEN_S = 120.0  # a listen the flow forgot to stop ends by itself after this long
MAX_QUEUED_CHUNKS = 500  # 10 s of 20 ms packets waiting for the recognizer, then drop (counted)
BATCH_BYTES = 3200  # feed up to 100 ms per recognizer call: results come quickly
TAP_NAME = "menu"  # prefix of a listen's channel and bridge ids

ResultSink = Callable[[flow.Event], None]
"""Where a listen's result goes: the call session's ``feed``."""


class Recognition(Protocol):
    """A final recognition result."""

    @property
    def text(self) -> str:
        """What was heard (empty: an utterance of silence)."""
        ...

    @property
    def confidence(self) -> float:
        """The lowest confidence of its words (0–1)."""
        ...


class PhraseStream(Protocol):
    """A grammar recognition stream fed 16 kHz little-endian PCM (the tap's frames)."""

    async def accept(self, pcm: bytes) -> Recognition | None:
        """Feed audio; a final result (possibly without words), or ``None`` while the utterance goes on."""
        ...

    async def close(self) -> None:
        """Release the stream (idempotent)."""
        ...

    @property
    def closed(self) -> bool:
        """The stream was released."""
        ...


class PhraseRecognizer(Protocol):
    """Grammar recognition of short phrases (in production ``asr.grammar.GrammarRecognizer``)."""

    @property
    def model(self) -> str:
        """The model it listens with (for logs)."""
        ...

    def problem_with(self, phrases: Sequence[str]) -> str | None:
        """Why listening for ``phrases`` cannot work, or ``None``; may load the model (run it in a thread)."""
        ...

    async def open(self, phrases: Sequence[str]) -> PhraseStream:
        """A stream listening for ``phrases``; raises when it cannot (the reason is the exception's text)."""
        ...


@dataclass
class Listen:
    """One listen of one call's menu step (exposed for logs and tests)."""

    channel_id: str
    machine: ListenFlow
    deliver: ResultSink
    tap: AudioTap | None = None
    stream: PhraseStream | None = None
    started_at: float = field(default_factory=time.monotonic)

    @property
    def listen_id(self) -> str:
        """The id the menu gave the listen."""
        return self.machine.listen_id

    @property
    def end_reason(self) -> str:
        """Why the listen ended (empty while it runs)."""
        return self.machine.end_reason

    @property
    def result(self) -> flow.Event | None:
        """What the menu was told (``None``: nothing)."""
        return self.machine.result

    @property
    def finals(self) -> list[str]:
        """Every final text heard, empty ones included."""
        return self.machine.finals

    @property
    def torn_down(self) -> bool:
        """Nothing of the listen is left in Asterisk."""
        return self.tap is None or self.tap.torn_down


class SpeechMenu:
    """Menu speech recognition on one Asterisk: ``audio`` taps the callers, ``recognizer`` listens."""

    def __init__(
        self, audio: AudioTaps, recognizer: PhraseRecognizer, *, max_listen_s: float = MAX_LISTEN_S
    ) -> None:
        self._audio = audio
        self.recognizer = recognizer
        self._max_listen_s = max_listen_s
        self.listens: dict[str, Listen] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.finished: list[Listen] = []

    async def stop(self, timeout: float = 10.0) -> None:
        """End every listen (each releases its tap and stream)."""
        for listen_id in list(self.listens):
            self.stop_listening(listen_id)
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    # -- the call sessions' port ------------------------------------------------------------------------

    def listen(self, channel_id: str, listen_id: str, phrases: Sequence[str], deliver: ResultSink) -> None:
        """Listen on ``channel_id`` for ``phrases``; the result goes to ``deliver``. Returns at once."""
        if listen_id in self.listens:
            return
        listen = Listen(channel_id, ListenFlow(listen_id, tuple(phrases)), deliver)
        self.listens[listen_id] = listen
        task = asyncio.create_task(self._run(listen), name=f"menu-listen-{listen_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def stop_listening(self, listen_id: str) -> None:
        """Stop a listen (harmless when it is over or unknown); the release runs in the background."""
        listen = self.listens.get(listen_id)
        if listen is not None:
            self._handle(listen, Stop())

    # -- one listen -------------------------------------------------------------------------------------

    async def _run(self, listen: Listen) -> None:
        try:
            try:
                listen.stream = await self.recognizer.open(listen.machine.grammar)
            except Exception as exc:  # model missing/corrupt, a phrase unknown to the model
                self._handle(
                    listen, RecognizerFailed(f"cannot recognise with {self.recognizer.model}: {exc}")
                )
            else:
                self._handle(listen, RecognizerReady())
            if listen.tap is not None:
                await self._listen_on(listen, listen.tap)
        except Exception as exc:
            log.exception("call %s: listening failed (%s)", listen.channel_id, listen.listen_id)
            self._handle(listen, ListenFailed(str(exc)))
        finally:
            await self._release(listen)
            self.listens.pop(listen.listen_id, None)
            self.finished.append(listen)
            del self.finished[:-100]
            log.info(
                "call %s: listen %s ended (%s) after %.1f s: finals %s → %s",
                listen.channel_id,
                listen.listen_id,
                listen.end_reason,
                time.monotonic() - listen.started_at,
                listen.machine.finals,
                listen.machine.result,
            )

    async def _listen_on(self, listen: Listen, tap: AudioTap) -> None:
        async with tap:
            if not tap.opened:
                gone = tap.end_reason == TapEnd.GONE
                self._handle(listen, TapGone() if gone else TapFailed(tap.error or tap.end_reason))
                return
            self._handle(listen, TapReady())
            stream = listen.stream
            assert stream is not None
            remaining = self._max_listen_s - (time.monotonic() - listen.started_at)
            try:
                async with asyncio.timeout(max(remaining, 0.0)):
                    async for pcm in tap.frames(BATCH_BYTES):
                        heard = await stream.accept(pcm)
                        if heard is not None:
                            self._handle(listen, Heard(heard.text, heard.confidence))
            except TimeoutError:
                self._handle(listen, TimeUp())
            self._handle(listen, TapEnded(tap.end_reason or TapEnd.CLOSED))

    def _handle(self, listen: Listen, event: ListenEvent) -> None:
        for command in listen.machine.handle(event):
            self._execute(listen, command)

    def _execute(self, listen: Listen, command: ListenCommand) -> None:
        match command:
            case OpenTap():
                listen.tap = self._audio.tap(listen.channel_id, name=TAP_NAME, max_queued=MAX_QUEUED_CHUNKS)
            case Deliver(event=event):
                if isinstance(event, flow.CommandFailed):
                    log.warning("call %s: speech menu off for this call: %s", listen.channel_id, event.reason)
                listen.deliver(event)
            case Finish(reason=reason):
                if listen.tap is not None:
                    listen.tap.close(reason)

    async def _release(self, listen: Listen) -> None:
        """The stream is freed whatever happened (the tap released itself when its block was left)."""
        if listen.stream is not None and not listen.stream.closed:
            with contextlib.suppress(Exception):
                await listen.stream.close()
