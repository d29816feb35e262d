"""ARI websocket events as typed, frozen dataclasses, and the pure parser that builds them.

:func:`parse_event` takes one websocket text frame (``str``/``bytes``) or an already decoded object.
Unknown event types become :class:`UnknownEvent` (never an error: Asterisk adds event types between
releases). :class:`~ivr.ari.errors.AriParseError` is raised only for malformed JSON, a frame that is not
an object or has no ``type``, or a known type without a mandatory field (e.g. a ``StasisStart`` without
``channel``).

:class:`Resynced` is synthetic: the supervisor emits it after every (re)connection, listing the channels
Asterisk currently holds in our app, before any real event of that connection.

Verified Asterisk 22 behaviours are listed in the :mod:`ivr.ari` package docstring.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict

from ivr.ari.errors import AriParseError
from ivr.ari.resources import (
    Bridge,
    Channel,
    JsonObject,
    LiveRecording,
    Playback,
    as_object,
    opt_int,
    opt_str,
    parse_timestamp,
    req_int,
    req_str,
)


@dataclass(frozen=True, kw_only=True)
class AriEventBase:
    """Fields every event has: when Asterisk sent it and for which application."""

    timestamp: datetime | None = None
    application: str = ""


@dataclass(frozen=True, kw_only=True)
class StasisStart(AriEventBase):
    """A channel entered our Stasis app (``args`` from the dialplan ``Stasis(app,arg1,…)``)."""

    channel: Channel
    args: tuple[str, ...] = ()
    replace_channel: Channel | None = None


@dataclass(frozen=True, kw_only=True)
class StasisEnd(AriEventBase):
    """A channel left our app: hung up, or continued in the dialplan."""

    channel: Channel


@dataclass(frozen=True, kw_only=True)
class ChannelDtmfReceived(AriEventBase):
    """A DTMF digit ended (``0-9``, ``*``, ``#``, ``A-D``)."""

    channel: Channel
    digit: str
    duration_ms: int = 0


@dataclass(frozen=True, kw_only=True)
class ChannelHangupRequest(AriEventBase):
    """A hang-up was requested. ``cause``/``soft`` only for soft hang-ups (``cause`` is then not Q.850)."""

    channel: Channel
    cause: int | None = None
    soft: bool = False


@dataclass(frozen=True, kw_only=True)
class ChannelDestroyed(AriEventBase):
    """The channel is gone; ``cause`` is the Q.850 cause (16 normal, 17 busy, 19 no answer …)."""

    channel: Channel
    cause: int
    cause_txt: str = ""


@dataclass(frozen=True, kw_only=True)
class ChannelStateChange(AriEventBase):
    """The channel's state changed (``channel.state`` is the new one, e.g. ``Up`` after answer)."""

    channel: Channel


@dataclass(frozen=True, kw_only=True)
class ChannelVarset(AriEventBase):
    """A channel (or global, then ``channel`` is ``None``) variable was set."""

    variable: str
    value: str
    channel: Channel | None = None


@dataclass(frozen=True, kw_only=True)
class _PlaybackEvent(AriEventBase):
    playback: Playback

    @property
    def playback_id(self) -> str:
        """The playback's id (ours when we passed ``playback_id``)."""
        return self.playback.id

    @property
    def target_uri(self) -> str:
        """``channel:<id>`` or ``bridge:<id>``."""
        return self.playback.target_uri

    @property
    def state(self) -> str:
        """``playing``, ``done`` or ``failed``."""
        return self.playback.state


@dataclass(frozen=True, kw_only=True)
class PlaybackStarted(_PlaybackEvent):
    """A playback started."""


@dataclass(frozen=True, kw_only=True)
class PlaybackFinished(_PlaybackEvent):
    """A playback ended: ``state`` ``done`` (also when stopped) or ``failed`` (e.g. missing sound)."""


@dataclass(frozen=True, kw_only=True)
class _RecordingEvent(AriEventBase):
    recording: LiveRecording

    @property
    def name(self) -> str:
        """The recording's name (the file name without the format extension)."""
        return self.recording.name

    @property
    def duration(self) -> int | None:
        """Seconds as Asterisk reports them (see :class:`~ivr.ari.resources.LiveRecording`)."""
        return self.recording.duration

    @property
    def cause(self) -> str:
        """Why a recording failed (``RecordingFailed`` only)."""
        return self.recording.cause


@dataclass(frozen=True, kw_only=True)
class RecordingStarted(_RecordingEvent):
    """A recording started (after the beep, if any)."""


@dataclass(frozen=True, kw_only=True)
class RecordingFinished(_RecordingEvent):
    """A recording ended: max duration/silence, terminate digit, stop, or hang-up (then no duration)."""


@dataclass(frozen=True, kw_only=True)
class RecordingFailed(_RecordingEvent):
    """A recording failed (``cause`` says why); see the package notes on when Asterisk sends it."""


@dataclass(frozen=True, kw_only=True)
class ChannelTalkingStarted(AriEventBase):
    """Talk detection (``TALK_DETECT(set)``, needs ``func_talkdetect.so``) saw speech start."""

    channel: Channel


@dataclass(frozen=True, kw_only=True)
class ChannelTalkingFinished(AriEventBase):
    """Talk detection saw speech end after ``duration_ms``."""

    channel: Channel
    duration_ms: int = 0


@dataclass(frozen=True, kw_only=True)
class ChannelEnteredBridge(AriEventBase):
    """A channel joined a bridge."""

    bridge: Bridge
    channel: Channel


@dataclass(frozen=True, kw_only=True)
class ChannelLeftBridge(AriEventBase):
    """A channel left a bridge."""

    bridge: Bridge
    channel: Channel


@dataclass(frozen=True, kw_only=True)
class Resynced(AriEventBase):
    """Synthetic: the (re)connection is live; ``channels`` are those in our app right now."""

    channels: tuple[Channel, ...] = ()
    connection: int = 0

    @property
    def channel_ids(self) -> tuple[str, ...]:
        """The ids of :attr:`channels`, in order."""
        return tuple(c.id for c in self.channels)


@dataclass(frozen=True, kw_only=True)
class UnknownEvent(AriEventBase):
    """Any event type this module does not model; ``raw`` is the decoded frame."""

    type: str
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)


