"""Outputs of the call flows: what the glue must do, in the order given.

Channel commands map onto ARI calls; ``Report*`` commands go to the ticketing services (call/draft).
Prompt ids in :class:`Play` are catalogue ids (``ivr.prompts``): the glue plays ``sound:hotline/<id>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ticketing.calls.vocabulary import CallEndReason, Skill


@dataclass(frozen=True, slots=True)
class Answer:
    """Answer the channel."""


@dataclass(frozen=True, slots=True)
class Play:
    """Play ``prompts`` one after the other as one playback (one ``PlaybackFinished`` at the end)."""

    playback_id: str
    prompts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StopPlayback:
    """Stop a playback (a digit interrupted it); a stop of an already finished playback is harmless."""

    playback_id: str


@dataclass(frozen=True, slots=True)
class StartTimer:
    """Start a one-shot timer; when it elapses feed ``TimerFired(timer_id)`` back."""

    timer_id: str
    seconds: float


@dataclass(frozen=True, slots=True)
class CancelTimer:
    """Cancel a timer; cancelling an unknown or elapsed timer is harmless."""

    timer_id: str


@dataclass(frozen=True, slots=True)
class Record:
    """Record the caller (ARI ``POST /channels/{id}/record``) into the stored recording ``name``."""

    name: str
    max_seconds: int
    max_silence_seconds: int
    beep: bool = True
    terminate_on: str = "#"
    format: str = "wav16"


@dataclass(frozen=True, slots=True)
class StopRecording:
    """Stop (and keep) a live recording."""

    name: str


@dataclass(frozen=True, slots=True)
class StartListening:
    """Recognise what the caller says against ``phrases`` (a grammar) until :class:`StopListening`.

    The glue feeds back one ``SpeechRecognized(listen_id, …)`` or ``SpeechNoMatch(listen_id)`` for the
    first utterance, then stops by itself; if it cannot listen it feeds ``CommandFailed(listen_id)``.
    """

    listen_id: str
    phrases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StopListening:
    """Stop a recognition and release its media; stopping a finished or unknown one is harmless."""

    listen_id: str


@dataclass(frozen=True, slots=True)
class SetVariables:
    """Set channel variables (e.g. ``HOTLINE_SKILL`` read by the dialplan after the app lets go)."""

    variables: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class ContinueToQueue:
    """Hand the channel back to the dialplan (ARI ``continue``) to join the ``skill`` queue."""

    skill: Skill


@dataclass(frozen=True, slots=True)
class Hangup:
    """Hang the channel up."""


@dataclass(frozen=True, slots=True)
class ReportChoice:
    """Ticketing: the caller chose a menu branch."""

    skill: Skill


@dataclass(frozen=True, slots=True)
class ReportStep:
    """Ticketing: the call reached a step of the flow (``welcome``, ``menu``, ``describe`` …)."""

    step: str


@dataclass(frozen=True, slots=True)
class ReportRecording:
    """Ticketing: a recording to attach to the draft; ``duration_ms`` ``None`` = unknown (maybe partial)."""

    name: str
    duration_ms: int | None


@dataclass(frozen=True, slots=True)
class ReportEnd:
    """Ticketing: the IVR part of the call is over. Every call gets exactly one."""

    reason: CallEndReason


@dataclass(frozen=True, slots=True)
class EstimateWait:
    """How long would this caller wait in the ``skill`` queue? The glue feeds back
    ``WaitEstimated(request_id, seconds)`` (``seconds`` ``None``: no callback can be offered now), or
    ``CommandFailed(request_id)``."""

    request_id: str
    skill: Skill


@dataclass(frozen=True, slots=True)
class RequestCallback:
    """Ticketing: keep this caller's place in the ``skill`` queue and call them back (virtual hold). The
    glue feeds back ``CallbackBooked(request_id)`` once the callback is stored, or ``CommandFailed``."""

    request_id: str
    skill: Skill


@dataclass(frozen=True, slots=True)
class ScreenEmergency:
    """Read the stored ``recording`` for an emergency; the glue feeds back
    ``EmergencyScreened(request_id, service)`` within a few seconds, or ``CommandFailed(request_id)``."""

    request_id: str
    recording: str


@dataclass(frozen=True, slots=True)
class ReportAnswer:
    """Survey: the citizen answered one question about one matter (kept at once: a hang-up loses
    nothing). ``solved`` for Q1 问题是否解决, ``satisfaction`` (a :class:`Satisfaction` value) for Q2."""

    ticket_id: str
    solved: bool | None = None
    satisfaction: str | None = None


@dataclass(frozen=True, slots=True)
class ReportComment:
    """Survey: the citizen's spoken comment was recorded as ``name`` (``duration_ms`` ``None``: cut short)."""

    name: str
    duration_ms: int | None


@dataclass(frozen=True, slots=True)
class ReportSurveyEnd:
    """Survey: the call is over (every survey call gets exactly one); ``how`` says how it ended."""

    how: str  # SurveyEnd


Command = (
    Answer
    | Play
    | StopPlayback
    | StartTimer
    | CancelTimer
    | Record
    | StopRecording
    | StartListening
    | StopListening
    | SetVariables
    | ContinueToQueue
    | Hangup
    | ReportChoice
    | ReportStep
    | ReportRecording
    | ReportEnd
    | EstimateWait
    | RequestCallback
    | ScreenEmergency
    | ReportAnswer
    | ReportComment
    | ReportSurveyEnd
)
"""Any output of a flow."""
