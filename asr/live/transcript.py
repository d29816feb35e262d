"""The live transcript of one call as a pure state machine: no I/O, no clocks.

Inputs are what the shell observed — the audio started flowing (:meth:`LiveTranscript.streaming`), the
recogniser said something (:meth:`LiveTranscript.heard`, with the seconds of audio fed and the loop's
clock), the audio ended (:meth:`LiveTranscript.end`). Outputs are commands the shell carries out in order:
:class:`Publish` a message on the bus, :class:`StoreTranscript` on the call.

Phases::

    WAITING ──streaming()──▶ STREAMING ──end()──▶ ENDED
       └──────────────────────end()─────────────────┘

Only a call that reached ``STREAMING`` stores a transcript (a call that was gone before its audio
could be tapped has none to store); every call ends with exactly one :class:`~asr.bus.LiveEnded`,
published after the transcript is stored.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from asr.bus import LiveEnded, LiveEvent, LiveFinal, LivePartial
from asr.results import Final, Partial


class LivePhase(StrEnum):
    """Where a live transcript is."""

    WAITING = "waiting"  # the audio is being set up
    STREAMING = "streaming"  # audio flows: there will be a transcript to store
    ENDED = "ended"


@dataclass(frozen=True)
class Publish:
    """Put ``event`` on the transcript bus."""

    event: LiveEvent


@dataclass(frozen=True)
class StoreTranscript:
    """Store the whole-call transcript on the call (``calls.live_transcript`` / ``live_segments``)."""

    call_id: uuid.UUID
    text: str
    segments: tuple[dict[str, Any], ...]


Command = Publish | StoreTranscript


@dataclass
class LiveTranscript:
    """One call's transcript so far (see the module docstring)."""

    call_id: uuid.UUID
    phase: LivePhase = LivePhase.WAITING
    partials: int = 0
    finals: list[LiveFinal] = field(default_factory=list)
    end_reason: str = ""

    @property
    def text(self) -> str:
        """The finals so far, joined."""
        return " ".join(f.text for f in self.finals)

    def streaming(self) -> None:
        """The audio started to flow."""
        if self.phase is LivePhase.WAITING:
            self.phase = LivePhase.STREAMING

    def heard(self, result: Partial | Final | None, audio_s: float, at: float) -> list[Command]:
        """A recogniser result after ``audio_s`` seconds of audio, at the loop's time ``at``."""
        if result is None or self.phase is LivePhase.ENDED:
            return []
        if isinstance(result, Partial):
            self.partials += 1
            return [Publish(LivePartial(self.call_id, result.text, audio_s, at))]
        if not result.text:
            return []  # an utterance of silence
        words = tuple(
            {"word": w.text, "start": round(w.start, 2), "end": round(w.end, 2), "conf": round(w.conf, 3)}
            for w in result.words
        )
        start = result.words[0].start if result.words else audio_s
        end = result.words[-1].end if result.words else audio_s
        final = LiveFinal(self.call_id, result.text, start, end, audio_s, at, words)
        self.finals.append(final)
        return [Publish(final)]

    def end(self, reason: str, audio_s: float, at: float) -> list[Command]:
        """The audio ended (``reason``): store what was heard if the audio ever flowed, then say so."""
        if self.phase is LivePhase.ENDED:
            return []
        streamed = self.phase is LivePhase.STREAMING
        self.phase = LivePhase.ENDED
        self.end_reason = reason
        commands: list[Command] = []
        if streamed:
            segments = tuple(f.to_segment() for f in self.finals)
            commands.append(StoreTranscript(self.call_id, self.text, segments))
        commands.append(Publish(LiveEnded(self.call_id, self.text, audio_s, at, reason)))
        return commands