AriEvent = (
    StasisStart
    | StasisEnd
    | ChannelDtmfReceived
    | ChannelHangupRequest
    | ChannelDestroyed
    | ChannelStateChange
    | ChannelVarset
    | PlaybackStarted
    | PlaybackFinished
    | RecordingStarted
    | RecordingFinished
    | RecordingFailed
    | ChannelTalkingStarted
    | ChannelTalkingFinished
    | ChannelEnteredBridge
    | ChannelLeftBridge
    | Resynced
    | UnknownEvent
)


# --------------------------------------------------------------------------------------------- parser
class _Common(TypedDict):
    timestamp: datetime | None
    application: str


def _channel(obj: JsonObject, what: str) -> Channel:
    if "channel" not in obj:
        raise AriParseError(f"{what}: mandatory field 'channel' missing")
    return Channel.from_json(obj["channel"])


def _stasis_start(obj: JsonObject, c: _Common) -> AriEvent:
    raw_args = obj.get("args", [])
    if not isinstance(raw_args, list):
        raise AriParseError("StasisStart: 'args' is not a list")
    replace = obj.get("replace_channel")
    return StasisStart(
        channel=_channel(obj, "StasisStart"),
        args=tuple(str(a) for a in raw_args),
        replace_channel=Channel.from_json(replace) if replace is not None else None,
        **c,
    )


def _hangup_request(obj: JsonObject, c: _Common) -> AriEvent:
    return ChannelHangupRequest(
        channel=_channel(obj, "ChannelHangupRequest"),
        cause=opt_int(obj, "cause"),
        soft=obj.get("soft") is True,
        **c,
    )


def _destroyed(obj: JsonObject, c: _Common) -> AriEvent:
    return ChannelDestroyed(
        channel=_channel(obj, "ChannelDestroyed"),
        cause=req_int(obj, "cause", "ChannelDestroyed"),
        cause_txt=opt_str(obj, "cause_txt"),
        **c,
    )


def _dtmf(obj: JsonObject, c: _Common) -> AriEvent:
    return ChannelDtmfReceived(
        channel=_channel(obj, "ChannelDtmfReceived"),
        digit=req_str(obj, "digit", "ChannelDtmfReceived"),
        duration_ms=opt_int(obj, "duration_ms") or 0,
        **c,
    )


