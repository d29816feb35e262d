"""Typed, frozen ARI resources (channel, playback, recording, bridge, application) and their parsers.

Pure code: each ``*.from_json`` takes the decoded JSON object ARI sent (REST body or the nested object
of an event) and raises :class:`~ivr.ari.errors.AriParseError` when a mandatory field is missing or has
the wrong type. Optional fields ARI leaves out get neutral defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ivr.ari.errors import AriParseError

JsonObject = Mapping[str, Any]


# --------------------------------------------------------------------------------------------- readers
def as_object(value: object, what: str) -> JsonObject:
    """``value`` as a JSON object, or :class:`AriParseError` naming ``what``."""
    if not isinstance(value, Mapping):
        raise AriParseError(f"{what}: expected a JSON object, got {type(value).__name__}")
    return value


def req_str(obj: JsonObject, key: str, what: str) -> str:
    """A mandatory string field."""
    value = obj.get(key)
    if not isinstance(value, str):
        raise AriParseError(f"{what}: mandatory string field {key!r} missing or not a string")
    return value


def opt_str(obj: JsonObject, key: str, default: str = "") -> str:
    """An optional string field (``default`` when absent or not a string)."""
    value = obj.get(key)
    return value if isinstance(value, str) else default


def req_int(obj: JsonObject, key: str, what: str) -> int:
    """A mandatory integer field (bools are rejected)."""
    value = obj.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise AriParseError(f"{what}: mandatory integer field {key!r} missing or not an integer")
    return value


def opt_int(obj: JsonObject, key: str) -> int | None:
    """An optional integer field, ``None`` when absent."""
    value = obj.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def parse_timestamp(value: object) -> datetime | None:
    """ARI's ``2026-11-29T06:31:30.998+0000`` as an aware datetime; ``None`` when absent/unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


# --------------------------------------------------------------------------------------------- channel
@dataclass(frozen=True)
class CallerId:
    """A caller or connected-line identity (``name`` and ``number`` may be empty)."""

    name: str = ""
    number: str = ""

    @classmethod
    def from_json(cls, value: object) -> CallerId:
        """Lenient: a missing or malformed identity is empty."""
        if not isinstance(value, Mapping):
            return cls()
        return cls(name=opt_str(value, "name"), number=opt_str(value, "number"))


@dataclass(frozen=True)
class DialplanLocation:
    """Where the channel is in the dialplan (``app_name`` is ``Stasis`` while it is in a Stasis app)."""

    context: str = ""
    exten: str = ""
    priority: int = 0
    app_name: str = ""
    app_data: str = ""

    @classmethod
    def from_json(cls, value: object) -> DialplanLocation:
        """Lenient: a channel without a dialplan location gets an empty one."""
        if not isinstance(value, Mapping):
            return cls()
        return cls(
            context=opt_str(value, "context"),
            exten=opt_str(value, "exten"),
            priority=opt_int(value, "priority") or 0,
            app_name=opt_str(value, "app_name"),
            app_data=opt_str(value, "app_data"),
        )


@dataclass(frozen=True)
class Channel:
    """An Asterisk channel as ARI describes it. ``id`` and ``name`` are mandatory."""

    id: str
    name: str
    state: str = ""
    caller: CallerId = field(default_factory=CallerId)
    connected: CallerId = field(default_factory=CallerId)
    dialplan: DialplanLocation = field(default_factory=DialplanLocation)
    creationtime: datetime | None = None
    language: str = ""
    accountcode: str = ""
    protocol_id: str = ""
    channelvars: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def caller_number(self) -> str:
        """The caller's number as signalled (not normalised)."""
        return self.caller.number

    @property
    def caller_name(self) -> str:
        """The caller's display name."""
        return self.caller.name

    @classmethod
    def from_json(cls, value: object) -> Channel:
        """Parse an ARI ``Channel`` object."""
        obj = as_object(value, "channel")
        raw_vars = obj.get("channelvars")
        channelvars = {str(k): str(v) for k, v in raw_vars.items()} if isinstance(raw_vars, Mapping) else {}
        return cls(
            id=req_str(obj, "id", "channel"),
            name=req_str(obj, "name", "channel"),
            state=opt_str(obj, "state"),
            caller=CallerId.from_json(obj.get("caller")),
            connected=CallerId.from_json(obj.get("connected")),
            dialplan=DialplanLocation.from_json(obj.get("dialplan")),
            creationtime=parse_timestamp(obj.get("creationtime")),
            language=opt_str(obj, "language"),
            accountcode=opt_str(obj, "accountcode"),
            protocol_id=opt_str(obj, "protocol_id"),
            channelvars=channelvars,
        )


