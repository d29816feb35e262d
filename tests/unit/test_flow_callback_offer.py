"""The queue-callback offer inside the menu (virtual hold): pure, transition by transition."""

from __future__ import annotations

from typing import TypeVar

import pytest

from ivr.flows import (
    CallbackBooked,
    CallbackOfferConfig,
    CancelTimer,
    Command,
    CommandFailed,
    ContinueToQueue,
    Dtmf,
    EstimateWait,
    Event,
    Hangup,
    HungUp,
    MenuConfig,
    MenuFlow,
    MenuState,
    Play,
    PlaybackFinished,
    Record,
    RecordingFinished,
    ReportEnd,
    ReportStep,
    RequestCallback,
    Started,
    StartTimer,
    StopPlayback,
    TimerFired,
    WaitEstimated,
)
from ticketing.calls.vocabulary import CallEndReason, Skill

C = TypeVar("C")
OFFER = CallbackOfferConfig(threshold_s=120, key_timeout_s=5)


class Call:
    """A caller who chose 投诉 (3), described the matter and is about to join the queue."""

    def __init__(self, config: MenuConfig | None = None, *, agent: bool = False) -> None:
        self.flow = MenuFlow(config or MenuConfig(callback=OFFER), "c1")
        self.log: list[Command] = list(self.flow.start(Started()))
        if agent:
            self.send(Dtmf("0"))
        else:
            self.send(Dtmf("3"))
            self.played()  # describe → record
            self.send(RecordingFinished(self.last(Record).name, 5000))

    def send(self, event: Event) -> list[Command]:
        out = self.flow.handle(event)
        self.log += out
        return out

    def last(self, kind: type[C]) -> C:
        for command in reversed(self.log):
            if isinstance(command, kind):
                return command
        raise AssertionError(f"no {kind.__name__} yet: {self.log}")

    def played(self) -> list[Command]:
        return self.send(PlaybackFinished(self.last(Play).playback_id))

    def estimated(self, seconds: float | None) -> list[Command]:
        return self.send(WaitEstimated(self.last(EstimateWait).request_id, seconds))

    def offered(self) -> None:
        """The wait is long: the offer plays out and the key timer runs."""
        self.estimated(600)
        self.played()

    def ends(self) -> list[CallEndReason]:
        return [c.reason for c in self.log if isinstance(c, ReportEnd)]

    def steps(self) -> list[str]:
        return [c.step for c in self.log if isinstance(c, ReportStep)]


def queued_after_transfer(call: Call, prompt: str) -> None:
    """The caller hears ``prompt`` and joins the queue of their skill."""
    assert call.last(Play).prompts[-1] == prompt
    assert call.flow.state is MenuState.TRANSFER
    out = call.played()
    assert ContinueToQueue(Skill.COMPLAINT_REPORT) in out
    assert call.ends() == [CallEndReason.QUEUED]


def test_the_wait_is_asked_for_the_chosen_skill_before_the_transfer() -> None:
    call = Call()
    assert call.flow.state is MenuState.OFFER
    assert call.last(EstimateWait).skill is Skill.COMPLAINT_REPORT
    assert "callback_offer" in call.steps()
    assert not any(isinstance(c, Play) and c.prompts == ("thanks_transferring",) for c in call.log)


@pytest.mark.parametrize("seconds", [None, 0, 119.9])
def test_a_short_or_unknown_wait_goes_to_the_queue_without_an_offer(seconds: float | None) -> None:
    call = Call()
    call.estimated(seconds)
    assert "callback_offer" not in [p for c in call.log if isinstance(c, Play) for p in c.prompts]
    queued_after_transfer(call, "thanks_transferring")


def test_a_long_wait_plays_the_offer_then_waits_for_a_key() -> None:
    call = Call()
    out = call.estimated(120)
    assert out == [ReportStep("callback:offered"), Play("c1-offer-pb-1", ("callback_offer",))]
    assert call.played() == [StartTimer("c1-offer-timer-2", 5)]


@pytest.mark.parametrize("during_prompt", [True, False])
def test_pressing_1_books_the_callback_then_says_goodbye_and_hangs_up(during_prompt: bool) -> None:
    call = Call()
    call.estimated(600)
    if not during_prompt:
        call.played()
    out = call.send(Dtmf("1"))
    interrupt = StopPlayback("c1-offer-pb-1") if during_prompt else CancelTimer("c1-offer-timer-2")
    request = call.last(RequestCallback)
    assert out == [interrupt, ReportStep("callback:accepted"), request]
    assert request.skill is Skill.COMPLAINT_REPORT
    assert call.ends() == []  # nothing is promised before the callback is stored
    out = call.send(CallbackBooked(request.request_id))
    assert out == [Play(call.last(Play).playback_id, ("callback_booked",))]
    assert call.played() == [Hangup(), ReportEnd(CallEndReason.CALLBACK_REQUESTED)]
    assert call.flow.finished