def _varset(obj: JsonObject, c: _Common) -> AriEvent:
    raw_channel = obj.get("channel")
    return ChannelVarset(
        variable=req_str(obj, "variable", "ChannelVarset"),
        value=opt_str(obj, "value"),
        channel=Channel.from_json(raw_channel) if raw_channel is not None else None,
        **c,
    )


def _talking_finished(obj: JsonObject, c: _Common) -> AriEvent:
    return ChannelTalkingFinished(
        channel=_channel(obj, "ChannelTalkingFinished"),
        duration_ms=opt_int(obj, "duration") or 0,
        **c,
    )


def _channel_only(cls: type[StasisEnd | ChannelStateChange | ChannelTalkingStarted]) -> _Parser:
    def parse(obj: JsonObject, c: _Common) -> AriEvent:
        return cls(channel=_channel(obj, cls.__name__), **c)

    return parse


def _playback(cls: type[PlaybackStarted | PlaybackFinished]) -> _Parser:
    def parse(obj: JsonObject, c: _Common) -> AriEvent:
        if "playback" not in obj:
            raise AriParseError(f"{cls.__name__}: mandatory field 'playback' missing")
        playback = Playback.from_json(obj["playback"])
        return cls(playback=playback, **c)

    return parse


def _recording(cls: type[RecordingStarted | RecordingFinished | RecordingFailed]) -> _Parser:
    def parse(obj: JsonObject, c: _Common) -> AriEvent:
        if "recording" not in obj:
            raise AriParseError(f"{cls.__name__}: mandatory field 'recording' missing")
        recording = LiveRecording.from_json(obj["recording"])
        return cls(recording=recording, **c)

    return parse


def _bridge_move(cls: type[ChannelEnteredBridge | ChannelLeftBridge]) -> _Parser:
    def parse(obj: JsonObject, c: _Common) -> AriEvent:
        if "bridge" not in obj:
            raise AriParseError(f"{cls.__name__}: mandatory field 'bridge' missing")
        return cls(
            bridge=Bridge.from_json(obj["bridge"]),
            channel=_channel(obj, cls.__name__),
            **c,
        )

    return parse


_Parser = Callable[[JsonObject, _Common], AriEvent]

_PARSERS: dict[str, _Parser] = {
    "StasisStart": _stasis_start,
    "StasisEnd": _channel_only(StasisEnd),
    "ChannelDtmfReceived": _dtmf,
    "ChannelHangupRequest": _hangup_request,
    "ChannelDestroyed": _destroyed,
    "ChannelStateChange": _channel_only(ChannelStateChange),
    "ChannelVarset": _varset,
    "PlaybackStarted": _playback(PlaybackStarted),
    "PlaybackFinished": _playback(PlaybackFinished),
    "RecordingStarted": _recording(RecordingStarted),
    "RecordingFinished": _recording(RecordingFinished),
    "RecordingFailed": _recording(RecordingFailed),
    "ChannelTalkingStarted": _channel_only(ChannelTalkingStarted),
    "ChannelTalkingFinished": _talking_finished,
    "ChannelEnteredBridge": _bridge_move(ChannelEnteredBridge),
    "ChannelLeftBridge": _bridge_move(ChannelLeftBridge),
}

KNOWN_EVENT_TYPES = frozenset(_PARSERS)


def decode_frame(frame: str | bytes) -> JsonObject:
    """Decode one websocket text frame into a JSON object (:class:`AriParseError` otherwise)."""
    try:
        decoded = json.loads(frame)
    except (ValueError, UnicodeDecodeError) as exc:
        raise AriParseError(f"event frame is not JSON: {exc}") from exc
    return as_object(decoded, "event frame")


def parse_event(frame: str | bytes | Mapping[str, Any]) -> AriEvent:
    """Parse one ARI event (a websocket frame or its decoded object) into its typed dataclass."""
    obj = decode_frame(frame) if isinstance(frame, str | bytes) else as_object(frame, "event")
    event_type = req_str(obj, "type", "event")
    common: _Common = {
        "timestamp": parse_timestamp(obj.get("timestamp")),
        "application": opt_str(obj, "application"),
    }
    parser = _PARSERS.get(event_type)
    if parser is None:
        return UnknownEvent(type=event_type, raw=dict(obj), **common)
    return parser(obj, common)
