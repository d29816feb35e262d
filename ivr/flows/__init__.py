"""Call flows as pure state machines: events in, commands out; no sockets, no clocks, no I/O.

The glue (``ivr.ari`` + the lead's runner) turns ARI events into :mod:`ivr.flows.events`, feeds them to a
flow's ``handle()`` and executes the :mod:`ivr.flows.commands` it returns, in order.
"""

from ivr.flows.callback_offer import CallbackOffer, CallbackOfferConfig, OfferResult
from ivr.flows.commands import (
    Answer,
    CancelTimer,
    Command,
    ContinueToQueue,
    EstimateWait,
    Hangup,
    Play,
    Record,
    ReportChoice,
    ReportEnd,
    ReportRecording,
    ReportStep,
    RequestCallback,
    SetVariables,
    StartListening,
    StartTimer,
    StopListening,
    StopPlayback,
    StopRecording,
)
from ivr.flows.events import (
    CallbackBooked,
    CommandFailed,
    Dtmf,
    Event,
    HungUp,
    PlaybackFinished,
    RecordingFailed,
    RecordingFinished,
    SpeechNoMatch,
    SpeechRecognized,
    Started,
    TimerFired,
    WaitEstimated,
)
from ivr.flows.hours import ServiceHours
from ivr.flows.menu import MenuFlow
from ivr.flows.menu_config import DIGIT_SKILLS, MenuConfig, MenuPrompts, MenuState
from ivr.flows.speech import PhraseList, SpeechConfig, SpeechPhrase

__all__ = [
    "DIGIT_SKILLS",
    "Answer",
    "CallbackBooked",
    "CallbackOffer",
    "CallbackOfferConfig",
    "CancelTimer",
    "Command",
    "CommandFailed",
    "ContinueToQueue",
    "Dtmf",
    "EstimateWait",
    "Event",
    "Hangup",
    "HungUp",
    "MenuConfig",
    "MenuFlow",
    "MenuPrompts",
    "MenuState",
    "OfferResult",
    "PhraseList",
    "Play",
    "PlaybackFinished",
    "Record",
    "RecordingFailed",
    "RecordingFinished",
    "ReportChoice",
    "ReportEnd",
    "ReportRecording",
    "ReportStep",
    "RequestCallback",
    "ServiceHours",
    "SetVariables",
    "SpeechConfig",
    "SpeechNoMatch",
    "SpeechPhrase",
    "SpeechRecognized",
    "StartListening",
    "StartTimer",
    "Started",
    "StopListening",
    "StopPlayback",
    "StopRecording",
    "TimerFired",
    "WaitEstimated",
]
