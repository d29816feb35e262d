"""The speech-menu listen as a pure state machine (ivr.flows.listen): every phase, every input."""

from __future__ import annotations

import random

import pytest

from ivr.flows import events as flow
from ivr.flows.listen import (
    Deliver,
    Finish,
    Heard,
    ListenEvent,
    ListenFailed,
    ListenFlow,
    ListenPhase,
    OpenTap,
    RecognizerFailed,
    RecognizerReady,
    Stop,
    TapEnded,
    TapFailed,
    TapGone,
    TapReady,
    TimeUp,
)

GRAMMAR = ("상담", "인공 서비스")


def listening() -> ListenFlow:
    listen = ListenFlow("l-1", GRAMMAR)
    assert listen.handle(RecognizerReady()) == [OpenTap()]
    assert listen.handle(TapReady()) == []
    assert listen.phase is ListenPhase.LISTENING
    return listen


def test_a_phrase_is_delivered_once_and_ends_the_listen() -> None:
    listen = listening()
    commands = listen.handle(Heard("인공 서비스", 0.8))
    assert commands == [Deliver(flow.SpeechRecognized("l-1", "인공 서비스", 0.8)), Finish("result")]
    assert listen.done
    assert listen.end_reason == "result"
    assert listen.handle(Heard("상담", 0.9)) == []  # one result per listen


def test_spacing_does_not_matter_for_a_phrase() -> None:
    listen = listening()
    commands = listen.handle(Heard("인공서비스", 0.7))
    assert commands[0] == Deliver(flow.SpeechRecognized("l-1", "인공 서비스", 0.7))


@pytest.mark.parametrize("text", ["[unk]", "상담 상담", "날씨 [unk]"])
def test_other_speech_is_a_no_match(text: str) -> None:
    listen = listening()
    assert listen.handle(Heard(text)) == [Deliver(flow.SpeechNoMatch("l-1", text)), Finish("result")]


def test_silence_keeps_listening_and_is_remembered() -> None:
    listen = listening()
    assert listen.handle(Heard("")) == []
    assert listen.handle(Heard("  ")) == []
    assert listen.phase is ListenPhase.LISTENING
    assert listen.finals == ["", "  "]


def test_a_recognizer_that_cannot_listen_fails_the_listen_before_any_tap() -> None:
    listen = ListenFlow("l-2", GRAMMAR)
    commands = listen.handle(RecognizerFailed("word zzz unknown"))
    assert commands == [Deliver(flow.CommandFailed("l-2", "word zzz unknown")), Finish("failed")]
    assert OpenTap() not in commands


def test_a_caller_gone_before_the_tap_ends_quietly() -> None:
    listen = ListenFlow("l-3", GRAMMAR)
    listen.handle(RecognizerReady())
    assert listen.handle(TapGone()) == [Finish("gone")]


def test_a_tap_that_fails_tells_the_menu() -> None:
    listen = ListenFlow("l-4", GRAMMAR)
    listen.handle(RecognizerReady())
    assert listen.handle(TapFailed("AriHttpError: 500")) == [
        Deliver(flow.CommandFailed("l-4", "listening failed: AriHttpError: 500")),
        Finish("failed"),
    ]


@pytest.mark.parametrize("phase_events", [[], [RecognizerReady()], [RecognizerReady(), TapReady()]])
def test_stop_in_any_phase_tells_the_menu_nothing(phase_events: list[ListenEvent]) -> None:
    listen = ListenFlow("l-5", GRAMMAR)
    for event in phase_events:
        listen.handle(event)
    assert listen.handle(Stop()) == [Finish("stopped")]
    assert listen.handle(Stop()) == []
    assert listen.handle(RecognizerReady()) == []  # a late answer of the recogniser opens nothing


def test_a_hang_up_while_listening_ends_without_a_result() -> None:
    listen = listening()
    assert listen.handle(TapEnded("hangup")) == [Finish("hangup")]
    assert listen.result is None


def test_the_time_limit_ends_a_forgotten_listen() -> None:
    listen = listening()
    assert listen.handle(TimeUp()) == [Finish("time limit")]


def test_recognition_breaking_down_tells_the_menu() -> None:
    listen = listening()
    assert listen.handle(ListenFailed("boom")) == [
        Deliver(flow.CommandFailed("l-1", "listening failed: boom")),
        Finish("failed"),
    ]


def test_inputs_out_of_phase_are_ignored() -> None:
    listen = ListenFlow("l-6", GRAMMAR)
    assert listen.handle(TapReady()) == []  # no tap was asked for yet
    assert listen.handle(Heard("상담")) == []  # not listening yet
    assert listen.phase is ListenPhase.OPENING


EVENTS: list[ListenEvent] = [
    RecognizerReady(),
    RecognizerFailed("x"),
    TapReady(),
    TapGone(),
    TapFailed("y"),
    TapEnded("hangup"),
    Heard(""),
    Heard("상담", 0.5),
    Heard("[unk]"),
    ListenFailed("z"),
    Stop(),
    TimeUp(),
]


def test_random_inputs_give_at_most_one_result_and_exactly_one_finish() -> None:
    rng = random.Random(12345)
    for _ in range(2000):
        listen = ListenFlow("l-r", GRAMMAR)
        commands = [c for _ in range(rng.randint(1, 12)) for c in listen.handle(rng.choice(EVENTS))]
        delivered = [c for c in commands if isinstance(c, Deliver)]
        finishes = [c for c in commands if isinstance(c, Finish)]
        assert len(delivered) <= 1
        assert len(finishes) == (1 if listen.done else 0)
        if delivered:
            assert commands.index(delivered[0]) < commands.index(finishes[0])
        assert commands.count(OpenTap()) <= 1
