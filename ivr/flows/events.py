"""Inputs of the call flows: what happened on the channel (translated from ARI by the glue).

Every event is a frozen dataclass. Ids (``playback_id``, ``timer_id``, recording ``name``) are the ones
the flow itself put into its commands; an event carrying an id the flow is not waiting for is stale and
is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Started:
    """The call entered the flow (ARI ``StasisStart``); ``within_hours`` picks menu or message path."""

    within_hours: bool = True


@dataclass(frozen=True, slots=True)
class Dtmf:
    """The caller pressed a key (ARI ``ChannelDtmfReceived``): ``0``-``9``, ``*``, ``#``."""

    digit: str


@dataclass(frozen=True, slots=True)
class PlaybackFinished:
    """A :class:`~ivr.flows.commands.Play` ended (played out, or stopped)."""

    playback_id: str


@dataclass(frozen=True, slots=True)
class TimerFired:
    """A :class:`~ivr.flows.commands.StartTimer` elapsed without being cancelled."""

    timer_id: str


@dataclass(frozen=True, slots=True)
class RecordingFinished:
    """A :class:`~ivr.flows.commands.Record` ended; ``duration_ms`` is ``None`` when Asterisk did not say."""

    name: str
    duration_ms: int | None = None


@dataclass(frozen=True, slots=True)
class RecordingFailed:
    """A :class:`~ivr.flows.commands.Record` could not record (ARI ``RecordingFailed`` or a REST error)."""

    name: str
    cause: str = ""


@dataclass(frozen=True, slots=True)
class SpeechRecognized:
    """A :class:`~ivr.flows.commands.StartListening` heard ``text`` (one of its phrases, as the recogniser
    wrote it) with ``confidence`` 0-1 (the least sure word)."""

    listen_id: str
    text: str
    confidence: float = 1.0


@dataclass(frozen=True, slots=True)
class SpeechNoMatch:
    """A :class:`~ivr.flows.commands.StartListening` heard speech that is none of its phrases."""

    listen_id: str
    text: str = ""


@dataclass(frozen=True, slots=True)
class WaitEstimated:
    """The answer to an :class:`~ivr.flows.commands.EstimateWait`: the expected wait in seconds, or
    ``None`` when no callback can be offered (e.g. outside the calling window, no caller number)."""

    request_id: str
    seconds: float | None


@dataclass(frozen=True, slots=True)
class CallbackBooked:
    """A :class:`~ivr.flows.commands.RequestCallback` is stored: the callback will be made."""

    request_id: str


@dataclass(frozen=True, slots=True)
class EmergencyScreened:
    """The answer to a :class:`~ivr.flows.commands.ScreenEmergency`: ``110``/``119``/``120``/``122``, or
    ``None`` when the description is no emergency (or could not be read)."""

    request_id: str
    service: str | None


@dataclass(frozen=True, slots=True)
class HungUp:
    """The caller hung up (ARI ``ChannelHangupRequest`` / ``StasisEnd``)."""


@dataclass(frozen=True, slots=True)
class CommandFailed:
    """Executing a command failed, e.g. the channel vanished or a sound file is missing.

    ``command_id`` is the id the failed command carried (its ``playback_id``, recording ``name``,
    ``timer_id`` or ``listen_id``), or ``None`` for commands without one (``Answer``, ``ContinueToQueue`` …).
    """

    command_id: str | None = None
    reason: str = ""


Event = (
    Started
    | Dtmf
    | PlaybackFinished
    | TimerFired
    | RecordingFinished
    | RecordingFailed
    | SpeechRecognized
    | SpeechNoMatch
    | WaitEstimated
    | CallbackBooked
    | EmergencyScreened
    | HungUp
    | CommandFailed
)
"""Any input of a flow."""
