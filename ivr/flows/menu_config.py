"""The inbound menu's vocabulary and tunables: its states, prompt ids, keys and :class:`MenuConfig`."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum

from ivr.flows.callback_offer import CallbackOfferConfig
from ivr.flows.speech import SpeechConfig
from ticketing.calls.vocabulary import Skill

SKILL_VARIABLE = "HOTLINE_SKILL"
"""Channel variable the dialplan (``from-citizens``) reads to pick the skill queue."""

DIGIT_SKILLS: dict[str, Skill] = {
    "1": Skill.CONSULT,
    "2": Skill.HELP,
    "3": Skill.COMPLAINT_REPORT,
    "4": Skill.SUGGESTION_PRAISE,
}
"""Menu keys that choose a skill and lead to describe-the-matter (``0`` = agent, ``*`` = repeat)."""

AGENT_DIGIT = "0"
REPEAT_DIGIT = "*"


class MenuState(StrEnum):
    """Where a :class:`MenuFlow` is."""

    IDLE = "idle"  # created, not started
    WELCOME = "welcome"  # playing the welcome (with the emergency pointer)
    MENU = "menu"  # playing the menu (possibly after an invalid/timeout notice)
    WAIT_DIGIT = "wait_digit"  # menu played, no-input timer running
    DESCRIBE = "describe"  # playing "describe the matter after the tone"
    RECORDING = "recording"  # recording the description
    SCREEN = "emergency_screen"  # reading the description for an emergency (ivr.flows.emergency_screen)
    OFFER = "callback_offer"  # the queue-callback offer runs (ivr.flows.callback_offer)
    TRANSFER = "transfer"  # playing the last words before joining the queue
    OUT_OF_HOURS = "out_of_hours"  # playing the out-of-hours notice
    MESSAGE = "message"  # recording the out-of-hours message
    GOODBYE = "goodbye"  # playing "message recorded, goodbye"
    DONE = "done"  # the IVR part is over; everything is ignored


# States reported to ticketing as steps (WAIT_DIGIT is part of the menu step; IDLE/DONE are not steps).
STEP_STATES = frozenset(MenuState) - {MenuState.IDLE, MenuState.WAIT_DIGIT, MenuState.DONE}
LISTENING_STATES = frozenset({MenuState.MENU, MenuState.WAIT_DIGIT})  # the menu step


@dataclass(frozen=True, slots=True)
class MenuPrompts:
    """Prompt ids the menu plays (catalogue ids, language-agnostic: swap the catalogue, keep the flow)."""

    welcome: str = "welcome"
    menu: str = "menu"
    invalid: str = "invalid"
    timeout: str = "timeout"
    transfer_agent: str = "transfer_agent"
    describe: str = "describe"
    thanks_transferring: str = "thanks_transferring"
    please_hold: str = "please_hold"
    out_of_hours: str = "out_of_hours"
    message_recorded: str = "message_recorded"
    sorry_technical: str = "sorry_technical"

    def ids(self) -> tuple[str, ...]:
        """Every prompt id this flow can play."""
        return tuple(getattr(self, f.name) for f in fields(self))


@dataclass(frozen=True, slots=True)
class MenuConfig:
    """Tunables of the menu flow (seconds unless named otherwise)."""

    menu_timeout_s: float = 8
    max_attempts: int = 3
    record_max_s: int = 120
    record_silence_s: int = 5
    message_max_s: int = 120
    record_guard_s: float = 10
    """Extra seconds after ``record_max_s`` before the flow stops a recording Asterisk never ended."""
    prompts: MenuPrompts = field(default_factory=MenuPrompts)
    speech: SpeechConfig | None = None
    """Speech in the menu (grammar recognition); ``None`` = keys only."""
    callback: CallbackOfferConfig | None = None
    """The queue-callback offer before a long wait; ``None`` = never offered."""
    screen_emergencies: bool = False
    """Read each description for an emergency before the caller waits (needs speech recognition)."""

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        for name in ("menu_timeout_s", "record_max_s", "record_silence_s", "message_max_s"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.record_guard_s < 0:
            raise ValueError("record_guard_s must not be negative")
        if self.speech is not None:
            stray = self.speech.phrases.keys - set(DIGIT_SKILLS) - {AGENT_DIGIT}
            if stray:
                raise ValueError(f"speech phrases stand for keys that choose nothing: {sorted(stray)}")
