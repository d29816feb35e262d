"""The outbound 回访 survey call: greeting naming the matter, Q1 问题是否解决, Q2 满意度, per matter; an
optional spoken comment; thanks.

A pure state machine like :class:`~ivr.flows.menu.MenuFlow`: events in, commands out, odd input ignored.
The call is already answered (the citizen picked up the hotline's call). Keys are taken while a question
plays (barge-in) or in the seconds after it::

    IDLE --Started--> ASK(matter 0, Q1): greeting + "您在12月3日反映的投诉事项" + Q1
    ASK --played--> WAIT (no-input timer)
    ASK/WAIT --key--> valid: ReportAnswer; Q1 → ASK(Q2); Q2 → next matter's ASK(Q1) or COMMENT_PROMPT
                      *: the question again (no strike)
                      other key / no key in time: strike: "invalid"/"timeout" notice + the question again;
                      the ``max_attempts``-th strike of one question → GOODBYE (a partial survey)
    COMMENT_PROMPT --played--> COMMENT (Record, # ends) --recorded--> ReportComment → THANKS
    COMMENT_PROMPT --#--> THANKS (no comment)
    THANKS/GOODBYE --played--> Hangup + ReportSurveyEnd → DONE
    any --HungUp--> ReportSurveyEnd (complete if every question was answered, else partial) → DONE
    a prompt that cannot play → Hangup + ReportSurveyEnd(failed) → DONE (the answers given are kept)

Every answer is reported the moment the key is pressed; every call that reaches DONE has emitted exactly
one :class:`ReportSurveyEnd`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum

from ivr.flows.commands import (
    CancelTimer,
    Command,
    Hangup,
    Play,
    Record,
    ReportAnswer,
    ReportComment,
    ReportSurveyEnd,
    StartTimer,
    StopPlayback,
    StopRecording,
)
from ivr.flows.events import (
    CommandFailed,
    Dtmf,
    Event,
    HungUp,
    PlaybackFinished,
    RecordingFailed,
    RecordingFinished,
    Started,
    TimerFired,
)
from ticketing.surveys.verdict import SATISFACTION_KEYS, SOLVED_KEYS

REPEAT_DIGIT = "*"
SKIP_DIGIT = "#"


class SurveyState(StrEnum):
    """Where a :class:`SurveyFlow` is."""

    IDLE = "idle"
    ASK = "ask"  # a question is playing
    WAIT = "wait"  # the question was played; the no-input timer runs
    COMMENT_PROMPT = "comment_prompt"
    COMMENT = "comment"  # recording the comment
    THANKS = "thanks"
    GOODBYE = "goodbye"  # giving up politely (no valid key)
    DONE = "done"


class Question(StrEnum):
    """The two questions asked about each matter."""

    SOLVED = "solved"  # Q1 问题是否解决
    SATISFACTION = "satisfaction"  # Q2 满意度


class SurveyEnd(StrEnum):
    """How a survey call ended."""

    COMPLETE = "complete"  # every question of every matter answered
    PARTIAL = "partial"  # hung up, or gave up for lack of a valid key, before the end
    FAILED = "failed"  # the hotline could not go on (a prompt would not play)


@dataclass(frozen=True, slots=True)
class SurveyMatter:
    """One ticket the call asks about, as the greeting names it: the category and the day it came in."""

    ticket_id: str
    category: str  # Category code: the prompt ``survey_matter_<category>``
    month: int
    day: int

    def __post_init__(self) -> None:
        if not (1 <= self.month <= 12 and 1 <= self.day <= 31):
            raise ValueError(f"no such day: {self.month}-{self.day}")


@dataclass(frozen=True, slots=True)
class SurveyPrompts:
    """Prompt ids of the survey (catalogue ids)."""

    greeting: str = "survey_greeting"
    matter_on: str = "survey_matter_on"  # "关于您在"
    next_matter: str = "survey_next_matter"
    q_solved: str = "survey_q_solved"
    q_satisfaction: str = "survey_q_satisfaction"
    comment: str = "survey_comment"
    thanks: str = "survey_thanks"
    goodbye: str = "survey_goodbye"
    invalid: str = "invalid"
    timeout: str = "timeout"

    def ids(self) -> tuple[str, ...]:
        """The fixed prompt ids (the per-matter ones are :func:`matter_prompts`)."""
        return tuple(getattr(self, f.name) for f in fields(self))


def matter_prompts(matter: SurveyMatter, prompts: SurveyPrompts | None = None) -> tuple[str, ...]:
    """What names a matter: "关于您在" + "12月" + "3日反映的" + "投诉事项"."""
    on = (prompts or SurveyPrompts()).matter_on
    return (on, f"month_{matter.month}", f"day_{matter.day}", f"survey_matter_{matter.category}")


@dataclass(frozen=True, slots=True)
class SurveyConfig:
    """Tunables of the survey flow (seconds)."""

    answer_timeout_s: float = 8
    max_attempts: int = 2  # strikes per question before the call ends politely
    comment: bool = True
    comment_max_s: int = 60
    comment_silence_s: int = 4
    record_guard_s: float = 10
    prompts: SurveyPrompts = field(default_factory=SurveyPrompts)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.answer_timeout_s <= 0 or self.comment_max_s <= 0 or self.comment_silence_s <= 0:
            raise ValueError("survey timeouts must be positive")


class SurveyFlow:
    """The survey of one call about ``matters`` (see the module docstring); ``call_name`` makes ids unique."""

    def __init__(
        self, matters: tuple[SurveyMatter, ...], config: SurveyConfig | None = None, call_name: str = "survey"
    ) -> None:
        self._matters = matters
        self._config = config or SurveyConfig()
        self._p = self._config.prompts
        self._name = call_name
        self._state = SurveyState.IDLE
        self._index = 0
        self._question = Question.SOLVED
        self._strikes = 0
        self._playback: str | None = None
        self._timer: str | None = None
        self._recording: str | None = None
        self._answered = 0  # questions answered so far
        self._seq = 0
        self._end: SurveyEnd | None = None

    @property
    def state(self) -> SurveyState:
        """The current state."""
        return self._state

    @property
    def finished(self) -> bool:
        """The flow emitted its :class:`ReportSurveyEnd`."""
        return self._end is not None

    @property
    def end(self) -> SurveyEnd | None:
        """How the call ended (``None`` while running)."""
        return self._end

    def start(self, event: Started) -> list[Command]:
        """Begin the survey."""
        return self.handle(event)

    def handle(self, event: Event) -> list[Command]:
        """Feed one event; returns the commands to execute in order."""
        if self._end is not None:
            return []
        if isinstance(event, HungUp):
            return self._hung_up()
        if self._state is SurveyState.IDLE:
            return self._started() if isinstance(event, Started) else []
        match event:
            case PlaybackFinished(playback_id=playback_id) if playback_id == self._playback:
                self._playback = None
                return self._played()
            case TimerFired(timer_id=timer_id) if timer_id == self._timer:
                self._timer = None
                return self._timer_fired()
            case Dtmf(digit=digit):
                return self._key(digit)
            case RecordingFinished(name=name, duration_ms=duration) if name == self._recording:
                return self._recorded(duration)
            case RecordingFailed(name=name) if name == self._recording:
                return self._recorded(0)
            case CommandFailed(command_id=command_id):
                return self._failed(command_id)
        return []

    # -- steps ---------------------------------------------------------------------------------------

    def _started(self) -> list[Command]:
        if not self._matters:
            return self._finish(SurveyEnd.FAILED, [Hangup()])
        return self._ask(intro=(self._p.greeting, *matter_prompts(self._matters[0], self._p)))

    def _ask(self, notice: str | None = None, intro: tuple[str, ...] = ()) -> list[Command]:
        self._state = SurveyState.ASK
        question = self._p.q_solved if self._question is Question.SOLVED else self._p.q_satisfaction
        return [self._play(*intro, *((notice,) if notice else ()), question)]

    def _played(self) -> list[Command]:
        if self._state is SurveyState.ASK:
            self._state = SurveyState.WAIT
            self._timer = self._id("answer")
            return [StartTimer(self._timer, self._config.answer_timeout_s)]
        if self._state is SurveyState.COMMENT_PROMPT:
            self._state = SurveyState.COMMENT
            self._recording = self._id("comment")
            self._timer = self._id("guard")
            limit = self._config.comment_max_s
            return [
                Record(self._recording, limit, self._config.comment_silence_s, beep=True, terminate_on="#"),
                StartTimer(self._timer, limit + self._config.record_guard_s),
            ]
        if self._state is SurveyState.THANKS:
            return self._finish(SurveyEnd.COMPLETE, [Hangup()])
        if self._state is SurveyState.GOODBYE:
            return self._finish(SurveyEnd.PARTIAL, [Hangup()])
        return []

    def _timer_fired(self) -> list[Command]:
        if self._state is SurveyState.WAIT:
            return self._strike(self._p.timeout)
        if self._state is SurveyState.COMMENT and self._recording is not None:
            return [StopRecording(self._recording)]  # Asterisk never ended it: RecordingFinished follows
        return []

    def _key(self, digit: str) -> list[Command]:
        if self._state is SurveyState.COMMENT_PROMPT and digit == SKIP_DIGIT:
            return [*self._interrupt(), self._thank()]
        if self._state not in (SurveyState.ASK, SurveyState.WAIT):
            return []
        stop = self._interrupt()
        if digit == REPEAT_DIGIT:
            return [*stop, *self._ask()]
        matter = self._matters[self._index]
        if self._question is Question.SOLVED and digit in SOLVED_KEYS:
            self._answered += 1
            report = ReportAnswer(matter.ticket_id, solved=SOLVED_KEYS[digit])
            self._question, self._strikes = Question.SATISFACTION, 0
            return [*stop, report, *self._ask()]
        if self._question is Question.SATISFACTION and digit in SATISFACTION_KEYS:
            self._answered += 1
            report = ReportAnswer(matter.ticket_id, satisfaction=SATISFACTION_KEYS[digit].value)
            return [*stop, report, *self._next_matter()]
        return [*stop, *self._strike(self._p.invalid)]

    def _next_matter(self) -> list[Command]:
        self._index += 1
        self._question, self._strikes = Question.SOLVED, 0
        if self._index < len(self._matters):
            matter = self._matters[self._index]
            return self._ask(intro=(self._p.next_matter, *matter_prompts(matter, self._p)))
        if self._config.comment:
            self._state = SurveyState.COMMENT_PROMPT
            return [self._play(self._p.comment)]
        return [self._thank()]

    def _strike(self, notice: str) -> list[Command]:
        self._strikes += 1
        if self._strikes >= self._config.max_attempts:
            self._state = SurveyState.GOODBYE
            return [self._play(self._p.goodbye)]
        return self._ask(notice=notice)

    def _recorded(self, duration_ms: int | None) -> list[Command]:
        if self._state is not SurveyState.COMMENT or self._recording is None:
            return []
        name, self._recording = self._recording, None
        commands: list[Command] = [*self._cancel_timer()]
        if duration_ms != 0:
            commands.append(ReportComment(name, duration_ms))
        return [*commands, self._thank()]

    def _thank(self) -> Command:
        self._state = SurveyState.THANKS
        return self._play(self._p.thanks)

    def _failed(self, command_id: str | None) -> list[Command]:
        if command_id is not None and command_id == self._recording:
            return self._recorded(0)
        if command_id is not None and command_id not in (self._playback, self._timer):
            return []  # stale: a command of an earlier step
        return self._finish(SurveyEnd.FAILED, [*self._cancel_timer(), Hangup()])

    def _hung_up(self) -> list[Command]:
        commands: list[Command] = [*self._cancel_timer()]
        if self._recording is not None:
            commands.append(ReportComment(self._recording, None))  # whatever was said before the hang-up
            self._recording = None
        complete = self._answered == 2 * len(self._matters) and len(self._matters) > 0
        return self._finish(SurveyEnd.COMPLETE if complete else SurveyEnd.PARTIAL, commands)

    # -- helpers -------------------------------------------------------------------------------------

    def _finish(self, how: SurveyEnd, commands: list[Command]) -> list[Command]:
        self._state = SurveyState.DONE
        self._end = how
        return [*commands, ReportSurveyEnd(how.value)]

    def _interrupt(self) -> list[Command]:
        commands: list[Command] = []
        if self._playback is not None:
            commands.append(StopPlayback(self._playback))
            self._playback = None
        return [*commands, *self._cancel_timer()]

    def _cancel_timer(self) -> list[Command]:
        if self._timer is None:
            return []
        timer, self._timer = self._timer, None
        return [CancelTimer(timer)]

    def _play(self, *prompts: str) -> Play:
        self._playback = self._id("play")
        return Play(self._playback, prompts)

    def _id(self, kind: str) -> str:
        self._seq += 1
        return f"{self._name}-{kind}-{self._seq}"
