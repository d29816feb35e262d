"""Property checks of the menu flow over seeded random event sequences (no hypothesis here).

For each of 2000 seeds: a random mix of plausible and garbage events never raises, ends with at most
one ReportEnd (exactly one once finished), emits nothing after the end, only plays catalogue prompts,
and — the caller is never stranded — a well-behaved channel (playbacks finish, recordings finish,
timers fire) always brings the flow to its end afterwards.
"""

from __future__ import annotations

import random

import pytest

from ivr.flows import (
    CallbackBooked,
    CancelTimer,
    Command,
    CommandFailed,
    ContinueToQueue,
    Dtmf,
    Event,
    HungUp,
    MenuConfig,
    MenuFlow,
    Play,
    PlaybackFinished,
    Record,
    RecordingFailed,
    RecordingFinished,
    ReportEnd,
    SetVariables,
    Started,
    StartTimer,
    StopPlayback,
    StopRecording,
    TimerFired,
    WaitEstimated,
)
from ivr.flows.callback_offer import CallbackOfferConfig
from ivr.flows.commands import EstimateWait, RequestCallback, ScreenEmergency
from ivr.flows.events import EmergencyScreened
from ivr.prompts import CATALOGUE

SEEDS = 2000
CONFIGS = [
    MenuConfig(),
    MenuConfig(max_attempts=1),
    MenuConfig(max_attempts=5, menu_timeout_s=2),
    MenuConfig(callback=CallbackOfferConfig(threshold_s=60)),
    MenuConfig(callback=CallbackOfferConfig(threshold_s=60), screen_emergencies=True),
]
DIGITS = "0123456789*#"


class Channel:
    """Tracks what the flow has running (playbacks, recordings, timers) from its commands."""

    def __init__(self) -> None:
        self.playbacks: list[str] = []
        self.recordings: list[str] = []
        self.timers: list[str] = []
        self.estimates: list[str] = []
        self.callbacks: list[str] = []
        self.screens: list[str] = []
        self.seen_ids: list[str] = []
        self.log: list[Command] = []
        self.after_end: list[Command] = []

    def apply(self, commands: list[Command]) -> None:
        ended_before = any(isinstance(c, ReportEnd) for c in self.log)
        if ended_before:
            self.after_end += commands
        for command in commands:
            if isinstance(command, Play):
                self.playbacks.append(command.playback_id)
                self.seen_ids.append(command.playback_id)
            elif isinstance(command, StopPlayback) and command.playback_id in self.playbacks:
                self.playbacks.remove(command.playback_id)
            elif isinstance(command, Record):
                self.recordings.append(command.name)
                self.seen_ids.append(command.name)
            elif isinstance(command, StopRecording) and command.name in self.recordings:
                self.recordings.remove(command.name)
            elif isinstance(command, StartTimer):
                self.timers.append(command.timer_id)
                self.seen_ids.append(command.timer_id)
            elif isinstance(command, CancelTimer) and command.timer_id in self.timers:
                self.timers.remove(command.timer_id)
            elif isinstance(command, EstimateWait):
                self.estimates.append(command.request_id)
                self.seen_ids.append(command.request_id)
            elif isinstance(command, ScreenEmergency):
                self.screens.append(command.request_id)
                self.seen_ids.append(command.request_id)
            elif isinstance(command, RequestCallback):
                self.callbacks.append(command.request_id)
                self.seen_ids.append(command.request_id)
        self.log += commands

    def well_behaved_event(self) -> Event | None:
        """What a healthy Asterisk (and ticketing) would report next, with no caller input."""
        if self.screens:
            return EmergencyScreened(self.screens.pop(), None)
        if self.estimates:
            return WaitEstimated(self.estimates.pop(), 300)
        if self.callbacks:
            return CallbackBooked(self.callbacks.pop())
        if self.playbacks:
            return PlaybackFinished(self.playbacks.pop())
        if self.recordings:
            return RecordingFinished(self.recordings.pop(), 3000)
        if self.timers:
            return TimerFired(self.timers.pop())
        return None


