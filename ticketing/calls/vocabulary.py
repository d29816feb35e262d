"""Vocabulary of the phone side as the work-order system sees it: menu skills and how calls end."""

from __future__ import annotations

from enum import StrEnum

from ticketing.categories import Category


class Skill(StrEnum):
    """Menu branch = agent skill = Asterisk queue (one queue per skill)."""

    CONSULT = "consult"  # 1 咨询
    HELP = "help"  # 2 求助
    COMPLAINT_REPORT = "complaint_report"  # 3 投诉/举报
    SUGGESTION_PRAISE = "suggestion_praise"  # 4 建议/表扬
    GENERAL = "general"  # 0 人工, and every fallback

    @property
    def draft_category(self) -> Category | None:
        """The category a draft starts with; speech recognition may refine it (投诉 vs 举报)."""
        return _SKILL_CATEGORY[self]


_SKILL_CATEGORY: dict[Skill, Category | None] = {
    Skill.CONSULT: Category.CONSULT,
    Skill.HELP: Category.HELP,
    Skill.COMPLAINT_REPORT: Category.COMPLAINT,
    Skill.SUGGESTION_PRAISE: Category.SUGGESTION,
    Skill.GENERAL: None,
}


class CallEndReason(StrEnum):
    """How the IVR part of a call ended. Every call ends with exactly one of these."""

    QUEUED = "queued"  # handed to an agent queue (the normal end of the IVR part)
    MESSAGE_LEFT = "message_left"  # out of hours: the caller left a message that became a draft
    CALLER_HUNG_UP = "caller_hung_up"  # hang-up before reaching a queue
    CALLBACK_REQUESTED = "callback_requested"  # kept their place in the queue and hung up (virtual hold)
    FAILED = "failed"  # our side failed; the dialplan fallback took the call
    SYSTEM_LOST = "system_lost"  # the channel vanished while we were away (found on resync)


class CallOrigin(StrEnum):
    """How a call reached the queue."""

    IVR = "ivr"  # through our IVR (the call and its draft were made when it entered)
    FALLBACK = "fallback"  # the dialplan queued it while the IVR was down (made from QueueCallerJoin)
    CALLBACK = "callback"  # the hotline called the citizen back, agent first (queue or missed-call callback)


class HangupBy(StrEnum):
    """Who ended the conversation with the agent (AgentComplete ``Reason``)."""

    CALLER = "caller"
    AGENT = "agent"
    TRANSFER = "transfer"


class DraftStatus(StrEnum):
    """Life of a draft."""

    OPEN = "open"
    REGISTERED = "registered"
    DISCARDED = "discarded"


class AsrStatus(StrEnum):
    """Speech recognition state of a draft; a failure never loses the draft or its recording."""

    NONE = "none"  # nothing to transcribe (yet)
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
