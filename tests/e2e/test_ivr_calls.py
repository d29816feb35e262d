"""The IVR end to end: real Asterisk 22 (own sandbox instance), the real IVR app in a thread, real SIPp
citizens pressing keys and speaking, a real SQLite database.

The instance has its own config directory and allocated ports, so it runs next to the other sandbox
tests. Waits are derived from the rendered prompts'
real lengths, keys are pressed during the welcome to skip it, and the in-hours calls (menu branches,
strikes, hang-ups) run concurrently in one batch so the module stays well under four minutes. Every call
is checked twice: in Asterisk while the citizen is still on the line (queue membership, channel
variables) and in the database afterwards (call row, draft, recording on disk). The last test checks that
no call was lost: every call row has an end reason and Asterisk has no channel left.
"""

from __future__ import annotations

import shutil
import time
import wave
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from ivrharness import Harness, Placed, Sighting, make_speech, ms, render_prompts, wait_for

from ivr.flows.hours import ServiceHours
from ivr.flows.menu_config import MenuConfig
from sandbox import Sandbox, SandboxError
from sandbox.ports import free_ports
from sandbox.sipp.citizen import CallResult, Press, Speak, Step, Wait
from ticketing.calls.models import Call, TicketDraft
from ticketing.calls.vocabulary import CallEndReason
from ticketing.db.engine import make_engine, make_sessionmaker
from ticketing.db.migrate import upgrade

PORTS = free_ports()  # allocated, never fixed: see sandbox/ports.py
CONFIG_DIR = "/etc/asterisk/hotline-e2e"
MENU = MenuConfig(menu_timeout_s=5, record_max_s=15, record_silence_s=3)
SPEECH_TEXT = "我要投诉，楼下饭店每天晚上噪音太大。"

FIRST_KEY_MS = 1000  # a key pressed this long after the answer lands in the welcome prompt
KEY_GAP_MS = 700  # after each key
TONE_MS = 800  # after the describe prompt: the beep, and the recording starts
HOLD_MS = 30_000  # how long a queued citizen would wait before hanging up (we hang up once seen)
SLACK_S = 15.0  # scheduling slack on top of the planned length of a call

BRANCHES = [
    pytest.param("1", "consult", "hotline-consult", "consult", id="1-consult"),
    pytest.param("2", "help", "hotline-help", "help", id="2-help"),
    pytest.param("3", "complaint_report", "hotline-complaint-report", "complaint", id="3-complaint"),
    pytest.param("4", "suggestion_praise", "hotline-suggestion-praise", "suggestion", id="4-suggestion"),
]
HANGUPS = ["welcome", "menu_wait", "describe", "recording", "recording_silent", "transfer"]
PARTIAL = 0.6  # the share of the speech said before hanging up during the recording


# --------------------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    for tool in ("sipp", "espeak-ng", "sox"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed (scripts/bootstrap.sh installs sip-tester, espeak-ng, sox)")
    folder = tmp_path_factory.mktemp("ivr-e2e")
    url = f"sqlite:///{folder}/hotline.sqlite3"
    upgrade(url)
    engine = make_engine(url)
    sandbox = Sandbox(config_dir=CONFIG_DIR, ports=PORTS)
    h: Harness | None = None
    try:
        try:
            sandbox.up()
        except SandboxError as exc:
            pytest.fail(f"the Asterisk sandbox could not be provisioned/started: {exc}")
        prompts, speech = render_prompts(sandbox), make_speech(folder, SPEECH_TEXT)
        h = Harness(sandbox, make_sessionmaker(engine), prompts, speech, MENU)
        h.use_ivr()
        yield h
    finally:
        if h is not None:
            h.close()
            h.remove_recordings()  # ours only: the spool is shared by every instance in the chroot
        engine.dispose()
        sandbox.down()


@dataclass
class Outcome:
    """One finished citizen call: what SIPp said, and what Asterisk showed while it waited."""

    placed: Placed
    result: CallResult
    sighting: Sighting | None


def plan_s(steps: Sequence[Step]) -> float:
    """The length of a call as the citizen plans it (SIPp runs it from the answer)."""
    total = 0
    for step in steps:
        total += step.after_ms if isinstance(step, Press) else step.ms
    return total / 1000


def queued(h: Harness, steps: Sequence[Step], queue: str) -> Callable[[], Outcome]:
    """A call that must reach ``queue``: seen there, then hung up from Asterisk, SIPp rc 0."""

    def run() -> Outcome:
        placed = h.place(steps)
        try:
            sighting = h.wait_in_queue(placed, queue, plan_s(steps) - HOLD_MS / 1000 + SLACK_S)
        finally:
            for channel in h.channels_of(placed.caller):
                h.hangup(channel["id"])
        result = placed.finish(30)
        h.wait_gone(placed.caller)
        return Outcome(placed, result, sighting)

    return run


