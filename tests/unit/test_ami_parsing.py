"""The pure AMI layer (agent_bridge.ami) on transcripts recorded from Asterisk 22 (tests/fixtures/ami,
scripts/record_ami_fixtures.py) and on the quirks panoramisk leaves to us."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_bridge.ami import actions
from agent_bridge.ami.events import (
    AgentCalled,
    AgentComplete,
    AgentConnect,
    AgentRingNoAnswer,
    AmiEvent,
    FullyBooted,
    Hangup,
    OtherEvent,
    QueueCallerAbandon,
    QueueCallerJoin,
    QueueMemberAdded,
    QueueMemberPause,
    parse_event,
)
from agent_bridge.ami.messages import AmiMessage, parse_block, parse_transcript, split_frames
from agent_bridge.ami.responses import Outcome, PendingAction

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ami"


def transcript(name: str) -> list[AmiMessage]:
    return list(parse_transcript((FIXTURES / name).read_bytes().decode("utf-8")))


def events(name: str) -> list[AmiEvent]:
    return [parse_event(m) for m in transcript(name) if m.event is not None and m.action_id is None]


def answer(name: str, action: actions.Action, action_id: str) -> PendingAction:
    pending = PendingAction(action, action_id)
    for message in transcript(name):
        if message.action_id == action_id:
            pending.feed(message)
    return pending


# -- answers to actions ------------------------------------------------------------------------------
def test_queue_add_completes_with_its_one_response() -> None:
    added = answer(
        "actions.ami", actions.queue_add("hotline-general", "PJSIP/agent1001", member_name="张伟"), "add-1"
    )
    assert added.outcome is Outcome.DONE
    assert added.message == "Added interface to queue"  # panoramisk 1.4 takes this for a list and hangs


def test_refusals_fail_at_once_with_asterisks_reason() -> None:
    twice = answer("actions.ami", actions.queue_add("hotline-general", "PJSIP/agent1001"), "add-2")
    assert (twice.outcome, twice.message) == (Outcome.FAILED, "Unable to add interface: Already there")
    gone = answer("actions.ami", actions.queue_remove("hotline-general", "PJSIP/agent1001"), "rm-2")
    assert (gone.outcome, gone.message) == (Outcome.FAILED, "Unable to remove interface: Not there")


def test_queue_status_collects_its_list_until_complete() -> None:
    status = answer("actions.ami", actions.queue_status("hotline-general"), "qs-2")
    assert status.outcome is Outcome.DONE
    assert [e.event for e in status.events] == ["QueueParams", "QueueMember"]
    member = status.events[1]
    assert (
        member.get("Name"),
        member.get("Location"),
        member.flag("Paused"),
        member.get("PausedReason"),
    ) == (
        "张伟",
        "PJSIP/agent1001",
        True,
        "小休",
    )


def test_empty_lists_complete_too() -> None:
    assert answer("actions.ami", actions.core_show_channels(), "cs-1").events == []
    unknown = answer("actions.ami", actions.queue_status("no-such-queue"), "qs-3")
    assert (unknown.outcome, unknown.events) == (Outcome.DONE, [])


def test_a_refused_list_action_fails_instead_of_waiting_for_its_list() -> None:
    pending = PendingAction(actions.queue_status(), "x-1")
    assert pending.feed(
        AmiMessage.of({"Response": "Error", "ActionID": "x-1", "Message": "Permission denied"})
    ) is (Outcome.FAILED)


def test_pause_events_carry_the_reason() -> None:
    pauses = [e for e in events("actions.ami") if isinstance(e, QueueMemberPause)]
    assert [(p.member.paused, p.member.paused_reason) for p in pauses] == [(True, "小休"), (False, "")]
    [added] = [e for e in events("actions.ami") if isinstance(e, QueueMemberAdded)]
    assert (added.member.name, added.member.interface, added.member.queue) == (
        "张伟",
        "PJSIP/agent1001",
        "hotline-general",
    )
    assert added.at > 1_700_000_000  # Asterisk's timestamp of the event


# -- a queued call -------------------------------------------------------------------------------------
def queue_events(name: str) -> list[AmiEvent]:
    kinds = (QueueCallerJoin, AgentCalled, AgentConnect, AgentComplete, AgentRingNoAnswer, QueueCallerAbandon)
    return [e for e in events(name) if isinstance(e, kinds)]


def test_an_answered_call_from_join_to_complete() -> None:
    join, called, connect, complete = queue_events("answered.ami")
    assert isinstance(join, QueueCallerJoin)
    assert isinstance(called, AgentCalled)
    assert isinstance(connect, AgentConnect)
    assert isinstance(complete, AgentComplete)
    assert (join.queue, join.position, join.caller.number) == ("hotline-general", 1, "13912340001")
    assert {e.caller.linkedid for e in (join, called, connect, complete)} == {join.caller.uniqueid}
    assert connect.agent_leg.linkedid == join.caller.linkedid  # the agent's leg shares the call key
    assert (connect.member_name, connect.interface) == ("张伟", "PJSIP/agent1001")
    assert connect.hold_s >= 1
    assert connect.ring_s >= 1
    assert (complete.reason, complete.talk_s) == ("agent", 3)
    assert join.caller.variable("HOTLINE_SKILL") == "general"  # inherited (__HOTLINE_SKILL)
    assert join.caller.variable("HOTLINE_DRAFT_ID") is None  # the dialplan fallback: no IVR, no draft
    assert connect.agent_leg.variable("HOTLINE_SKILL") == "general"
    assert called.at <= connect.at <= complete.at


def test_the_caller_hanging_up_completes_with_reason_caller() -> None:
    complete = queue_events("caller_hangup.ami")[-1]
    assert isinstance(complete, AgentComplete)
    assert complete.reason == "caller"


def test_ring_no_answer_says_milliseconds_and_the_abandon_seconds() -> None:
    kinds = [type(e) for e in queue_events("ring_no_answer.ami")]
    assert kinds[:3] == [QueueCallerJoin, AgentCalled, AgentRingNoAnswer]
    assert kinds[-1] is QueueCallerAbandon
    ring = next(e for e in queue_events("ring_no_answer.ami") if isinstance(e, AgentRingNoAnswer))
    assert ring.ring_s == 15.0  # queues.conf timeout = 15 (Asterisk sends 15000)
    abandon = queue_events("ring_no_answer.ami")[-1]
    assert isinstance(abandon, QueueCallerAbandon)
    assert 15 <= abandon.hold_s <= 20
    assert abandon.original_position == 1


def test_other_events_are_kept_but_not_modelled() -> None:
    kinds = {type(e) for e in events("answered.ami")}
    assert {FullyBooted, Hangup, OtherEvent} <= kinds


# -- the quirks --------------------------------------------------------------------------------------
def test_one_chan_variable_is_read_like_several() -> None:
    one = parse_block("Event: QueueCallerJoin\r\nChanVariable: HOTLINE_DRAFT_ID=d-1\r\nQueue: q")
    many = parse_block("Event: QueueCallerJoin\r\nChanVariable: HOTLINE_DRAFT_ID=d-1\r\nChanVariable: X=a=b")
    assert one is not None
    assert many is not None
    assert one.variables() == {"HOTLINE_DRAFT_ID": "d-1"}
    assert many.variables() == {"HOTLINE_DRAFT_ID": "d-1", "X": "a=b"}
    assert one.values("ChanVariable") == ["HOTLINE_DRAFT_ID=d-1"]


def test_unknown_caller_ids_read_as_empty_and_keys_ignore_case() -> None:
    m = AmiMessage.of({"Event": "Hangup", "CallerIDNum": "<unknown>", "UniqueID": "1.2"})
    assert m.text("CallerIDNum") == ""
    assert m.get("uniqueid") == "1.2"
    assert m.number("HoldTime", -1.0) == -1.0


def test_frames_keep_an_incomplete_message_for_later() -> None:
    blocks, rest = split_frames("Event: A\r\nX: 1\r\n\r\nEvent: B\r\nY")
    assert blocks == ["Event: A\r\nX: 1"]
    assert rest == "Event: B\r\nY"


# -- actions on the wire -------------------------------------------------------------------------------
def test_actions_encode_in_order_with_their_id() -> None:
    wire = actions.queue_pause("PJSIP/agent1001", True, reason="培训").encode("a-7").decode("utf-8")
    assert wire.split("\r\n") == [
        "Action: QueuePause", "ActionID: a-7", "Interface: PJSIP/agent1001", "Paused: true", "Reason: 培训",
        "", "",
    ]  # fmt: skip


def test_originate_is_always_asynchronous_with_a_chosen_channel_id() -> None:
    action = actions.originate(
        "PJSIP/13800138000@citizens", channel_id="attempt-1", context="hotline-survey-out", exten="s",
        priority=1, variables={"SURVEY_TICKET": "20261204-000001"},
    )  # fmt: skip
    assert action.header("Async") == "true"
    assert action.header("ChannelId") == "attempt-1"
    assert action.header("Variable") == "SURVEY_TICKET=20261204-000001"
    with pytest.raises(ValueError, match="either"):
        actions.originate("PJSIP/x", channel_id="a")


def test_a_header_cannot_smuggle_another_line() -> None:
    with pytest.raises(ValueError, match="one line"):
        actions.queue_pause("PJSIP/agent1001", True, reason="小休\r\nAction: Originate").encode("a-1")