# --------------------------------------------------------------------------------------------- media
@dataclass(frozen=True)
class Playback:
    """A playback. ``state`` is ``queued``, ``playing``, ``done`` or ``failed`` (e.g. unknown sound)."""

    id: str
    media_uri: str = ""
    target_uri: str = ""
    language: str = ""
    state: str = ""
    next_media_uri: str = ""

    @classmethod
    def from_json(cls, value: object) -> Playback:
        """Parse an ARI ``Playback`` object."""
        obj = as_object(value, "playback")
        return cls(
            id=req_str(obj, "id", "playback"),
            media_uri=opt_str(obj, "media_uri"),
            target_uri=opt_str(obj, "target_uri"),
            language=opt_str(obj, "language"),
            state=opt_str(obj, "state"),
            next_media_uri=opt_str(obj, "next_media_uri"),
        )


@dataclass(frozen=True)
class LiveRecording:
    """A recording in progress or just ended.

    ``duration`` is absent when the recording was cut by a hang-up. Verified on Asterisk 22.10: for
    ``format=wav16`` it counts 8 kHz time, i.e. twice the real seconds (4 s of audio → ``duration: 8``).
    """

    name: str
    format: str = ""
    state: str = ""
    target_uri: str = ""
    duration: int | None = None
    talking_duration: int | None = None
    silence_duration: int | None = None
    cause: str = ""

    @classmethod
    def from_json(cls, value: object) -> LiveRecording:
        """Parse an ARI ``LiveRecording`` object."""
        obj = as_object(value, "recording")
        return cls(
            name=req_str(obj, "name", "recording"),
            format=opt_str(obj, "format"),
            state=opt_str(obj, "state"),
            target_uri=opt_str(obj, "target_uri"),
            duration=opt_int(obj, "duration"),
            talking_duration=opt_int(obj, "talking_duration"),
            silence_duration=opt_int(obj, "silence_duration"),
            cause=opt_str(obj, "cause"),
        )


@dataclass(frozen=True)
class StoredRecording:
    """A finished recording on Asterisk's disk (``{spool}/recording/{name}.{format}``)."""

    name: str
    format: str = ""

    @classmethod
    def from_json(cls, value: object) -> StoredRecording:
        """Parse an ARI ``StoredRecording`` object."""
        obj = as_object(value, "stored recording")
        return cls(name=req_str(obj, "name", "stored recording"), format=opt_str(obj, "format"))


# --------------------------------------------------------------------------------------------- bridge/app
@dataclass(frozen=True)
class Bridge:
    """A bridge (``bridge_type`` ``mixing`` for snoop + externalMedia transcription)."""

    id: str
    technology: str = ""
    bridge_type: str = ""
    bridge_class: str = ""
    name: str = ""
    channels: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, value: object) -> Bridge:
        """Parse an ARI ``Bridge`` object."""
        obj = as_object(value, "bridge")
        raw_channels = obj.get("channels")
        listed = raw_channels if isinstance(raw_channels, list) else []
        channels = tuple(c for c in listed if isinstance(c, str))
        return cls(
            id=req_str(obj, "id", "bridge"),
            technology=opt_str(obj, "technology"),
            bridge_type=opt_str(obj, "bridge_type"),
            bridge_class=opt_str(obj, "bridge_class"),
            name=opt_str(obj, "name"),
            channels=channels,
        )


@dataclass(frozen=True)
class Application:
    """``GET /applications/{app}``: what Asterisk holds for our Stasis app."""

    name: str
    channel_ids: tuple[str, ...] = ()
    bridge_ids: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, value: object) -> Application:
        """Parse an ARI ``Application`` object."""
        obj = as_object(value, "application")

        def ids(key: str) -> tuple[str, ...]:
            raw = obj.get(key)
            return tuple(i for i in raw if isinstance(i, str)) if isinstance(raw, list) else ()

        return cls(
            name=req_str(obj, "name", "application"),
            channel_ids=ids("channel_ids"),
            bridge_ids=ids("bridge_ids"),
        )