def random_event(rng: random.Random, channel: Channel) -> Event:
    def some_id(live: list[str]) -> str:
        roll = rng.random()
        if live and roll < 0.7:
            return live[-1]
        if channel.seen_ids and roll < 0.9:
            return rng.choice(channel.seen_ids)
        return rng.choice(["junk", "", "c1-pb-999", "c1-matter", "c1-message"])

    kind = rng.choices(
        [
            "dtmf",
            "played",
            "timer",
            "rec_ok",
            "rec_fail",
            "hangup",
            "cmd_fail",
            "started",
            "wait",
            "booked",
            "screen",
        ],
        weights=[30, 30, 12, 8, 4, 2, 4, 2, 6, 3, 4],
    )[0]
    if kind == "dtmf":
        return Dtmf(rng.choice(DIGITS) if rng.random() < 0.95 else rng.choice(["", "12", "x"]))
    if kind == "played":
        return PlaybackFinished(some_id(channel.playbacks))
    if kind == "timer":
        return TimerFired(some_id(channel.timers))
    if kind == "rec_ok":
        return RecordingFinished(some_id(channel.recordings), rng.choice([None, 0, 1, 65_000]))
    if kind == "rec_fail":
        return RecordingFailed(some_id(channel.recordings), "random")
    if kind == "hangup":
        return HungUp()
    if kind == "cmd_fail":
        live = rng.choice(
            [channel.playbacks, channel.recordings, channel.estimates, channel.callbacks, channel.screens]
        )
        return CommandFailed(rng.choice([None, some_id(live)]), "x")
    if kind == "wait":
        return WaitEstimated(some_id(channel.estimates), rng.choice([None, 0, 59.9, 60, 3600]))
    if kind == "screen":
        return EmergencyScreened(some_id(channel.screens), rng.choice([None, "119", "120", "999"]))
    if kind == "booked":
        return CallbackBooked(some_id(channel.callbacks))
    return Started(rng.random() < 0.5)


def check_batch(commands: list[Command]) -> None:
    for index, command in enumerate(commands):
        if isinstance(command, Play):
            assert command.prompts, "empty playback"
            assert all(p in CATALOGUE for p in command.prompts), command.prompts
        if isinstance(command, ContinueToQueue):
            assert commands[index - 1] == SetVariables({"HOTLINE_SKILL": command.skill.value})
        if isinstance(command, ReportEnd):
            assert index == len(commands) - 1, "ReportEnd must be the last command of its batch"


def run_seed(seed: int) -> None:
    rng = random.Random(seed)
    flow = MenuFlow(rng.choice(CONFIGS), "c1")
    channel = Channel()
    if rng.random() < 0.9:
        out = flow.start(Started(within_hours=rng.random() < 0.75))
        check_batch(out)
        channel.apply(out)
    for _ in range(rng.randint(0, 40)):
        out = flow.handle(random_event(rng, channel))
        check_batch(out)
        channel.apply(out)
        ends = sum(isinstance(c, ReportEnd) for c in channel.log)
        assert ends <= 1
        assert flow.finished == (ends == 1)
    if not flow.finished and flow.state.value == "idle":
        channel.apply(flow.start(Started(True)))
    for _ in range(60):  # no more caller input: a healthy channel must lead to the end
        if flow.finished:
            break
        event = channel.well_behaved_event()
        assert event is not None, f"stranded in {flow.state} (seed {seed}): {channel.log}"
        out = flow.handle(event)
        check_batch(out)
        channel.apply(out)
    assert flow.finished, f"no end after 60 healthy events (seed {seed})"
    assert sum(isinstance(c, ReportEnd) for c in channel.log) == 1
    assert flow.handle(HungUp()) == []
    assert channel.after_end == []


@pytest.mark.parametrize("block", range(10))
def test_random_sequences(block: int) -> None:
    for seed in range(block * SEEDS // 10, (block + 1) * SEEDS // 10):
        run_seed(seed)


def test_random_sequences_cover_every_end_reason() -> None:
    reasons = set()
    for seed in range(SEEDS):
        rng = random.Random(seed)
        flow = MenuFlow(rng.choice(CONFIGS), "c1")
        channel = Channel()
        channel.apply(flow.start(Started(within_hours=rng.random() < 0.75)))
        for _ in range(rng.randint(0, 40)):
            channel.apply(flow.handle(random_event(rng, channel)))
        while not flow.finished and (event := channel.well_behaved_event()) is not None:
            channel.apply(flow.handle(event))
        reasons.add(flow.end_reason)
    assert {r.value for r in reasons if r is not None} == {
        "queued",
        "message_left",
        "caller_hung_up",
        "callback_requested",
        "failed",
    }
