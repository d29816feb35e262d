"""What the dialer asks Asterisk, and what Asterisk's answers mean. Pure.

- A **survey** dials the citizen on the trunk; once answered the call runs the dialplan context
  ``hotline-survey-out``, which hands it to the survey Stasis app with the attempt id.
- A **callback** calls an agent first: a Local channel whose other half waits in the skill's queue (the
  agent's phone rings, the screen pop shows the draft); when the agent answers, Asterisk dials the
  citizen from ``hotline-callback-citizen``. A queue callback (a kept place) waits its turn in line among
  the live callers for up to ``hold_timeout_s``; a missed-call callback is started only when an agent is
  free and waits ``agent_timeout_s``. The ``h`` extension of ``hotline-callback-citizen`` reports the
  citizen leg's ``DIALSTATUS`` as ``UserEvent(HotlineCallbackResult)``.

The attempt id is the channel's unique id (``ChannelId``) and the ActionID's suffix, so every answer —
``OriginateResponse``, ``Hangup``, the user event, ``CoreShowChannel`` after a restart — names its attempt.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from agent_bridge.ami import actions
from agent_bridge.ami.actions import Action
from ticketing.outbound.service import Dial
from ticketing.outbound.vocabulary import ORIGINATE_REASONS, AttemptOutcome, JobKind

ACTION_PREFIX = "dial-"
CALLBACK_RESULT_EVENT = "HotlineCallbackResult"


@dataclass(frozen=True)
class DialPlan:
    """Where outbound calls go (the names of ``sip_configs``)."""

    trunk: str = "citizens"  # the PJSIP endpoint towards the citizens' network
    survey_context: str = "hotline-survey-out"
    callback_context: str = "hotline-callback"  # the agent's half: ``agent`` waits in the queue
    citizen_context: str = "hotline-callback-citizen"
    caller_id: str = '"12345" <12345>'
    ring_timeout_s: int = 45  # how long the citizen's phone rings
    agent_timeout_s: int = 30  # how long a callback waits for its agent to answer
    hold_timeout_s: int = 1800  # how long a kept queue place (queue callback) waits in line for an agent

    def agent_wait_s(self, kind: JobKind) -> int:
        """How long a callback of ``kind`` waits in the queue: a kept place waits its turn in line; a
        missed-call callback is only started when an agent is free, so it waits briefly."""
        return self.hold_timeout_s if kind is JobKind.QUEUE_CALLBACK else self.agent_timeout_s


def action_id(attempt_id: uuid.UUID) -> str:
    """The ActionID of an attempt's Originate."""
    return f"{ACTION_PREFIX}{attempt_id}"


def attempt_of(text: str) -> uuid.UUID | None:
    """The attempt an ActionID or a channel unique id names (``None``: not one of ours)."""
    try:
        return uuid.UUID(text.removeprefix(ACTION_PREFIX)[:36])
    except ValueError:
        return None


def originate(
    dial: Dial, plan: DialPlan, *, queue: str | None = None, call_id: uuid.UUID | None = None
) -> Action:
    """The Originate of one attempt (``queue``/``call_id``: a callback's skill queue and its call row)."""
    attempt = str(dial.attempt_id)
    if dial.kind is JobKind.SURVEY:
        return actions.originate(
            f"PJSIP/{dial.dial_number}@{plan.trunk}", channel_id=attempt, context=plan.survey_context,
            exten="s", priority=1, timeout_ms=plan.ring_timeout_s * 1000, caller_id=plan.caller_id,
            variables={"HOTLINE_ATTEMPT": attempt},
        )  # fmt: skip
    if queue is None:
        raise ValueError("a callback needs the queue of its agents")
    variables = {
        "HOTLINE_ATTEMPT": attempt,
        "HOTLINE_RING_TIMEOUT": str(plan.ring_timeout_s),
        # "__": inherited by the Local channel's queue half, so queue events carry the call's ids (the pop)
        "__HOTLINE_QUEUE": queue,
        "__HOTLINE_AGENT_TIMEOUT": str(plan.agent_wait_s(dial.kind)),
    }
    if dial.skill:
        variables["__HOTLINE_SKILL"] = dial.skill
    if call_id is not None:
        variables["__HOTLINE_CALL_ID"] = str(call_id)
    if dial.draft_id is not None:
        variables["__HOTLINE_DRAFT_ID"] = str(dial.draft_id)
    return actions.originate(
        f"Local/agent@{plan.callback_context}/n", channel_id=attempt, other_channel_id=f"{attempt}-agent",
        context=plan.citizen_context, exten=dial.dial_number, priority=1,
        timeout_ms=(plan.agent_wait_s(dial.kind) + 5) * 1000,
        caller_id=f'"{dial.dial_number}" <{dial.dial_number}>', variables=variables,
    )  # fmt: skip


def originate_outcome(kind: JobKind, success: bool, reason: int) -> AttemptOutcome | None:
    """What an ``OriginateResponse`` means: ``None`` while the call goes on (answered)."""
    if success or reason == 4:
        return None
    if kind is JobKind.SURVEY:
        return ORIGINATE_REASONS.get(reason, AttemptOutcome.FAILED)
    return AttemptOutcome.NO_AGENT  # the agent's half was not answered: the citizen was never dialled


_DIALSTATUS: dict[str, AttemptOutcome] = {
    "ANSWER": AttemptOutcome.ANSWERED,
    "NOANSWER": AttemptOutcome.NO_ANSWER,
    "BUSY": AttemptOutcome.BUSY,
    "CONGESTION": AttemptOutcome.FAILED,
    "CHANUNAVAIL": AttemptOutcome.FAILED,
}


def callback_outcome(dialstatus: str) -> AttemptOutcome:
    """How a callback ended from its citizen leg's ``DIALSTATUS`` (empty or ``CANCEL``: the agent hung up
    before the citizen answered — not the citizen's attempt)."""
    return _DIALSTATUS.get(dialstatus.strip().upper(), AttemptOutcome.NO_AGENT)