def test_pressing_2_or_no_key_goes_to_the_queue() -> None:
    declined = Call()
    declined.offered()
    declined.send(Dtmf("2"))
    assert "callback:declined" in declined.steps()
    queued_after_transfer(declined, "thanks_transferring")

    silent = Call()
    silent.offered()
    silent.send(TimerFired(silent.last(StartTimer).timer_id))
    assert "callback:timeout" in silent.steps()
    queued_after_transfer(silent, "thanks_transferring")


def test_a_wrong_key_repeats_the_offer_once_then_the_queue() -> None:
    call = Call()
    call.offered()
    call.send(Dtmf("7"))
    assert call.last(Play).prompts == ("callback_offer",)
    assert call.flow.state is MenuState.OFFER
    call.played()
    call.send(Dtmf("#"))
    assert call.steps()[-3:] == ["invalid:7", "invalid:#", "transfer"]
    queued_after_transfer(call, "thanks_transferring")


def test_a_callback_that_cannot_be_stored_sends_the_caller_to_the_queue_with_an_apology() -> None:
    call = Call()
    call.offered()
    call.send(Dtmf("1"))
    call.send(CommandFailed(call.last(RequestCallback).request_id, "database down"))
    assert "callback:failed" in call.steps()
    assert call.last(Play).prompts == ("sorry_technical", "transfer_agent")
    queued_after_transfer(call, "transfer_agent")


def test_failures_before_the_offer_never_strand_the_caller() -> None:
    no_estimate = Call()
    no_estimate.send(CommandFailed(no_estimate.last(EstimateWait).request_id, "ARI down"))
    queued_after_transfer(no_estimate, "thanks_transferring")

    no_prompt = Call()
    no_prompt.estimated(600)
    no_prompt.send(CommandFailed(no_prompt.last(Play).playback_id, "sound missing"))
    queued_after_transfer(no_prompt, "thanks_transferring")


def test_hanging_up_after_pressing_1_still_keeps_the_place() -> None:
    call = Call()
    call.offered()
    call.send(Dtmf("1"))
    call.send(CallbackBooked(call.last(RequestCallback).request_id))
    call.send(HungUp())  # during the goodbye
    assert call.ends() == [CallEndReason.CALLBACK_REQUESTED]

    early = Call()
    early.offered()
    early.send(Dtmf("1"))
    early.send(HungUp())  # the request was already sent when the caller hung up
    assert early.ends() == [CallEndReason.CALLBACK_REQUESTED]


def test_hanging_up_during_the_offer_is_a_hang_up() -> None:
    call = Call()
    call.offered()
    out = call.send(HungUp())
    assert CancelTimer(call.last(StartTimer).timer_id) in out
    assert call.ends() == [CallEndReason.CALLER_HUNG_UP]


def test_stale_and_foreign_events_are_ignored_during_the_offer() -> None:
    call = Call()
    assert call.send(WaitEstimated("someone-else", 900)) == []
    assert call.send(CallbackBooked(call.last(EstimateWait).request_id)) == []  # not booking
    call.offered()
    assert call.send(PlaybackFinished("c1-offer-pb-1")) == []  # already played
    assert call.send(TimerFired("c1-timer-99")) == []
    assert call.flow.state is MenuState.OFFER


def test_key_0_is_offered_too_and_only_once_per_call() -> None:
    call = Call(agent=True)
    assert call.last(EstimateWait).skill is Skill.GENERAL
    call.estimated(30)
    assert call.last(Play).prompts == ("transfer_agent",)
    assert sum(isinstance(c, EstimateWait) for c in call.log) == 1


def test_without_an_offer_configured_nothing_is_estimated() -> None:
    call = Call(MenuConfig())
    assert not any(isinstance(c, EstimateWait) for c in call.log)
    assert call.last(Play).prompts == ("thanks_transferring",)


def test_an_offer_needs_a_sane_config() -> None:
    with pytest.raises(ValueError, match="threshold"):
        CallbackOfferConfig(threshold_s=-1)
    with pytest.raises(ValueError, match="threshold"):
        CallbackOfferConfig(key_timeout_s=0)
