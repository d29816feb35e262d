"""ARI event parsing on frames recorded from the real Asterisk 22 sandbox (tests/fixtures/ari).

The fixtures were captured from ``ws://…/ari/events?app=hotline-ivr&subscribeAll=false`` while SIPp
called 12345 (RFC 2833 digit 1 from ``dtmf_2833_1.pcap``, speech from ``g711a.pcap``), the app answered,
played ``sound:beep``, recorded ``wav16``, bridged a snoop with an externalMedia channel, continued a
call into ``hotline-queues`` and hung up.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ivr.ari import (
    AriParseError,
    Channel,
    ChannelDestroyed,
    ChannelDtmfReceived,
    ChannelEnteredBridge,
    ChannelHangupRequest,
    ChannelLeftBridge,
    ChannelStateChange,
    ChannelTalkingFinished,
    ChannelTalkingStarted,
    ChannelVarset,
    PlaybackFinished,
    PlaybackStarted,
    RecordingFailed,
    RecordingFinished,
    RecordingStarted,
    StasisEnd,
    StasisStart,
    UnknownEvent,
    parse_event,
)
from ivr.ari.events import KNOWN_EVENT_TYPES

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ari"
CALL_ID = "1795933890.0"


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def frame(name: str) -> str:
    """The fixture as the websocket text frame Asterisk sent (compact JSON, pretty=no)."""
    return json.dumps(fixture(name), separators=(",", ":"), ensure_ascii=False)


def test_stasis_start_carries_the_caller_and_the_dialplan() -> None:
    event = parse_event(frame("stasis_start"))
    assert isinstance(event, StasisStart)
    assert event.args == ()
    assert event.application == "hotline-ivr"
    assert event.timestamp == datetime(2026, 11, 29, 6, 31, 30, 998000, tzinfo=UTC)
    channel = event.channel
    assert channel.id == CALL_ID
    assert channel.name == "PJSIP/citizens-00000000"
    assert channel.state == "Ring"
    assert channel.caller_number == "13800138000"
    assert channel.caller_name == "Citizen 13800138000"
    assert channel.connected.number == ""
    assert channel.dialplan.context == "from-citizens"
    assert channel.dialplan.exten == "12345"
    assert channel.dialplan.priority == 2
    assert channel.dialplan.app_name == "Stasis"
    assert channel.dialplan.app_data == "hotline-ivr"
    assert channel.creationtime == datetime(2026, 11, 29, 6, 31, 30, 998000, tzinfo=UTC)
    assert channel.language == "en"
    assert channel.protocol_id == "1-23654@127.0.0.1"


def test_snoop_channel_stasis_start() -> None:
    event = parse_event(frame("stasis_start_snoop"))
    assert isinstance(event, StasisStart)
    assert event.channel.id == "snoop-1"
    assert event.channel.name.startswith("Snoop/")


def test_stasis_end() -> None:
    event = parse_event(frame("stasis_end"))
    assert isinstance(event, StasisEnd)
    assert event.channel.id == CALL_ID


def test_dtmf_digit_and_duration() -> None:
    event = parse_event(frame("channel_dtmf_received"))
    assert isinstance(event, ChannelDtmfReceived)
    assert event.digit == "1"
    assert event.duration_ms == 280
    assert event.channel.id == CALL_ID


def test_hangup_request_by_ari_is_soft_with_a_flag_cause() -> None:
    event = parse_event(frame("channel_hangup_request_ari"))
    assert isinstance(event, ChannelHangupRequest)
    assert event.soft is True
    assert event.cause == 32


def test_hangup_request_by_the_caller_has_no_cause() -> None:
    event = parse_event(frame("channel_hangup_request_caller"))
    assert isinstance(event, ChannelHangupRequest)
    assert event.soft is False
    assert event.cause is None


@pytest.mark.parametrize(("name", "cause", "text"), [("channel_destroyed", 16, "Normal Clearing")])
def test_channel_destroyed(name: str, cause: int, text: str) -> None:
    event = parse_event(frame(name))
    assert isinstance(event, ChannelDestroyed)
    assert event.cause == cause
    assert event.cause_txt == text


def test_channel_destroyed_of_an_unanswered_origination() -> None:
    event = parse_event(frame("channel_destroyed_no_answer"))
    assert isinstance(event, ChannelDestroyed)
    assert event.cause == 19
    assert event.channel.id == "orig-1"


def test_state_change_to_up() -> None:
    event = parse_event(frame("channel_state_change"))
    assert isinstance(event, ChannelStateChange)
    assert event.channel.state == "Up"


def test_varset() -> None:
    event = parse_event(frame("channel_varset"))
    assert isinstance(event, ChannelVarset)
    assert (event.variable, event.value) == ("HOTLINE_DRAFT_ID", "d-42")
    assert event.channel is not None
    assert event.channel.id == CALL_ID


def test_global_varset_has_no_channel() -> None:
    raw = fixture("channel_varset")
    del raw["channel"]
    event = parse_event(raw)
    assert isinstance(event, ChannelVarset)
    assert event.channel is None


def test_playback_started_and_finished() -> None:
    started = parse_event(frame("playback_started"))
    finished = parse_event(frame("playback_finished"))
    assert isinstance(started, PlaybackStarted)
    assert isinstance(finished, PlaybackFinished)
    assert started.playback_id == finished.playback_id == "pb-1"
    assert finished.target_uri == f"channel:{CALL_ID}"
    assert (started.state, finished.state) == ("playing", "done")
    assert finished.playback.media_uri == "sound:beep"


def test_playback_of_a_missing_sound_finishes_failed() -> None:
    event = parse_event(frame("playback_finished_failed"))
    assert isinstance(event, PlaybackFinished)
    assert event.state == "failed"
    assert event.playback.media_uri == "sound:no-such-sound"


def test_recording_started_and_finished() -> None:
    started = parse_event(frame("recording_started"))
    finished = parse_event(frame("recording_finished"))
    assert isinstance(started, RecordingStarted)
    assert isinstance(finished, RecordingFinished)
    assert started.name == finished.name == "rec-speech"
    assert started.recording.state == "recording"
    assert finished.recording.format == "wav16"
    assert finished.recording.state == "done"
    assert finished.duration == 8  # 4 s of wav16 audio: Asterisk counts 8 kHz time


def test_recording_cut_by_hangup_has_no_duration() -> None:
    event = parse_event(frame("recording_finished_hangup"))
    assert isinstance(event, RecordingFinished)
    assert event.duration is None


def test_recording_failed() -> None:
    # Asterisk 22.10 could not be made to send RecordingFailed from the sandbox (an unwritable file ends
    # in RecordingFinished): this frame is the recorded RecordingFinished with the documented fields of
    # a failure (type, state "failed", cause).
    raw = fixture("recording_finished_hangup")
    raw["type"] = "RecordingFailed"
    raw["recording"] = {**raw["recording"], "state": "failed", "cause": "Error recording to file"}
    event = parse_event(raw)
    assert isinstance(event, RecordingFailed)
    assert event.cause == "Error recording to file"
    assert event.recording.state == "failed"


def test_talking_events() -> None:
    # Not recordable here (func_talkdetect.so is not loaded by sip_configs/modules.conf); the shape
    # is ARI's documented one on a recorded channel.
    channel = fixture("stasis_start")["channel"]
    started = parse_event({"type": "ChannelTalkingStarted", "channel": channel})
    finished = parse_event({"type": "ChannelTalkingFinished", "channel": channel, "duration": 1250})
    assert isinstance(started, ChannelTalkingStarted)
    assert isinstance(finished, ChannelTalkingFinished)
    assert finished.duration_ms == 1250


def test_bridge_enter_and_leave() -> None:
    entered = parse_event(frame("channel_entered_bridge"))
    left = parse_event(frame("channel_left_bridge"))
    assert isinstance(entered, ChannelEnteredBridge)
    assert isinstance(left, ChannelLeftBridge)
    assert entered.bridge.id == "br-1"
    assert entered.bridge.bridge_type == "mixing"
    assert entered.channel.id in {"snoop-1", "em-1"}


def test_unknown_type_is_kept_not_raised() -> None:
    event = parse_event(frame("unknown_dial"))
    assert isinstance(event, UnknownEvent)
    assert event.type == "Dial"
    assert event.raw["type"] == "Dial"
    assert event.application == "hotline-ivr"


def test_a_whole_recorded_call_parses_in_order() -> None:
    frames = fixture("call_sequence")
    events = [parse_event(json.dumps(f)) for f in frames]
    assert [type(e).__name__ for e in events] == [f["type"] for f in frames]
    assert not any(isinstance(e, UnknownEvent) for e in events)
    assert isinstance(events[0], StasisStart)
    assert isinstance(events[-1], StasisEnd)
    digits = [e.digit for e in events if isinstance(e, ChannelDtmfReceived)]
    assert digits == ["1"]


def test_every_known_type_has_a_test_above() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    assert all(name in source for name in KNOWN_EVENT_TYPES)


def test_bytes_frames_are_accepted() -> None:
    assert isinstance(parse_event(frame("stasis_end").encode()), StasisEnd)


# --------------------------------------------------------------------------------------------- malformed
@pytest.mark.parametrize(
    "bad",
    [
        "",
        "not json",
        "{",
        "[1, 2]",
        '"StasisStart"',
        "{}",
        '{"type": 7}',
        b"\xff\xfe",
    ],
)
def test_malformed_frames_raise_a_parse_error(bad: str | bytes) -> None:
    with pytest.raises(AriParseError):
        parse_event(bad)


@pytest.mark.parametrize(
    ("name", "drop"),
    [
        ("stasis_start", "channel"),
        ("channel_dtmf_received", "digit"),
        ("channel_destroyed", "cause"),
        ("channel_varset", "variable"),
        ("playback_finished", "playback"),
        ("recording_finished", "recording"),
        ("channel_entered_bridge", "bridge"),
    ],
)
def test_missing_mandatory_field_raises(name: str, drop: str) -> None:
    raw = fixture(name)
    del raw[drop]
    with pytest.raises(AriParseError, match=drop):
        parse_event(raw)


def test_channel_without_id_raises() -> None:
    raw = fixture("stasis_end")
    del raw["channel"]["id"]
    with pytest.raises(AriParseError, match="id"):
        parse_event(raw)


def test_wrong_types_inside_are_rejected() -> None:
    raw = fixture("stasis_start")
    raw["args"] = "not-a-list"
    with pytest.raises(AriParseError):
        parse_event(raw)
    raw = fixture("playback_started")
    raw["playback"] = ["x"]
    with pytest.raises(AriParseError):
        parse_event(raw)


def test_optional_parts_default_quietly() -> None:
    event = parse_event({"type": "StasisEnd", "channel": {"id": "c1", "name": "PJSIP/x"}})
    assert isinstance(event, StasisEnd)
    assert event.timestamp is None
    assert event.channel.caller.number == ""
    assert event.channel.creationtime is None
    assert event.channel.dialplan.priority == 0


def test_stasis_args_and_events_are_frozen() -> None:
    raw = fixture("stasis_start")
    raw["args"] = ["survey", "T-1"]
    event = parse_event(raw)
    assert isinstance(event, StasisStart)
    assert event.args == ("survey", "T-1")
    with pytest.raises(AttributeError):
        event.args = ()  # type: ignore[misc]


def test_channel_from_rest_body_with_channelvars() -> None:
    channels = [Channel.from_json(c) for c in fixture("rest_channels")]
    by_id = {c.id: c for c in channels}
    assert by_id["em-1"].name.startswith("UnicastRTP/")
    assert by_id["1795934157.9"].dialplan.app_name == "Queue"
