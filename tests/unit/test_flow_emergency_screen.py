"""The emergency screen inside the menu (R-SCOPE): an emergency hears where to turn and waits at the front
of the queue; anything else goes on as before; a failed screen never holds the caller up."""

from __future__ import annotations

from ivr.flows import (
    CallbackOfferConfig,
    Command,
    CommandFailed,
    ContinueToQueue,
    Dtmf,
    EstimateWait,
    HungUp,
    MenuConfig,
    MenuFlow,
    MenuState,
    Play,
    PlaybackFinished,
    Record,
    RecordingFinished,
    ReportEnd,
    ReportRecording,
    ReportStep,
    SetVariables,
    Started,
    StopPlayback,
)
from ivr.flows.commands import ScreenEmergency
from ivr.flows.events import EmergencyScreened
from ticketing.calls.vocabulary import CallEndReason, Skill

CONFIG = MenuConfig(screen_emergencies=True, callback=CallbackOfferConfig(threshold_s=60))


def described(config: MenuConfig = CONFIG, duration_ms: int | None = 4000) -> tuple[MenuFlow, list[Command]]:
    flow = MenuFlow(config, "c1")
    log = list(flow.start(Started()))
    log += flow.handle(Dtmf("2"))
    log += flow.handle(PlaybackFinished(next(c for c in reversed(log) if isinstance(c, Play)).playback_id))
    record = next(c for c in reversed(log) if isinstance(c, Record))
    log += flow.handle(RecordingFinished(record.name, duration_ms))
    return flow, log


def screen_of(log: list[Command]) -> ScreenEmergency:
    return next(c for c in reversed(log) if isinstance(c, ScreenEmergency))


def test_the_recorded_description_is_screened_after_it_is_stored() -> None:
    flow, log = described()
    screen = screen_of(log)
    stored = next(i for i, c in enumerate(log) if isinstance(c, ReportRecording))
    assert log.index(screen) > stored
    assert screen.recording == "c1-matter"
    assert flow.state is MenuState.SCREEN


def test_the_caller_hears_please_hold_while_the_description_is_read() -> None:
    _, log = described()
    hold = next(c for c in reversed(log) if isinstance(c, Play))
    assert hold.prompts == ("please_hold",)
    assert log.index(hold) < log.index(screen_of(log))


def test_an_emergency_hears_the_redirect_notice_and_waits_at_the_front_without_an_offer() -> None:
    flow, log = described()
    hold = next(c for c in reversed(log) if isinstance(c, Play))
    out = flow.handle(EmergencyScreened(screen_of(log).request_id, "119"))
    assert out[0] == StopPlayback(hold.playback_id)  # the notice cuts "请稍候" short
    assert out[1] == ReportStep("emergency:119")
    assert out[2] == SetVariables({"QUEUE_PRIO": "10", "HOTLINE_EMERGENCY": "119"})
    play = out[-1]
    assert isinstance(play, Play)
    assert play.prompts == ("emergency_119", "transfer_agent")
    done = flow.handle(PlaybackFinished(play.playback_id))
    assert ContinueToQueue(Skill.HELP) in done
    assert done[-1] == ReportEnd(CallEndReason.QUEUED)
    assert not any(isinstance(c, EstimateWait) for c in [*log, *out, *done])  # no callback offer


def test_no_emergency_goes_on_to_the_callback_offer_and_the_queue() -> None:
    flow, log = described()
    hold = next(c for c in reversed(log) if isinstance(c, Play))
    assert flow.handle(PlaybackFinished(hold.playback_id)) == []  # "请稍候" over: still reading
    assert flow.state is MenuState.SCREEN
    out = flow.handle(EmergencyScreened(screen_of(log).request_id, None))
    assert not any(isinstance(c, StopPlayback) for c in out)
    assert any(isinstance(c, EstimateWait) for c in out)
    assert flow.state is MenuState.OFFER


def test_a_failed_screen_or_a_strange_answer_is_no_emergency() -> None:
    for event in ("failed", "999"):
        flow, log = described()
        request = screen_of(log).request_id
        answer = (
            CommandFailed(request, "asr down") if event == "failed" else EmergencyScreened(request, "999")
        )
        out = flow.handle(answer)
        assert any(isinstance(c, EstimateWait) for c in out), event


def test_stale_answers_are_ignored_and_a_hang_up_ends_the_call() -> None:
    flow, _ = described()
    assert flow.handle(EmergencyScreened("someone-else", "110")) == []
    assert flow.state is MenuState.SCREEN
    assert flow.handle(HungUp())[-1] == ReportEnd(CallEndReason.CALLER_HUNG_UP)


def test_nothing_is_screened_without_audio_or_when_screening_is_off() -> None:
    _, silent = described(duration_ms=0)
    assert not any(isinstance(c, ScreenEmergency) for c in silent)
    _, off = described(MenuConfig())
    assert not any(isinstance(c, ScreenEmergency) for c in off)
