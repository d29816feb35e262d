"""The queue-callback offer (virtual hold): "按1保留排队位置，稍后回电", as a pure state machine.

The menu runs one :class:`CallbackOffer` when a caller is about to join a queue. It asks how long the
wait would be; below the threshold (or when no callback can be made) the caller goes on to the queue
without hearing anything. Otherwise::

    ESTIMATING --WaitEstimated(≥ threshold)--> OFFERING --played--> WAITING (key timer)
    OFFERING/WAITING --1--> BOOKING: RequestCallback --CallbackBooked--> BOOKED (goodbye) --played--> booked
    OFFERING/WAITING --2 / no key--> queue
    OFFERING/WAITING --other key--> the offer once more; a second wrong key → queue
    ESTIMATING/BOOKING --CommandFailed--> queue (booking failed: ``failed``, the caller hears an apology)

:meth:`handle` returns the commands and, once the offer is over, its :class:`OfferResult`; the menu then
either transfers the caller to the queue or hangs up. The caller never loses their turn by pressing a
wrong key or by silence: anything but a stored callback leads to the queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ivr.flows.commands import (
    CancelTimer,
    Command,
    EstimateWait,
    Play,
    ReportStep,
    RequestCallback,
    StartTimer,
    StopPlayback,
)
from ivr.flows.events import (
    CallbackBooked,
    CommandFailed,
    Dtmf,
    Event,
    PlaybackFinished,
    TimerFired,
    WaitEstimated,
)
from ticketing.calls.vocabulary import Skill

ACCEPT_DIGIT = "1"
DECLINE_DIGIT = "2"


@dataclass(frozen=True, slots=True)
class CallbackOfferConfig:
    """When and how the callback is offered."""

    threshold_s: float = 120
    """Offer when the estimated wait reaches this many seconds."""
    key_timeout_s: float = 6
    offer_prompt: str = "callback_offer"
    booked_prompt: str = "callback_booked"

    def __post_init__(self) -> None:
        if self.threshold_s < 0 or self.key_timeout_s <= 0:
            raise ValueError("the offer's threshold must not be negative and its key timeout positive")


class OfferState(StrEnum):
    """Where a :class:`CallbackOffer` is."""

    ESTIMATING = "estimating"
    OFFERING = "offering"  # playing the offer
    WAITING = "waiting"  # offer played, key timer running
    BOOKING = "booking"  # the caller pressed 1, the callback is being stored
    BOOKED = "booked"  # playing the goodbye
    OVER = "over"


class OfferResult(StrEnum):
    """How the offer ended."""

    QUEUE = "queue"  # not offered, declined, no key: join the queue now
    FAILED = "failed"  # accepted but could not be stored: join the queue (with an apology)
    BOOKED = "booked"  # stored and announced: hang up


STEP_OFFERED = "callback:offered"
STEP_ACCEPTED = "callback:accepted"
STEP_DECLINED = "callback:declined"
STEP_NO_KEY = "callback:timeout"
STEP_FAILED = "callback:failed"


class CallbackOffer:
    """One offer to one caller headed for ``skill`` (ids are prefixed with ``name``)."""

    def __init__(self, config: CallbackOfferConfig, name: str, skill: Skill) -> None:
        self._config = config
        self._name = name
        self._skill = skill
        self.state = OfferState.ESTIMATING
        self.result: OfferResult | None = None
        self.estimate_s: float | None = None
        self._request = f"{name}-estimate"
        self._playback: str | None = None
        self._timer: str | None = None
        self._seq = 0
        self._wrong_keys = 0

    @property
    def booked(self) -> bool:
        """The callback is stored (whatever happens to the call from now on)."""
        return self.state is OfferState.BOOKED or self.result is OfferResult.BOOKED

    def start(self) -> list[Command]:
        """Ask for the estimated wait."""
        return [EstimateWait(self._request, self._skill)]

    def handle(self, event: Event) -> tuple[list[Command], OfferResult | None]:
        """Feed one event: the commands to run, and the result once the offer is over."""
        if self.result is not None:
            return [], self.result
        match event:
            case WaitEstimated(request_id=rid, seconds=seconds) if rid == self._request:
                if self.state is not OfferState.ESTIMATING:
                    return [], None
                self.estimate_s = seconds
                if seconds is None or seconds < self._config.threshold_s:
                    return [], self._over(OfferResult.QUEUE)
                return [
                    ReportStep(STEP_OFFERED),
                    self._play(OfferState.OFFERING, self._config.offer_prompt),
                ], None
            case PlaybackFinished(playback_id=pb) if pb == self._playback:
                return self._played()
            case TimerFired(timer_id=timer) if timer == self._timer and self.state is OfferState.WAITING:
                self._timer = None
                return [ReportStep(STEP_NO_KEY)], self._over(OfferResult.QUEUE)
            case Dtmf(digit=digit) if self.state in (OfferState.OFFERING, OfferState.WAITING):
                return self._key(digit)
            case CallbackBooked(request_id=rid) if rid == self._request and self.state is OfferState.BOOKING:
                return [self._play(OfferState.BOOKED, self._config.booked_prompt)], None
            case CommandFailed(command_id=failed) if failed is not None:
                return self._failed(failed)
        return [], None

    def stop(self) -> list[Command]:
        """The call ends (hang-up): cancel what is running. A callback already requested stays."""
        commands: list[Command] = []
        if self._timer is not None:
            commands.append(CancelTimer(self._timer))
            self._timer = None
        self._playback = None
        if self.result is None:
            self.result = (
                OfferResult.BOOKED if self.state in (OfferState.BOOKING, OfferState.BOOKED) else None
            )
        self.state = OfferState.OVER
        return commands

    # ------------------------------------------------------------------------------------ helpers
    def _new_id(self, kind: str) -> str:
        self._seq += 1
        return f"{self._name}-{kind}-{self._seq}"

    def _play(self, state: OfferState, prompt: str) -> Command:
        self.state = state
        self._playback = self._new_id("pb")
        return Play(self._playback, (prompt,))

    def _over(self, result: OfferResult) -> OfferResult:
        self.state = OfferState.OVER
        self.result = result
        return result

    def _played(self) -> tuple[list[Command], OfferResult | None]:
        self._playback = None
        if self.state is OfferState.OFFERING:
            self.state = OfferState.WAITING
            self._timer = self._new_id("timer")
            return [StartTimer(self._timer, self._config.key_timeout_s)], None
        if self.state is OfferState.BOOKED:
            return [], self._over(OfferResult.BOOKED)
        return [], None

    def _key(self, digit: str) -> tuple[list[Command], OfferResult | None]:
        commands: list[Command] = []
        if self._playback is not None:
            commands.append(StopPlayback(self._playback))
            self._playback = None
        if self._timer is not None:
            commands.append(CancelTimer(self._timer))
            self._timer = None
        if digit == ACCEPT_DIGIT:
            self.state = OfferState.BOOKING
            self._request = self._new_id("callback")
            return [*commands, ReportStep(STEP_ACCEPTED), RequestCallback(self._request, self._skill)], None
        if digit == DECLINE_DIGIT:
            return [*commands, ReportStep(STEP_DECLINED)], self._over(OfferResult.QUEUE)
        self._wrong_keys += 1
        if self._wrong_keys >= 2:
            return [*commands, ReportStep(f"invalid:{digit}")], self._over(OfferResult.QUEUE)
        return [
            *commands,
            ReportStep(f"invalid:{digit}"),
            self._play(OfferState.OFFERING, self._config.offer_prompt),
        ], None

    def _failed(self, failed: str) -> tuple[list[Command], OfferResult | None]:
        if failed == self._request and self.state is OfferState.ESTIMATING:
            return [], self._over(OfferResult.QUEUE)
        if failed == self._request and self.state is OfferState.BOOKING:
            return [ReportStep(STEP_FAILED)], self._over(OfferResult.FAILED)
        if failed == self._playback:  # a missing prompt: the caller cannot be asked, or was told already
            self._playback = None
            if self.state is OfferState.OFFERING:
                return [], self._over(OfferResult.QUEUE)
            if self.state is OfferState.BOOKED:
                return [], self._over(OfferResult.BOOKED)
        if failed == self._timer:
            self._timer = None
            return [], self._over(OfferResult.QUEUE)
        return [], None
