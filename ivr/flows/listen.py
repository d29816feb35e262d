"""One speech-menu listen as a pure state machine: what the recogniser and the audio tap did in, what to
tell the menu and when to stop out. No I/O; the shell is :mod:`ivr.speech_menu`.

A menu step's ``StartListening`` becomes one :class:`ListenFlow`::

    OPENING ──RecognizerReady──▶ TAPPING ──TapReady──▶ LISTENING ──Heard(words)──▶ DONE
       │                            │                      │
       └─RecognizerFailed──▶ DONE   ├─TapGone──▶ DONE      ├─TapEnded / TimeUp / Stop──▶ DONE
         (menu: CommandFailed)      └─TapFailed──▶ DONE    └─ListenFailed──▶ DONE (menu: CommandFailed)
                                      (menu: CommandFailed)

:class:`Stop` (the menu step ended) is accepted in every phase and tells the menu nothing. The menu gets
at most one :class:`Deliver` per listen: the first final result **with words** (``SpeechRecognized`` for a
phrase, ``SpeechNoMatch`` for anything else — see :func:`ivr.flows.speech.hear`), or ``CommandFailed``
when the listen cannot work (then the menu goes on with keys only). A final without words (the
recogniser ending an utterance of silence) changes nothing: the menu's own no-input timer handles silence.
A caller who hung up (``TapGone``, ``TapEnded``) is told nothing: the IVR sees the hang-up itself.
Every way out ends with exactly one :class:`Finish`, the shell's cue to release the tap and the recogniser.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ivr.flows import events as flow
from ivr.flows.speech import Verdict, hear


class ListenPhase(StrEnum):
    """Where a listen is."""

    OPENING = "opening"  # the recogniser is being opened with the phrase list
    TAPPING = "tapping"  # the caller's audio is being tapped
    LISTENING = "listening"
    DONE = "done"


# -- inputs ------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RecognizerReady:
    """The recogniser accepted the phrase list."""


@dataclass(frozen=True, slots=True)
class RecognizerFailed:
    """The recogniser cannot listen for these phrases (model missing, a word it does not know…)."""

    reason: str


@dataclass(frozen=True, slots=True)
class TapReady:
    """The caller's audio flows."""


@dataclass(frozen=True, slots=True)
class TapGone:
    """The caller was gone before the audio could be tapped."""


@dataclass(frozen=True, slots=True)
class TapFailed:
    """The audio could not be tapped."""

    reason: str


@dataclass(frozen=True, slots=True)
class TapEnded:
    """The audio stopped while listening (the caller hung up, our process stops…)."""

    reason: str


@dataclass(frozen=True, slots=True)
class Heard:
    """A final recognition result: ``text`` (empty for silence), the lowest word ``confidence``."""

    text: str
    confidence: float = 1.0


@dataclass(frozen=True, slots=True)
class ListenFailed:
    """Recognition broke down while listening."""

    reason: str


@dataclass(frozen=True, slots=True)
class Stop:
    """The menu step is over (``StopListening``)."""


@dataclass(frozen=True, slots=True)
class TimeUp:
    """The listen ran longer than any menu step can (the menu forgot to stop it)."""


ListenEvent = (
    RecognizerReady
    | RecognizerFailed
    | TapReady
    | TapGone
    | TapFailed
    | TapEnded
    | Heard
    | ListenFailed
    | Stop
) | TimeUp


# -- outputs -----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class OpenTap:
    """Start tapping the caller's audio."""


@dataclass(frozen=True, slots=True)
class Deliver:
    """Tell the menu (``event`` is a menu flow event)."""

    event: flow.Event


@dataclass(frozen=True, slots=True)
class Finish:
    """The listen is over: release the tap and the recogniser."""

    reason: str


ListenCommand = OpenTap | Deliver | Finish


@dataclass
class ListenFlow:
    """The state of one listen (see the module docstring)."""

    listen_id: str
    grammar: tuple[str, ...]
    phase: ListenPhase = ListenPhase.OPENING
    end_reason: str = ""
    result: flow.Event | None = None
    finals: list[str] = field(default_factory=list)  # every final text heard, empty ones included

    @property
    def done(self) -> bool:
        """The listen has finished."""
        return self.phase is ListenPhase.DONE

    def handle(self, event: ListenEvent) -> list[ListenCommand]:
        """Advance on ``event``; returns the commands to carry out, in order."""
        if self.done:
            return []
        phase = self.phase
        match event:
            case Stop():
                return self._finish("stopped")
            case TimeUp():
                return self._finish("time limit")
            case RecognizerReady() if phase is ListenPhase.OPENING:
                self.phase = ListenPhase.TAPPING
                return [OpenTap()]
            case RecognizerFailed(reason=reason) if phase is ListenPhase.OPENING:
                return self._fail(reason)
            case TapReady() if phase is ListenPhase.TAPPING:
                self.phase = ListenPhase.LISTENING
                return []
            case TapGone() if phase is ListenPhase.TAPPING:
                return self._finish("gone")
            case TapFailed(reason=reason) if phase is ListenPhase.TAPPING:
                return self._fail(f"listening failed: {reason}")
            case TapEnded(reason=reason) if phase in (ListenPhase.TAPPING, ListenPhase.LISTENING):
                return self._finish(reason)
            case Heard(text=text, confidence=confidence) if phase is ListenPhase.LISTENING:
                return self._heard(text, confidence)
            case ListenFailed(reason=reason):
                return self._fail(f"listening failed: {reason}")
        return []

    def _heard(self, text: str, confidence: float) -> list[ListenCommand]:
        self.finals.append(text)
        verdict, phrase = hear(self.grammar, text)
        if verdict is Verdict.NOTHING:
            return []
        result: flow.Event
        if verdict is Verdict.MATCH and phrase is not None:
            result = flow.SpeechRecognized(self.listen_id, phrase, confidence)
        else:
            result = flow.SpeechNoMatch(self.listen_id, text)
        self.result = result
        return [Deliver(result), *self._finish("result")]

    def _fail(self, reason: str) -> list[ListenCommand]:
        self.result = flow.CommandFailed(self.listen_id, reason)
        return [Deliver(self.result), *self._finish("failed")]

    def _finish(self, reason: str) -> list[ListenCommand]:
        self.phase = ListenPhase.DONE
        self.end_reason = reason
        return [Finish(reason)]
