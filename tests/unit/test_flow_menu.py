"""The inbound menu flow, transition by transition (pure: events in, commands out, no sockets)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest

from ivr.flows import (
    Answer,
    CancelTimer,
    Command,
    CommandFailed,
    ContinueToQueue,
    Dtmf,
    Event,
    Hangup,
    HungUp,
    MenuConfig,
    MenuFlow,
    MenuState,
    Play,
    PlaybackFinished,
    Record,
    RecordingFailed,
    RecordingFinished,
    ReportChoice,
    ReportEnd,
    ReportRecording,
    ReportStep,
    SetVariables,
    Started,
    StartTimer,
    StopPlayback,
    StopRecording,
    TimerFired,
)
from ticketing.calls.vocabulary import CallEndReason, Skill

C = TypeVar("C")


class Call:
    """One call through a :class:`MenuFlow`; ``log`` holds every command the flow emitted."""

    def __init__(self, within_hours: bool = True, config: MenuConfig | None = None) -> None:
        self.flow = MenuFlow(config or MenuConfig(), "c1")
        self.log: list[Command] = []
        self.first = self.flow.start(Started(within_hours=within_hours))
        self.log += self.first

    def send(self, event: Event) -> list[Command]:
        out = self.flow.handle(event)
        self.log += out
        return out

    def last(self, kind: type[C]) -> C:
        for command in reversed(self.log):
            if isinstance(command, kind):
                return command
        raise AssertionError(f"no {kind.__name__} emitted yet: {self.log}")

    def played(self) -> list[Command]:
        """The current playback finished."""
        return self.send(PlaybackFinished(self.last(Play).playback_id))

    def timer(self) -> list[Command]:
        """The last started timer fired."""
        return self.send(TimerFired(self.last(StartTimer).timer_id))

    def recorded(self, duration_ms: int | None = 4200) -> list[Command]:
        return self.send(RecordingFinished(self.last(Record).name, duration_ms))

    def ends(self) -> list[ReportEnd]:
        return [c for c in self.log if isinstance(c, ReportEnd)]

    def prompts(self) -> list[tuple[str, ...]]:
        return [c.prompts for c in self.log if isinstance(c, Play)]


def kinds(commands: list[Command]) -> list[type]:
    return [type(c) for c in commands]


def at_menu_wait(call: Call) -> None:
    call.played()  # welcome
    call.played()  # menu → timer


# ------------------------------------------------------------------------------------------ start
def test_start_in_hours_answers_and_welcomes() -> None:
    call = Call()
    assert call.first == [Answer(), ReportStep("welcome"), Play("c1-pb-1", ("welcome",))]
    assert call.flow.state is MenuState.WELCOME
    assert not call.flow.finished


def test_welcome_then_menu_then_timer() -> None:
    call = Call()
    assert call.played() == [ReportStep("menu"), Play("c1-pb-2", ("menu",))]
    states = [call.flow.state]
    assert call.played() == [StartTimer("c1-timer-3", 8)]
    states.append(call.flow.state)
    assert states == [MenuState.MENU, MenuState.WAIT_DIGIT]


def test_menu_timeout_is_configurable() -> None:
    call = Call(config=MenuConfig(menu_timeout_s=3.5))
    at_menu_wait(call)
    assert call.last(StartTimer).seconds == 3.5


# ------------------------------------------------------------------------------------------ choices
BRANCHES = [
    ("1", Skill.CONSULT),
    ("2", Skill.HELP),
    ("3", Skill.COMPLAINT_REPORT),
    ("4", Skill.SUGGESTION_PRAISE),
]
WHEN = ["during_welcome", "during_menu", "after_menu"]


def press_at(call: Call, when: str, digit: str) -> list[Command]:
    """Press ``digit`` at a point of the menu; returns the commands that answer the digit."""
    if when == "during_menu":
        call.played()
    elif when == "after_menu":
        at_menu_wait(call)
    return call.send(Dtmf(digit))


@pytest.mark.parametrize("when", WHEN)
@pytest.mark.parametrize(("digit", "skill"), BRANCHES)
def test_branch_records_then_queues(digit: str, skill: Skill, when: str) -> None:
    call = Call()
    out = press_at(call, when, digit)
    interrupt = CancelTimer(call.last(StartTimer).timer_id) if when == "after_menu" else None
    if interrupt is None:
        assert out[0] == StopPlayback(call.log[-len(out) - 1].playback_id)  # type: ignore[union-attr]
    else:
        assert out[0] == interrupt
    assert out[1:] == [ReportChoice(skill), ReportStep("describe"), call.last(Play)]
    assert call.last(Play).prompts == ("describe",)
    assert call.flow.skill is skill

    out = call.played()
    record = call.last(Record)
    assert out == [ReportStep("recording"), record, call.last(StartTimer)]
    assert record == Record("c1-matter", 120, 5, beep=True, terminate_on="#")
    assert call.last(StartTimer).seconds == 130  # guard: record_max_s + record_guard_s

    out = call.recorded(4200)
    assert out == [
        CancelTimer(call.last(StartTimer).timer_id),
        ReportRecording("c1-matter", 4200),
        ReportStep("transfer"),
        call.last(Play),
    ]
    assert call.last(Play).prompts == ("thanks_transferring",)

    out = call.played()
    assert out == [
        SetVariables({"HOTLINE_SKILL": skill.value}),
        ContinueToQueue(skill),
        ReportEnd(CallEndReason.QUEUED),
    ]
    assert call.flow.finished
    assert call.flow.state is MenuState.DONE
    assert call.flow.end_reason is CallEndReason.QUEUED


def test_stopped_playback_id_is_the_current_one() -> None:
    call = Call()
    welcome = call.last(Play).playback_id
    assert call.send(Dtmf("1"))[0] == StopPlayback(welcome)
    # the PlaybackFinished of the stopped welcome is stale and ignored
    assert call.send(PlaybackFinished(welcome)) == []
    assert call.flow.state is MenuState.DESCRIBE


@pytest.mark.parametrize("when", WHEN)
def test_zero_goes_to_general_queue_without_recording(when: str) -> None:
    call = Call()
    out = press_at(call, when, "0")
    assert out[1:] == [ReportChoice(Skill.GENERAL), ReportStep("transfer"), call.last(Play)]
    assert call.last(Play).prompts == ("transfer_agent",)
    out = call.played()
    assert out == [
        SetVariables({"HOTLINE_SKILL": "general"}),
        ContinueToQueue(Skill.GENERAL),
        ReportEnd(CallEndReason.QUEUED),
    ]
    assert not any(isinstance(c, Record) for c in call.log)


@pytest.mark.parametrize("when", WHEN)
def test_star_repeats_the_menu_without_a_strike(when: str) -> None:
    call = Call()
    out = press_at(call, when, "*")
    assert call.last(Play).prompts == ("menu",)
    assert out[-1] == call.last(Play)
    assert call.flow.state is MenuState.MENU
    assert call.flow.strikes == 0
    for _ in range(5):  # repeating is never punished
        call.send(Dtmf("*"))
    assert call.flow.strikes == 0
    call.send(Dtmf("2"))
    assert call.flow.skill is Skill.HELP


# ------------------------------------------------------------------------------------------ strikes
def test_invalid_digit_replays_menu_with_notice() -> None:
    call = Call()
    at_menu_wait(call)
    timer = call.last(StartTimer).timer_id
    out = call.send(Dtmf("7"))
    assert out == [CancelTimer(timer), ReportStep("invalid:7"), call.last(Play)]
    assert call.last(Play).prompts == ("invalid", "menu")
    assert call.flow.strikes == 1
    assert call.flow.state is MenuState.MENU


def test_timeout_replays_menu_with_notice() -> None:
    call = Call()
    at_menu_wait(call)
    out = call.timer()
    assert out == [ReportStep("timeout"), call.last(Play)]
    assert call.last(Play).prompts == ("timeout", "menu")
    assert call.flow.strikes == 1


STRIKE_PATTERNS = [
    ("invalid x3", ["7", "9", "#"]),
    ("timeout x3", ["T", "T", "T"]),
    ("mixed", ["8", "T", "#"]),
    ("mixed, timeout last", ["T", "5", "T"]),
]


@pytest.mark.parametrize(("label", "pattern"), STRIKE_PATTERNS, ids=[p[0] for p in STRIKE_PATTERNS])
def test_three_strikes_go_to_general_queue(label: str, pattern: list[str]) -> None:
    call = Call()
    at_menu_wait(call)
    for index, strike in enumerate(pattern):
        if strike == "T":
            call.timer()
        else:
            call.send(Dtmf(strike))
        notice = "timeout" if strike == "T" else "invalid"
        if index < len(pattern) - 1:
            assert call.last(Play).prompts == (notice, "menu")
            call.played()  # menu played out → waiting again
            assert call.flow.state is MenuState.WAIT_DIGIT
        else:
            assert call.last(Play).prompts == (notice, "transfer_agent")
            assert call.flow.state is MenuState.TRANSFER
    assert call.played()[-2:] == [ContinueToQueue(Skill.GENERAL), ReportEnd(CallEndReason.QUEUED)]
    assert not any(isinstance(c, ReportChoice) for c in call.log)


def test_max_attempts_is_configurable() -> None:
    call = Call(config=MenuConfig(max_attempts=1))
    at_menu_wait(call)
    call.timer()
    assert call.last(Play).prompts == ("timeout", "transfer_agent")


def test_invalid_digit_during_welcome_counts_and_stops_playback() -> None:
    call = Call()
    welcome = call.last(Play).playback_id
    out = call.send(Dtmf("9"))
    assert out[0] == StopPlayback(welcome)
    assert call.last(Play).prompts == ("invalid", "menu")
    assert call.flow.strikes == 1


def test_digit_during_invalid_notice_is_taken() -> None:
    call = Call()
    at_menu_wait(call)
    call.send(Dtmf("9"))
    notice = call.last(Play).playback_id
    out = call.send(Dtmf("3"))
    assert out[0] == StopPlayback(notice)
    assert call.flow.skill is Skill.COMPLAINT_REPORT


def test_strike_counter_survives_star() -> None:
    call = Call()
    at_menu_wait(call)
    call.send(Dtmf("9"))
    call.send(Dtmf("*"))
    call.played()
    call.send(Dtmf("8"))
    assert call.flow.strikes == 2


# ------------------------------------------------------------------------------------------ recording
def test_recording_failed_still_queues_chosen_skill() -> None:
    call = Call()
    call.send(Dtmf("2"))
    call.played()
    out = call.send(RecordingFailed("c1-matter", "no such directory"))
    assert not any(isinstance(c, ReportRecording) for c in out)
    assert out[0] == CancelTimer(call.last(StartTimer).timer_id)
    assert call.last(Play).prompts == ("sorry_technical", "transfer_agent")
    assert call.played()[-2:] == [ContinueToQueue(Skill.HELP), ReportEnd(CallEndReason.QUEUED)]


def test_zero_length_recording_still_queues_without_report() -> None:
    call = Call()
    call.send(Dtmf("1"))
    call.played()
    out = call.recorded(0)
    assert not any(isinstance(c, ReportRecording) for c in out)
    assert call.last(Play).prompts == ("thanks_transferring",)
    assert call.played()[-2:] == [ContinueToQueue(Skill.CONSULT), ReportEnd(CallEndReason.QUEUED)]


def test_recording_of_unknown_length_is_reported() -> None:
    call = Call()
    call.send(Dtmf("1"))
    call.played()
    assert ReportRecording("c1-matter", None) in call.recorded(None)


def test_recording_guard_timer_stops_a_stuck_recording() -> None:
    call = Call()
    call.send(Dtmf("4"))
    call.played()
    out = call.timer()
    assert out[:2] == [StopRecording("c1-matter"), ReportRecording("c1-matter", None)]
    assert call.flow.state is MenuState.TRANSFER
    # Asterisk's late RecordingFinished for the stopped recording is ignored
    assert call.recorded(5000) == []


def test_recording_events_for_other_names_are_ignored() -> None:
    call = Call()
    call.send(Dtmf("1"))
    call.played()
    assert call.send(RecordingFinished("someone-else", 100)) == []
    assert call.send(RecordingFailed("someone-else", "x")) == []
    assert call.flow.state is MenuState.RECORDING


def test_digits_during_describe_and_recording_are_ignored() -> None:
    call = Call()
    call.send(Dtmf("1"))
    assert call.send(Dtmf("2")) == []
    call.played()
    assert call.send(Dtmf("#")) == []
    assert call.flow.skill is Skill.CONSULT


def test_record_limits_come_from_config() -> None:
    call = Call(config=MenuConfig(record_max_s=60, record_silence_s=3, record_guard_s=2))
    call.send(Dtmf("1"))
    call.played()
    assert call.last(Record) == Record("c1-matter", 60, 3)
    assert call.last(StartTimer).seconds == 62


# ------------------------------------------------------------------------------------------ out of hours
def test_out_of_hours_message_then_goodbye() -> None:
    call = Call(within_hours=False)
    assert call.first == [Answer(), ReportStep("out_of_hours"), Play("c1-pb-1", ("out_of_hours",))]
    assert call.send(Dtmf("1")) == []  # no menu out of hours
    out = call.played()
    assert out[:2] == [ReportStep("message"), Record("c1-message", 120, 5)]
    out = call.recorded(9000)
    assert out[1:3] == [ReportRecording("c1-message", 9000), ReportStep("goodbye")]
    assert call.last(Play).prompts == ("message_recorded",)
    assert call.played() == [Hangup(), ReportEnd(CallEndReason.MESSAGE_LEFT)]
    assert call.flow.end_reason is CallEndReason.MESSAGE_LEFT
    assert not any(isinstance(c, ContinueToQueue) for c in call.log)


def test_out_of_hours_message_length_is_configurable() -> None:
    call = Call(within_hours=False, config=MenuConfig(message_max_s=45))
    call.played()
    assert call.last(Record).max_seconds == 45


@pytest.mark.parametrize(
    ("outcome", "prompts"),
    [("failed", ("sorry_technical", "transfer_agent")), ("empty", ("transfer_agent",))],
)
def test_out_of_hours_without_a_message_goes_to_general_queue(outcome: str, prompts: tuple[str, ...]) -> None:
    call = Call(within_hours=False)
    call.played()
    if outcome == "failed":
        call.send(RecordingFailed("c1-message", "disk full"))
    else:
        call.recorded(0)
    assert call.last(Play).prompts == prompts
    assert not any(isinstance(c, ReportRecording) for c in call.log)
    assert call.played()[-2:] == [ContinueToQueue(Skill.GENERAL), ReportEnd(CallEndReason.QUEUED)]


# ------------------------------------------------------------------------------------------ hang-up
def _reach(state: str) -> Call:
    """A call standing in ``state`` (a MenuState value, or 'idle')."""
    if state == "out_of_hours" or state in ("message", "goodbye"):
        call = Call(within_hours=False)
        if state in ("message", "goodbye"):
            call.played()
        if state == "goodbye":
            call.recorded()
        return call
    call = Call()
    steps: dict[str, Callable[[Call], object]] = {
        "welcome": lambda c: None,
        "menu": lambda c: c.played(),
        "wait_digit": at_menu_wait,
        "describe": lambda c: c.send(Dtmf("1")),
        "recording": lambda c: (c.send(Dtmf("1")), c.played()),
        "transfer": lambda c: c.send(Dtmf("0")),
    }
    steps[state](call)
    return call


LIVE_STATES = [
    "welcome",
    "menu",
    "wait_digit",
    "describe",
    "recording",
    "transfer",
    "out_of_hours",
    "message",
    "goodbye",
]


@pytest.mark.parametrize("state", LIVE_STATES)
def test_hangup_in_every_state_ends_exactly_once(state: str) -> None:
    call = _reach(state)
    assert call.flow.state.value == state
    assert call.ends() == []
    out = call.send(HungUp())
    assert out[-1] == ReportEnd(CallEndReason.CALLER_HUNG_UP)
    assert call.ends() == [ReportEnd(CallEndReason.CALLER_HUNG_UP)]
    assert not any(isinstance(c, (Play, Record, ContinueToQueue, Hangup, StartTimer)) for c in out)
    if state in ("wait_digit", "recording", "message"):
        assert out[0] == CancelTimer(call.last(StartTimer).timer_id)
    if state in ("recording", "message"):
        name = call.last(Record).name
        assert out[1:3] == [StopRecording(name), ReportRecording(name, None)]
    # a second hang-up and any later event change nothing
    assert call.send(HungUp()) == []
    assert call.played() == []
    assert call.send(Dtmf("1")) == []
    assert call.ends() == [ReportEnd(CallEndReason.CALLER_HUNG_UP)]


def test_hangup_before_start_ends_once() -> None:
    flow = MenuFlow(MenuConfig(), "c9")
    assert flow.handle(HungUp()) == [ReportEnd(CallEndReason.CALLER_HUNG_UP)]
    assert flow.start(Started(True)) == []
    assert flow.finished


@pytest.mark.parametrize("end", ["queued", "message_left"])
def test_events_after_the_end_are_ignored(end: str) -> None:
    call = Call(within_hours=end == "queued")
    if end == "queued":
        call.send(Dtmf("0"))
        call.played()
    else:
        call.played()
        call.recorded()
        call.played()
    assert call.flow.finished
    before = list(call.log)
    for event in (
        HungUp(),
        Dtmf("1"),
        Started(True),
        TimerFired("c1-timer-3"),
        PlaybackFinished("c1-pb-1"),
        RecordingFinished("c1-matter", 1),
        RecordingFailed("c1-message", "x"),
        CommandFailed(None, "channel gone"),
    ):
        assert call.send(event) == []
    assert call.log == before
    assert len(call.ends()) == 1


# ------------------------------------------------------------------------------------ garbage / failures
def test_garbage_before_start_is_ignored() -> None:
    flow = MenuFlow()
    for event in (
        Dtmf("1"),
        PlaybackFinished("x"),
        TimerFired("x"),
        RecordingFinished("x", 1),
        CommandFailed(),
    ):
        assert flow.handle(event) == []
    assert flow.state is MenuState.IDLE
    assert flow.start(Started(True))[0] == Answer()


def test_started_twice_is_ignored() -> None:
    call = Call()
    assert call.send(Started(False)) == []
    assert call.flow.state is MenuState.WELCOME


def test_stale_ids_are_ignored() -> None:
    call = Call()
    at_menu_wait(call)
    assert call.send(PlaybackFinished("c1-pb-1")) == []  # the welcome, long over
    assert call.send(TimerFired("nope")) == []
    assert call.send(CommandFailed("c1-pb-1", "404 playback not found")) == []
    assert call.flow.state is MenuState.WAIT_DIGIT


def test_stale_timer_after_digit_is_ignored() -> None:
    call = Call()
    at_menu_wait(call)
    timer = call.last(StartTimer).timer_id
    call.send(Dtmf("1"))
    assert call.send(TimerFired(timer)) == []
    assert call.flow.strikes == 0


def test_failed_playback_is_skipped() -> None:
    call = Call()
    out = call.send(CommandFailed(call.last(Play).playback_id, "sound file not found"))
    assert call.last(Play).prompts == ("menu",)
    assert out[-1] == call.last(Play)


def test_failed_record_command_counts_as_failed_recording() -> None:
    call = Call()
    call.send(Dtmf("3"))
    call.played()
    call.send(CommandFailed("c1-matter", "500"))
    assert call.last(Play).prompts == ("sorry_technical", "transfer_agent")


@pytest.mark.parametrize("state", LIVE_STATES)
def test_unattributable_failure_hands_the_caller_to_a_queue(state: str) -> None:
    call = _reach(state)
    out = call.send(CommandFailed(None, "channel vanished"))
    assert len(call.ends()) == 1
    if state == "goodbye":
        assert out[-2:] == [Hangup(), ReportEnd(CallEndReason.MESSAGE_LEFT)]
    else:
        skill = call.flow.skill
        assert skill is not None
        assert out[-3:] == [
            SetVariables({"HOTLINE_SKILL": skill.value}),
            ContinueToQueue(skill),
            ReportEnd(CallEndReason.FAILED),
        ]
        expected = Skill.CONSULT if state in ("describe", "recording") else Skill.GENERAL
        assert skill is expected
    assert call.send(HungUp()) == []


@pytest.mark.parametrize("digit", ["", "12", "x", "#", "5", "A"])
def test_odd_digits_count_as_invalid(digit: str) -> None:
    call = Call()
    at_menu_wait(call)
    call.send(Dtmf(digit))
    assert call.flow.strikes == 1


def test_not_an_event_is_ignored() -> None:
    call = Call()
    assert call.flow.handle("garbage") == []  # type: ignore[arg-type]


def test_steps_are_reported_once_per_step_and_strikes_each_time() -> None:
    call = Call()
    at_menu_wait(call)
    call.send(Dtmf("9"))
    call.played()
    call.timer()
    call.played()
    call.send(Dtmf("1"))
    steps = [c.step for c in call.log if isinstance(c, ReportStep)]
    assert steps == ["welcome", "menu", "invalid:9", "timeout", "describe"]


def test_strikes_during_the_welcome_come_before_the_menu_step() -> None:
    call = Call()
    call.send(Dtmf("7"))
    call.send(Dtmf("8"))
    call.send(Dtmf("9"))
    steps = [c.step for c in call.log if isinstance(c, ReportStep)]
    assert steps == ["welcome", "invalid:7", "menu", "invalid:8", "invalid:9", "transfer"]


def test_ids_are_unique_per_call_name() -> None:
    a, b = MenuFlow(call_name="chan-a"), MenuFlow(call_name="chan-b")
    play_a = a.start(Started(True))[-1]
    play_b = b.start(Started(True))[-1]
    assert isinstance(play_a, Play)
    assert isinstance(play_b, Play)
    assert play_a.playback_id != play_b.playback_id


@pytest.mark.parametrize(
    "kwargs",
    [{"max_attempts": 0}, {"menu_timeout_s": 0}, {"record_max_s": -1}, {"record_guard_s": -1}],
)
def test_config_rejects_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must"):
        MenuConfig(**kwargs)  # type: ignore[arg-type]


def test_config_defaults() -> None:
    config = MenuConfig()
    assert (config.menu_timeout_s, config.max_attempts, config.record_max_s) == (8, 3, 120)
    assert (config.record_silence_s, config.message_max_s) == (5, 120)
