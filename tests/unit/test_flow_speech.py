"""Speech in the menu flow (pure): phrase lists, result interpretation and every speech transition,
including races with keys and stale listen ids; and keys behave exactly as without speech."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TypeVar

import pytest

from ivr.flows import (
    CancelTimer,
    Command,
    CommandFailed,
    ContinueToQueue,
    Dtmf,
    Event,
    HungUp,
    MenuConfig,
    MenuFlow,
    MenuState,
    PhraseList,
    Play,
    PlaybackFinished,
    Record,
    RecordingFinished,
    ReportChoice,
    ReportEnd,
    ReportStep,
    SetVariables,
    SpeechConfig,
    SpeechNoMatch,
    SpeechPhrase,
    SpeechRecognized,
    Started,
    StartListening,
    StartTimer,
    StopListening,
    StopPlayback,
    TimerFired,
)
from ivr.flows.speech import NO_MATCH_STEP, Verdict, interpret, phrase_key, speech_step
from ivr.prompts import CATALOGUE, SPEECH_PHRASES, speech_phrases
from ticketing.calls.vocabulary import CallEndReason, Skill

C = TypeVar("C")

ZH = PhraseList.of("zh", speech_phrases("zh"))
KO = PhraseList.of("ko", speech_phrases("ko"))
SPEECH = MenuConfig(speech=SpeechConfig(ZH))


class Call:
    """One call through a :class:`MenuFlow`; ``log`` holds every command the flow emitted."""

    def __init__(self, config: MenuConfig = SPEECH, within_hours: bool = True) -> None:
        self.flow = MenuFlow(config, "c1")
        self.log: list[Command] = list(self.flow.start(Started(within_hours=within_hours)))

    def send(self, event: Event) -> list[Command]:
        out = self.flow.handle(event)
        self.log += out
        return out

    def last(self, kind: type[C]) -> C:
        for command in reversed(self.log):
            if isinstance(command, kind):
                return command
        raise AssertionError(f"no {kind.__name__} emitted yet: {self.log}")

    def all(self, kind: type[C]) -> list[C]:
        return [c for c in self.log if isinstance(c, kind)]

    def played(self) -> list[Command]:
        return self.send(PlaybackFinished(self.last(Play).playback_id))

    def timer(self) -> list[Command]:
        return self.send(TimerFired(self.last(StartTimer).timer_id))

    @property
    def listen(self) -> str:
        return self.last(StartListening).listen_id

    def heard(self, text: str, confidence: float = 0.9) -> list[Command]:
        return self.send(SpeechRecognized(self.listen, text, confidence))

    def missed(self, text: str = "[unk]") -> list[Command]:
        return self.send(SpeechNoMatch(self.listen, text))


def in_menu(call: Call) -> list[Command]:
    return call.played()  # welcome → menu (+ StartListening)


def at_wait(call: Call) -> None:
    call.played()
    call.played()


# ------------------------------------------------------------------------------ phrase lists
def test_catalogue_phrase_lists_map_to_menu_keys() -> None:
    assert set(SPEECH_PHRASES) >= {"zh", "ko"}
    assert {p.phrase: p.key for p in ZH.phrases} == {
        "咨询": "1",
        "求助": "2",
        "投诉": "3",
        "举报": "3",
        "建议": "4",
        "表扬": "4",
        "人工": "0",
        "人工 服务": "0",
    }
    assert 3 <= len(KO.phrases) <= 5
    assert KO.keys <= {"0", "1", "2", "3", "4"}
    for language in SPEECH_PHRASES:  # every list fits the menu
        MenuConfig(speech=SpeechConfig(PhraseList.of(language, speech_phrases(language))))


def test_unknown_language_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match=r"'xx'.*ko, zh"):
        speech_phrases("xx")


def test_speech_prompts_are_in_the_catalogue_and_invite_speech() -> None:
    config = SpeechConfig(ZH)
    assert set(config.prompt_ids) <= set(CATALOGUE)
    menu = CATALOGUE[config.menu_prompt].text
    assert menu.startswith("您可以按键，也可以直接说出业务名称，例如“咨询”或“投诉”")
    assert CATALOGUE["menu"].text in menu  # the key menu follows the invitation


def test_phrase_matching_ignores_spacing() -> None:
    assert ZH.find("人工 服务") == SpeechPhrase("人工 服务", "0")
    assert ZH.find("人工服务") == SpeechPhrase("人工 服务", "0")
    assert ZH.find(" 咨 询 ") == SpeechPhrase("咨询", "1")
    assert ZH.find("咨询 投诉") is None
    assert ZH.find("") is None
    assert phrase_key(" 고객  센터 ") == "고객센터"
    assert PhraseList.of("ko", {"고객  센터": "1"}).grammar == ("고객 센터",)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: PhraseList("zh", ()), "empty"),
        (lambda: PhraseList.of("zh", {"咨询": "1", "咨 询": "2"}), "twice"),
        (lambda: SpeechPhrase("a  b", "1"), "single spaces"),
        (lambda: SpeechPhrase("[unk]", "1"), "catch-all"),
        (lambda: SpeechPhrase("咨询", "12"), "one DTMF key"),
        (lambda: SpeechConfig(ZH, min_confidence=1.5), "between 0 and 1"),
        (lambda: MenuConfig(speech=SpeechConfig(PhraseList.of("zh", {"重听": "*"}))), "choose nothing"),
        (lambda: MenuConfig(speech=SpeechConfig(PhraseList.of("zh", {"五": "5"}))), "choose nothing"),
    ],
)
def test_invalid_phrase_lists_are_refused(build: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


@pytest.mark.parametrize(
    ("text", "confidence", "minimum", "verdict", "phrase"),
    [
        ("投诉", 0.9, 0.0, Verdict.MATCH, "投诉"),
        ("人工 服务", 0.9, 0.0, Verdict.MATCH, "人工 服务"),
        ("投诉", 0.4, 0.5, Verdict.NO_MATCH, None),  # too unsure
        ("投诉", 0.5, 0.5, Verdict.MATCH, "投诉"),
        ("[unk]", 1.0, 0.0, Verdict.NO_MATCH, None),
        ("投诉 [unk]", 1.0, 0.0, Verdict.NO_MATCH, None),
        ("投诉 举报", 1.0, 0.0, Verdict.NO_MATCH, None),  # a word salad of phrase words
        ("你好", 1.0, 0.0, Verdict.NO_MATCH, None),
        ("", 0.0, 0.0, Verdict.NOTHING, None),  # silence: the menu timer decides, no strike
        ("   ", 0.0, 0.0, Verdict.NOTHING, None),
    ],
)
def test_interpret(
    text: str, confidence: float, minimum: float, verdict: Verdict, phrase: str | None
) -> None:
    meaning = interpret(ZH, text, confidence, minimum)
    assert meaning.verdict is verdict
    assert (meaning.phrase.phrase if meaning.phrase else None) == phrase


# ------------------------------------------------------------------------------ listening starts
def test_menu_plays_the_speech_prompt_and_starts_listening() -> None:
    call = Call()
    assert call.log[-1] == Play("c1-pb-1", ("welcome",))  # nothing listens during the welcome
    out = in_menu(call)
    assert out == [
        ReportStep("menu"),
        Play("c1-pb-2", ("menu_speech",)),
        StartListening("c1-listen-3", ZH.grammar),
    ]
    assert call.flow.listening == "c1-listen-3"
    assert call.played() == [StartTimer("c1-timer-4", 8)]  # still listening while waiting
    assert call.flow.listening == "c1-listen-3"


def test_speech_off_plays_the_plain_menu_and_never_listens() -> None:
    call = Call(MenuConfig())
    assert in_menu(call) == [ReportStep("menu"), Play("c1-pb-2", ("menu",))]
    assert not call.flow.speech_enabled
    call.send(SpeechRecognized("c1-listen-3", "投诉"))  # nothing asked for it
    assert call.flow.state is MenuState.MENU
    assert not call.all(StartListening)


# ------------------------------------------------------------------------------ recognised
BRANCHES = [
    ("咨询", Skill.CONSULT),
    ("求助", Skill.HELP),
    ("投诉", Skill.COMPLAINT_REPORT),
    ("举报", Skill.COMPLAINT_REPORT),
    ("建议", Skill.SUGGESTION_PRAISE),
    ("表扬", Skill.SUGGESTION_PRAISE),
]


@pytest.mark.parametrize(("phrase", "skill"), BRANCHES)
@pytest.mark.parametrize("when", ["during_menu", "after_menu"])
def test_recognised_phrase_is_the_key_choice(phrase: str, skill: Skill, when: str) -> None:
    call = Call()
    if when == "after_menu":
        at_wait(call)
        interrupt: Command = CancelTimer(call.last(StartTimer).timer_id)
    else:
        in_menu(call)
        interrupt = StopPlayback(call.last(Play).playback_id)
    listen = call.listen
    out = call.heard(phrase)
    assert out == [
        interrupt,
        ReportStep(speech_step(phrase)),
        ReportChoice(skill),
        StopListening(listen),
        ReportStep("describe"),
        Play(out[-1].playback_id, ("describe",)),  # type: ignore[union-attr]
    ]
    assert call.flow.state is MenuState.DESCRIBE
    assert call.flow.skill is skill
    assert call.flow.listening is None
    # the rest is the key path: record, then queue
    call.played()
    assert isinstance(call.log[-2], Record)
    call.send(RecordingFinished(call.last(Record).name, 3000))
    call.played()
    assert call.log[-3:] == [
        SetVariables({"HOTLINE_SKILL": skill.value}),
        ContinueToQueue(skill),
        ReportEnd(CallEndReason.QUEUED),
    ]


@pytest.mark.parametrize("phrase", ["人工", "人工 服务", "人工服务"])
def test_agent_phrase_transfers_like_key_0(phrase: str) -> None:
    call = Call()
    at_wait(call)
    listen = call.listen
    out = call.heard(phrase)
    assert out[:4] == [
        CancelTimer(call.last(StartTimer).timer_id),
        ReportStep(speech_step(ZH.find(phrase).phrase)),  # type: ignore[union-attr]
        ReportChoice(Skill.GENERAL),
        StopListening(listen),
    ]
    assert call.last(Play).prompts == ("transfer_agent",)
    assert call.flow.state is MenuState.TRANSFER
    call.played()
    assert call.log[-2] == ContinueToQueue(Skill.GENERAL)


def test_korean_phrase_list_works_the_same() -> None:
    call = Call(MenuConfig(speech=SpeechConfig(KO)))
    in_menu(call)
    assert call.last(StartListening).phrases == KO.grammar
    call.heard("민원 제기")
    assert call.all(ReportStep)[-2:] == [ReportStep("speech:민원 제기"), ReportStep("describe")]
    assert call.flow.skill is Skill.COMPLAINT_REPORT


# ------------------------------------------------------------------------------ misses
def test_no_match_is_a_strike_and_listens_afresh() -> None:
    call = Call()
    in_menu(call)
    first = call.listen
    pb = call.last(Play).playback_id
    out = call.missed()
    assert out == [
        StopPlayback(pb),
        StopListening(first),
        ReportStep(NO_MATCH_STEP),
        Play(out[3].playback_id, ("speech_no_match", "menu_speech")),  # type: ignore[union-attr]
        StartListening(out[4].listen_id, ZH.grammar),  # type: ignore[union-attr]
    ]
    assert call.listen != first
    assert call.flow.strikes == 1
    assert call.flow.state is MenuState.MENU


@pytest.mark.parametrize(("text", "confidence"), [("投诉 举报", 0.9), ("再见", 0.9), ("投诉", 0.2)])
def test_recognised_text_that_is_no_phrase_or_too_unsure_is_a_miss(text: str, confidence: float) -> None:
    call = Call(MenuConfig(speech=SpeechConfig(ZH, min_confidence=0.5)))
    at_wait(call)
    call.heard(text, confidence)
    assert call.all(ReportStep)[-1] == ReportStep(NO_MATCH_STEP)
    assert call.flow.strikes == 1
    assert not call.all(ReportChoice)


def test_misses_and_bad_keys_share_the_strikes() -> None:
    call = Call(MenuConfig(speech=SpeechConfig(ZH), max_attempts=3))
    at_wait(call)
    call.missed()  # strike 1
    call.send(Dtmf("7"))  # strike 2 (during the repeated menu)
    listen = call.listen
    out = call.missed()  # strike 3 → agent
    assert StopListening(listen) in out
    assert out[-1].prompts == ("speech_no_match", "transfer_agent")  # type: ignore[union-attr]
    assert call.flow.state is MenuState.TRANSFER
    assert call.flow.listening is None
    assert [s.step for s in call.all(ReportStep) if ":" in s.step] == [
        NO_MATCH_STEP,
        "invalid:7",
        NO_MATCH_STEP,
    ]
    assert len(call.all(StartListening)) == 2  # one per miss; a bad key keeps the running listen


def test_timeout_and_repeat_keep_the_running_listen() -> None:
    call = Call()
    at_wait(call)
    listen = call.listen
    out = call.timer()
    assert out[-1] == Play(out[-1].playback_id, ("timeout", "menu_speech"))  # type: ignore[union-attr]
    assert not any(isinstance(c, StartListening | StopListening) for c in out)
    call.send(Dtmf("*"))
    assert call.listen == listen
    assert call.last(Play).prompts == ("menu_speech",)
    call.heard("求助")  # the same listen still counts
    assert call.flow.skill is Skill.HELP


# ------------------------------------------------------------------------------ races, stale ids
def test_key_wins_and_a_late_recognition_is_ignored() -> None:
    call = Call()
    at_wait(call)
    listen = call.listen
    out = call.send(Dtmf("1"))
    assert StopListening(listen) in out
    assert call.flow.skill is Skill.CONSULT
    assert call.send(SpeechRecognized(listen, "投诉")) == []
    assert call.send(SpeechNoMatch(listen)) == []
    assert call.flow.skill is Skill.CONSULT
    assert call.flow.state is MenuState.DESCRIBE


def test_recognition_wins_and_a_late_key_is_not_a_menu_key() -> None:
    call = Call()
    in_menu(call)
    call.heard("投诉")
    assert call.send(Dtmf("1")) == []  # the describe prompt plays; keys are not ours there
    assert call.flow.skill is Skill.COMPLAINT_REPORT


def test_key_during_the_welcome_never_starts_listening() -> None:
    call = Call()
    call.send(Dtmf("2"))
    assert not call.all(StartListening)
    assert not call.all(StopListening)


def test_stale_and_foreign_listen_ids_are_ignored() -> None:
    call = Call()
    in_menu(call)
    old = call.listen
    call.missed()  # old listen is over
    assert call.send(SpeechRecognized(old, "投诉")) == []
    assert call.send(SpeechNoMatch(old)) == []
    assert call.send(SpeechRecognized("someone-else-listen-9", "投诉")) == []
    assert call.send(CommandFailed(old, "late")) == []  # a stale failure changes nothing
    assert call.flow.strikes == 1
    assert call.flow.speech_enabled


def test_speech_events_outside_the_menu_are_ignored() -> None:
    call = Call()
    in_menu(call)
    listen = call.listen
    call.send(Dtmf("3"))
    call.played()  # describe → recording
    assert call.send(SpeechRecognized(listen, "咨询")) == []
    assert call.flow.state is MenuState.RECORDING


# ------------------------------------------------------------------------------ endings
def test_hang_up_while_listening_stops_listening() -> None:
    call = Call()
    at_wait(call)
    listen = call.listen
    out = call.send(HungUp())
    assert out == [
        StopListening(listen),
        CancelTimer(call.last(StartTimer).timer_id),
        ReportEnd(CallEndReason.CALLER_HUNG_UP),
    ]
    assert call.send(SpeechRecognized(listen, "咨询")) == []


def test_key_0_and_max_strikes_stop_listening() -> None:
    call = Call()
    in_menu(call)
    listen = call.listen
    assert StopListening(listen) in call.send(Dtmf("0"))
    call = Call(MenuConfig(speech=SpeechConfig(ZH), max_attempts=1))
    at_wait(call)
    listen = call.listen
    out = call.timer()
    assert StopListening(listen) in out
    assert call.flow.state is MenuState.TRANSFER


def test_unexpected_failure_stops_listening_and_queues() -> None:
    call = Call()
    at_wait(call)
    listen = call.listen
    out = call.send(CommandFailed(None, "set variable failed"))
    assert out[0] == StopListening(listen)
    assert out[-1] == ReportEnd(CallEndReason.FAILED)


def test_listening_failure_falls_back_to_keys_without_a_strike() -> None:
    call = Call()
    in_menu(call)
    assert call.send(CommandFailed(call.listen, "no model")) == []
    assert call.flow.listening is None
    assert not call.flow.speech_enabled
    assert call.flow.strikes == 0
    call.played()
    out = call.timer()  # the repeated menu is the key menu and nobody listens
    assert out[-1].prompts == ("timeout", "menu")  # type: ignore[union-attr]
    assert len(call.all(StartListening)) == 1
    call.send(Dtmf("4"))
    assert call.flow.skill is Skill.SUGGESTION_PRAISE


def random_walk(seed: int) -> Call:
    """A call fed a random plausible event sequence, then hung up."""
    rng = random.Random(seed)
    call = Call(MenuConfig(speech=SpeechConfig(ZH), max_attempts=rng.randint(1, 3)))

    def key() -> None:
        call.send(Dtmf(rng.choice("0123456789*#")))

    def speech() -> None:
        call.heard(rng.choice([*ZH.grammar, "再见", ""]))

    def recorded() -> None:
        call.send(RecordingFinished(call.last(Record).name, 2000))

    for _ in range(40):
        if call.flow.finished:
            break
        options: list[Callable[[], object]] = [call.played, key, lambda: call.send(HungUp())]
        if call.all(StartTimer):
            options.append(call.timer)
        if call.all(StartListening):
            options += [speech, call.missed]
        if call.all(Record):
            options.append(recorded)
        rng.choice(options)()
    call.send(HungUp())
    return call


@pytest.mark.parametrize("chunk", range(4))
def test_every_started_listen_is_stopped_by_the_end(chunk: int) -> None:
    """Over random plausible event sequences: every StartListening gets its StopListening by the end."""
    for seed in range(chunk * 100, chunk * 100 + 100):
        call = random_walk(seed)
        started = {c.listen_id for c in call.all(StartListening)}
        stopped = {c.listen_id for c in call.all(StopListening)}
        assert started == stopped, (seed, call.log)
        assert call.flow.listening is None
        assert len(call.all(ReportEnd)) == 1


# ------------------------------------------------------------------------------ keys unchanged
KEY_SCRIPTS: list[list[str]] = [
    ["welcome:1"],
    ["menu:2"],
    ["wait:3"],
    ["wait:4"],
    ["wait:0"],
    ["wait:*", "menu:9", "wait:1"],
    ["timeout", "timeout", "timeout"],
    ["wait:7", "menu:8", "wait:#"],
    ["timeout", "menu:*", "wait:hangup"],
]


def run_keys(config: MenuConfig, script: list[str]) -> list[Command]:
    call = Call(config)
    for step in script:
        where, _, key = step.partition(":")
        if where in ("menu", "wait"):
            call.played()  # welcome (or notice+menu) → menu
        if where == "wait":
            call.played()  # menu → timer
        if step == "timeout":
            if call.flow.state is not MenuState.WAIT_DIGIT:
                call.played()
                call.played() if call.flow.state is MenuState.MENU else None
            call.timer()
        elif key == "hangup":
            call.send(HungUp())
        elif key:
            call.send(Dtmf(key))
    for _ in range(4):  # let the call run to its end the well-behaved way
        if call.flow.finished:
            break
        if call.all(Record) and call.flow.state is MenuState.RECORDING:
            call.send(RecordingFinished(call.last(Record).name, 1500))
        else:
            call.played()
    return call.log


def without_speech(commands: list[Command]) -> list[object]:
    out: list[object] = []
    for command in commands:
        if isinstance(command, StartListening | StopListening):
            continue
        if isinstance(command, Play):
            out.append(("play", tuple("menu" if p == "menu_speech" else p for p in command.prompts)))
        elif isinstance(command, StartTimer | CancelTimer | StopPlayback):
            out.append(type(command).__name__)  # ids shift by the listen ids
        elif isinstance(command, Record):
            out.append(("record", command.max_seconds))
        else:
            out.append(command)
    return out


@pytest.mark.parametrize("script", KEY_SCRIPTS, ids=lambda s: ",".join(s))
def test_keys_do_exactly_what_they_do_without_speech(script: list[str]) -> None:
    plain = run_keys(MenuConfig(), script)
    spoken = run_keys(SPEECH, script)
    assert without_speech(spoken) == without_speech(plain)
    assert not any(isinstance(c, StartListening | StopListening) for c in plain)