def hangs_up(h: Harness, steps: Sequence[Step]) -> Callable[[], Outcome]:
    """A call the citizen ends (SIPp's BYE after its last step)."""

    def run() -> Outcome:
        placed = h.place(steps)
        result = placed.finish(plan_s(steps) + SLACK_S)
        h.wait_gone(placed.caller)
        return Outcome(placed, result, None)

    return run


def describe_then(h: Harness, digit: str, *tail: Step) -> list[Step]:
    """Skip the welcome with ``digit``, let the describe prompt play, wait for the tone."""
    return [
        Wait(FIRST_KEY_MS),
        Press(digit, KEY_GAP_MS),
        Wait(ms(h.prompts["describe"]) + TONE_MS),
        *tail,
    ]


def speak(h: Harness, fraction: float = 1.0) -> Speak:
    return Speak(h.speech.alaw, ms(h.speech.seconds * fraction) + (300 if fraction >= 1 else 0))


@pytest.fixture(scope="module")
def in_hours(harness: Harness) -> Iterator[dict[str, Future[Outcome]]]:
    """Every in-hours call of this module, started together (they run concurrently, ~80 s in all)."""
    h, p = harness, harness.prompts
    h.use_ivr()
    timeout_ms = ms(MENU.menu_timeout_s)
    queue_wait = Wait(HOLD_MS)
    scenarios: dict[str, Callable[[], Outcome]] = {}
    for param in BRANCHES:
        digit, _skill, queue, _category = param.values
        assert isinstance(digit, str)
        assert isinstance(queue, str)
        steps = describe_then(h, digit, speak(h), Press("#", KEY_GAP_MS), queue_wait)
        scenarios[f"branch-{digit}"] = queued(h, steps, queue)
    zero: list[Step] = [Wait(FIRST_KEY_MS), Press("0", KEY_GAP_MS), queue_wait]
    scenarios["agent-0"] = queued(h, zero, "hotline-general")
    # 7 lands in the welcome, 8 and 9 in the invalid notice that follows: each stops the prompt.
    keys: list[Step] = [Wait(FIRST_KEY_MS), *(Press(key, KEY_GAP_MS) for key in "789"), queue_wait]
    scenarios["invalid-x3"] = queued(h, keys, "hotline-general")
    # No key at all: welcome, then three times menu + no-input timeout, the notices, the transfer words.
    silent = p["welcome"] + 3 * (p["menu"] + MENU.menu_timeout_s + p["timeout"]) + p["transfer_agent"]
    scenarios["silence"] = queued(h, [Wait(ms(silent)), queue_wait], "hotline-general")
    scenarios["hangup-welcome"] = hangs_up(h, [Wait(2000)])
    scenarios["hangup-menu_wait"] = hangs_up(
        h, [Wait(FIRST_KEY_MS), Press("*", KEY_GAP_MS), Wait(ms(p["menu"]) + timeout_ms // 2)]
    )
    scenarios["hangup-describe"] = hangs_up(
        h, [Wait(FIRST_KEY_MS), Press("2", KEY_GAP_MS), Wait(ms(p["describe"] / 2))]
    )
    scenarios["hangup-recording"] = hangs_up(h, describe_then(h, "1", speak(h, PARTIAL)))
    scenarios["hangup-recording_silent"] = hangs_up(h, describe_then(h, "3", Wait(1500)))
    scenarios["hangup-transfer"] = hangs_up(
        h,
        describe_then(h, "4", speak(h), Press("#", KEY_GAP_MS), Wait(ms(p["thanks_transferring"] / 2))),
    )
    futures: dict[str, Future[Outcome]] = {}
    for name, scenario in scenarios.items():
        futures[name] = h.submit(scenario)
        time.sleep(0.2)  # stagger the INVITEs a little
    yield futures
    h.settle()


def outcome(batch: dict[str, Future[Outcome]], name: str) -> Outcome:
    return batch[name].result(timeout=200)


# --------------------------------------------------------------------------------------------- checks
def assert_recording(draft: TicketDraft, *, speech_s: float) -> Path:
    """The draft holds a real recording of the caller: file on disk, 16 kHz, plausible length."""
    assert draft.recording_path is not None, "no recording attached to the draft"
    path = Path(draft.recording_path)
    assert path.is_file(), f"recording {path} missing on disk"
    size = path.stat().st_size
    assert size > 16_000, f"recording {path} is only {size} bytes"
    with wave.open(str(path), "rb") as audio:
        assert audio.getframerate() == 16000
        seconds = audio.getnframes() / audio.getframerate()
    assert seconds > 0.5, seconds
    assert draft.asr_status == "pending"
    assert draft.recording_ms is not None
    assert speech_s * 1000 * 0.6 < draft.recording_ms < (speech_s + 5) * 1000, draft.recording_ms
    assert abs(draft.recording_ms - seconds * 1000) < 100  # the length the file really has
    return path


def assert_no_recording(draft: TicketDraft) -> None:
    assert draft.recording_path is None
    assert draft.recording_ms is None
    assert draft.asr_status == "none"


def assert_sighting(sighting: Sighting | None, call: Call, draft: TicketDraft, skill: str) -> None:
    """Asterisk had the caller in the queue, with our call/draft ids on the channel."""
    assert sighting is not None
    assert sighting.channel_name in sighting.queue_show
    assert sighting.channel_id == call.channel_id
    assert sighting.variables["HOTLINE_CALL_ID"] == str(call.id)
    assert sighting.variables["HOTLINE_DRAFT_ID"] == str(draft.id)
    assert sighting.variables["HOTLINE_SKILL"] == skill


def assert_queued(call: Call, queue: str) -> None:
    assert call.queue == queue
    assert call.end_reason == CallEndReason.QUEUED.value
    assert call.queued_at is not None
    assert call.ended_at is not None
    assert call.called_number == "12345"


# --------------------------------------------------------------------------------------------- 1. branches
@pytest.mark.parametrize(("digit", "skill", "queue", "category"), BRANCHES)
def test_menu_branch_lands_in_its_queue_with_a_recorded_draft(
    in_hours: dict[str, Future[Outcome]], harness: Harness, digit: str, skill: str, queue: str, category: str
) -> None:
    done = outcome(in_hours, f"branch-{digit}")
    call, draft = harness.ended_call(done.placed.caller)
    assert_sighting(done.sighting, call, draft, skill)
    assert_queued(call, queue)
    assert call.skill == skill
    assert call.menu_path == ["welcome", "describe", "recording", "transfer"]
    assert call.caller_phone is not None
    assert call.caller_phone.endswith(done.placed.caller)
    assert draft.category == category
    assert draft.call_id == call.id
    assert draft.caller_phone == call.caller_phone
    assert_recording(draft, speech_s=harness.speech.seconds)


def test_zero_goes_straight_to_the_general_queue(
    in_hours: dict[str, Future[Outcome]], harness: Harness
) -> None:
    done = outcome(in_hours, "agent-0")
    call, draft = harness.ended_call(done.placed.caller)
    assert_sighting(done.sighting, call, draft, "general")
    assert_queued(call, "hotline-general")
    assert call.skill == "general"
    assert call.menu_path == ["welcome", "transfer"]
    assert draft.category is None
    assert_no_recording(draft)


# --------------------------------------------------------------------------------------------- 2. strikes
def test_three_invalid_keys_go_to_the_general_queue(
    in_hours: dict[str, Future[Outcome]], harness: Harness
) -> None:
    done = outcome(in_hours, "invalid-x3")
    call, draft = harness.ended_call(done.placed.caller)
    assert_sighting(done.sighting, call, draft, "general")
    assert_queued(call, "hotline-general")
    assert call.skill is None  # no choice was made
    assert call.menu_path == ["welcome", "invalid:7", "menu", "invalid:8", "invalid:9", "transfer"]
    assert_no_recording(draft)


def test_silence_times_out_three_times_then_the_general_queue(
    in_hours: dict[str, Future[Outcome]], harness: Harness
) -> None:
    done = outcome(in_hours, "silence")
    call, draft = harness.ended_call(done.placed.caller)
    assert_sighting(done.sighting, call, draft, "general")
    assert_queued(call, "hotline-general")
    assert call.skill is None
    assert call.menu_path == ["welcome", "menu", "timeout", "timeout", "timeout", "transfer"]
    assert_no_recording(draft)
    # welcome, then three rounds of menu + no-input timeout, then the notices: it took that long.
    p = harness.prompts
    least = p["welcome"] + 3 * (p["menu"] + MENU.menu_timeout_s) + 2 * p["timeout"]
    assert call.queued_at is not None
    assert (call.queued_at - call.started_at).total_seconds() > least


# --------------------------------------------------------------------------------------------- 3. hang-ups
@pytest.mark.parametrize("step", HANGUPS)
def test_caller_hangs_up(in_hours: dict[str, Future[Outcome]], harness: Harness, step: str) -> None:
    done = outcome(in_hours, f"hangup-{step}")
    call, draft = harness.ended_call(done.placed.caller)
    assert call.end_reason == CallEndReason.CALLER_HUNG_UP.value
    assert call.ended_at is not None
    assert call.queue is None
    assert call.queued_at is None
    expected_path = {
        "welcome": ["welcome"],
        "menu_wait": ["welcome", "menu"],  # no "timeout": the caller left while we waited for a key
        "describe": ["welcome", "describe"],
        "recording": ["welcome", "describe", "recording"],
        "recording_silent": ["welcome", "describe", "recording"],  # hung up before saying anything
        "transfer": ["welcome", "describe", "recording", "transfer"],
    }[step]
    assert call.menu_path == expected_path
    skills = {
        "describe": "help",
        "recording": "consult",
        "recording_silent": "complaint_report",
        "transfer": "suggestion_praise",
    }
    assert call.skill == skills.get(step)
    if step == "recording":
        # What the caller said before hanging up is kept (like voicemail), measured once Asterisk
        # closed the file.
        assert_recording(draft, speech_s=harness.speech.seconds * PARTIAL)
    elif step == "transfer":
        assert_recording(draft, speech_s=harness.speech.seconds)
    else:
        assert_no_recording(draft)
    # Nothing is left behind in Asterisk once every in-hours call is over.
    harness.settle()
    harness.wait_idle()


# --------------------------------------------------------------------------------------------- 4. fallback
def test_without_our_process_calls_still_reach_the_general_queue(
    in_hours: dict[str, Future[Outcome]], harness: Harness
) -> None:
    h = harness
    h.stop_ivr()  # waits for the in-hours calls first
    placed = h.place([Wait(HOLD_MS)])
    try:
        sighting = h.wait_in_queue(
            placed, "hotline-general", 15, variables=("HOTLINE_FALLBACK", "HOTLINE_SKILL", "HOTLINE_CALL_ID")
        )
        assert "Queue(hotline-general" in h.sandbox.cli("core show channels")
    finally:
        for channel in h.channels_of(placed.caller):
            h.hangup(channel["id"])
    placed.finish(30)
    h.wait_gone(placed.caller)
    assert sighting.variables == {
        "HOTLINE_FALLBACK": "1",
        "HOTLINE_SKILL": "general",
        "HOTLINE_CALL_ID": None,  # our process never saw the call
    }
    assert h.rows(placed.caller) == []

    ivr = h.use_ivr()  # back up (start() returns after the first resync): nothing to recover
    assert ivr.active_calls == 0
    assert h.rows(placed.caller) == []


# ------------------------------------------------------------------------------------------- 5. out of hours
def closed_now() -> ServiceHours:
    """Hours that open two hours from now and close an hour later: closed right now."""
    now = datetime.now(UTC)
    local = ServiceHours().calendar.tz
    opens = (now + timedelta(hours=2)).astimezone(local).time().replace(second=0, microsecond=0)
    closes = (now + timedelta(hours=3)).astimezone(local).time().replace(second=0, microsecond=0)
    hours = ServiceHours(opens=opens, closes=closes)
    assert not hours.is_open(now)
    return hours


def test_out_of_hours_caller_leaves_a_message_and_we_hang_up(
    in_hours: dict[str, Future[Outcome]], harness: Harness
) -> None:
    h, p = harness, harness.prompts
    h.settle()
    h.use_ivr(h.config_for(MENU, closed_now()))
    try:
        steps: list[Step] = [
            Wait(ms(p["out_of_hours"]) + TONE_MS),
            speak(h),
            Press("#", KEY_GAP_MS),
            Wait(ms(p["message_recorded"]) + HOLD_MS),
        ]
        placed = h.place(steps)
        placed.finish(plan_s(steps) + SLACK_S)
        h.wait_gone(placed.caller)
        # The citizen would have waited HOLD_MS more: our BYE after the goodbye ended the call first.
        assert placed.elapsed is not None
        assert placed.elapsed < plan_s(steps) - HOLD_MS / 1000 + 8, placed.elapsed
        call, draft = h.ended_call(placed.caller)
        assert call.end_reason == CallEndReason.MESSAGE_LEFT.value
        assert call.ended_at is not None
        assert call.menu_path == ["out_of_hours", "message", "goodbye"]
        assert call.queue is None
        assert call.skill is None
        assert draft.category is None
        assert_recording(draft, speech_s=h.speech.seconds)
    finally:
        h.use_ivr()  # the in-hours IVR again


# ------------------------------------------------------------------------------------------- 6. no call lost
def test_no_call_is_lost(in_hours: dict[str, Future[Outcome]], harness: Harness) -> None:
    h = harness
    h.settle()
    h.wait_idle()
    calls = h.all_calls()
    assert len(calls) >= len(in_hours) + 1  # the in-hours batch and the out-of-hours call
    open_calls = [(c.caller_number, c.menu_path) for c in calls if c.end_reason is None or c.ended_at is None]
    assert open_calls == []
    assert {c.end_reason for c in calls} <= {r.value for r in CallEndReason} - {"failed", "system_lost"}
    assert h.ivr is not None
    wait_for(lambda: h.ivr is not None and h.ivr.active_calls == 0, 5, "the IVR to have no call in the menu")
