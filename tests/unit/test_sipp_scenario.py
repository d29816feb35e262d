"""The one SIPp scenario builder (sandbox.sipp.scenario): well-formed XML, every jump lands on a label, and
each way a call can end is the one asked for."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sandbox.sipp.dtmf import dtmf_pcap, renumber, write_press_captures
from sandbox.sipp.scenario import (
    Answer,
    AwaitHangup,
    CallScenario,
    PlayPcap,
    Press,
    Speak,
    Wait,
    answer_xml,
    press_digits,
)


def parsed(scenario: CallScenario) -> ET.Element:
    root = ET.fromstring(scenario.xml().encode("iso-8859-1"))
    labels = {label.get("id") for label in root.iter("label")}
    jumps = {e.get(attr) for e in root for attr in ("next", "ontimeout") if e.get(attr)}
    assert jumps <= labels, f"jumps to missing labels: {jumps - labels}"
    return root


def test_a_citizen_call_presses_speaks_and_hangs_up_itself() -> None:
    root = parsed(CallScenario((Wait(1500), Press("3"), Speak(Path("/tmp/a b.wav"), 4000), Press("#"))))
    actions = [e.get("play_pcap_audio") or e.get("rtp_stream") for e in root.iter("exec")]
    assert actions == [str(dtmf_pcap("3")), "/tmp/a b.wav,1,8", str(dtmf_pcap("#"))]
    sends = [e.text or "" for e in root.iter("send")]
    assert sends[0].strip().startswith("INVITE sip:[service]")
    assert any(s.strip().startswith("BYE") for s in sends)
    assert not any(r.get("request") == "NEVER" for r in root.iter("recv"))  # being hung up on is fine


def test_every_wait_ends_early_on_a_hang_up_from_the_hotline() -> None:
    root = parsed(CallScenario((Wait(1000), Press("1", 500))))
    waits = [r for r in root.iter("recv") if r.get("request") == "BYE" and r.get("ontimeout")]
    assert [w.get("timeout") for w in waits] == ["1000", "500"]
    assert all(w.get("next") == "hungup" for w in waits)


def test_a_benchmark_call_fails_when_hung_up_on_and_bounds_the_answer() -> None:
    scenario = CallScenario(
        (PlayPcap(Path("/tmp/silence.pcap")), Wait(1000), Press("1", 2500)),
        answer_timeout_ms=30_000,
        early_hangup_fails=True,
    )
    root = parsed(scenario)
    answered = next(r for r in root.iter("recv") if r.get("response") == "200" and r.get("rtd"))
    assert answered.get("timeout") == "30000"
    assert any(r.get("request") == "NEVER" for r in root.iter("recv"))


def test_await_hangup_waits_for_the_hotline_and_never_sends_bye() -> None:
    root = parsed(CallScenario((Press("1", 1), AwaitHangup(90_000))))
    assert not any((e.text or "").strip().startswith("BYE") for e in root.iter("send"))
    mandatory = [r for r in root.iter("recv") if r.get("request") == "BYE" and not r.get("ontimeout")]
    assert [r.get("timeout") for r in mandatory] == ["90000"]


def test_await_hangup_only_as_the_last_step_and_only_real_digits() -> None:
    with pytest.raises(ValueError, match="last step"):
        CallScenario((AwaitHangup(1000), Wait(10)))
    with pytest.raises(ValueError, match="DTMF"):
        CallScenario((Press("x"),))


def rtp_headers(capture: bytes) -> list[tuple[int, int, int, int]]:
    """(sequence number, timestamp, SSRC, UDP checksum) of every packet of a pcap of RTP/UDP/IPv4."""
    found, offset = [], 24
    while offset < len(capture):
        length = struct.unpack_from("<I", capture, offset + 8)[0]
        frame = offset + 16
        udp = frame + 14 + (capture[frame + 14] & 0x0F) * 4
        checksum = struct.unpack_from("!H", capture, udp + 6)[0]
        seq, timestamp, ssrc = struct.unpack_from("!HII", capture, udp + 8 + 2)
        found.append((seq, timestamp, ssrc, checksum))
        offset = frame + length
    return found


def test_presses_of_one_call_are_renumbered_so_a_repeated_key_is_no_duplicate(tmp_path: Path) -> None:
    paths = write_press_captures(["1", "1", "2", "#"], tmp_path)
    headers = [rtp_headers(p.read_bytes()) for p in paths]
    stock = rtp_headers(dtmf_pcap("1").read_bytes())
    assert len(headers[0]) == len(stock) == 10
    assert headers[0] != headers[1]  # SIPp's own capture twice would be the same packets
    flat = [h for press in headers for h in press]
    assert [h[0] for h in flat] == sorted({h[0] for h in flat})  # sequence numbers only go up
    timestamps = [press[0][1] for press in headers]
    assert timestamps == sorted(set(timestamps))  # one event timestamp per press, increasing
    assert all(len({h[1] for h in press}) == 1 for press in headers)  # an event keeps its timestamp
    assert {h[2] for h in flat} == {stock[0][2]}
    assert {h[3] for h in flat} == {0}
    # the payload (which key, its volume and duration) is SIPp's, untouched
    original, copy = dtmf_pcap("2").read_bytes(), paths[2].read_bytes()
    assert len(original) == len(copy)
    assert original[-4:] == copy[-4:]


def test_a_scenario_with_a_presses_dir_plays_each_press_from_its_own_capture(tmp_path: Path) -> None:
    steps = (Wait(100), Press("1"), Press("1"), Speak(Path("/tmp/a.wav"), 10), Press("#"))
    root = parsed(CallScenario(steps, presses_dir=tmp_path))
    played = [e.get("play_pcap_audio") for e in root.iter("exec") if e.get("play_pcap_audio")]
    assert played == [str(tmp_path / "press-00-1.pcap"), str(tmp_path / "press-01-1.pcap"),
                      str(tmp_path / "press-02-pound.pcap")]  # fmt: skip
    assert press_digits(steps) == ["1", "1", "#"]
    answered = ET.fromstring(
        answer_xml(Answer(steps=(Press("2"), Press("2"))), tmp_path).encode("iso-8859-1")
    )
    assert [e.get("play_pcap_audio") for e in answered.iter("exec")] == [
        str(tmp_path / "press-00-2.pcap"),
        str(tmp_path / "press-01-2.pcap"),
    ]


def test_renumbering_refuses_what_is_no_pcap() -> None:
    with pytest.raises(ValueError, match="not a little-endian pcap"):
        renumber(b"\x00" * 40, 0)
