"""The one SIPp scenario builder (sandbox.sipp.scenario): well-formed XML, every jump lands on a label, and
each way a call can end is the one asked for."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sandbox.sipp.scenario import AwaitHangup, CallScenario, PlayPcap, Press, Speak, Wait, dtmf_pcap


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
