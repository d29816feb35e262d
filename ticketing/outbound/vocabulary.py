"""The words of outbound calling."""

from __future__ import annotations

from enum import StrEnum


class JobKind(StrEnum):
    """Why the hotline calls somebody."""

    SURVEY = "survey"  # 回访 after 办结
    QUEUE_CALLBACK = "queue_callback"  # the caller kept their place and hung up (virtual hold)
    MISSED_CALL = "missed_call"  # 漏接回拨: the caller left the queue without an agent


class JobState(StrEnum):
    """Where a job is."""

    DUE = "due"  # waiting for its time (next_attempt_at) and the calling window
    DIALING = "dialing"  # an attempt is under way
    DONE = "done"  # reached (and, for a survey, answered)
    MANUAL = "manual"  # unreachable after every attempt: on the manual callback list
    CANCELLED = "cancelled"  # opted out, or made pointless (e.g. the caller called again)

    @property
    def open(self) -> bool:
        """The dialer still has work to do."""
        return self in (JobState.DUE, JobState.DIALING)


class AttemptOutcome(StrEnum):
    """How one dial ended."""

    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"  # congestion, a refused originate…
    LOST = "lost"  # our process stopped while dialing and Asterisk no longer has the channel
    HUNG_UP = "hung_up"  # answered, but hung up before answering anything (tried again)
    NO_AGENT = "no_agent"  # a callback whose agent did not take it: the citizen was not called

    @property
    def counts(self) -> bool:
        """Whether the attempt used up one of the citizen's attempts (not when no agent took it)."""
        return self is not AttemptOutcome.NO_AGENT


# OriginateResponse Reason codes (AST_CONTROL_*): 4 answered, 1 hung up (before answer), 3 ringing
# when the timeout hit, 5 busy, 8 congestion, 0 the channel could not be created.
ORIGINATE_REASONS: dict[int, AttemptOutcome] = {
    4: AttemptOutcome.ANSWERED,
    3: AttemptOutcome.NO_ANSWER,
    1: AttemptOutcome.NO_ANSWER,
    5: AttemptOutcome.BUSY,
    8: AttemptOutcome.FAILED,
    0: AttemptOutcome.FAILED,
}
