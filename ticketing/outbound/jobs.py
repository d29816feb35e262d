"""The life of an outbound job as a pure state machine: what happens after each attempt. No I/O.

::

    DUE ──begin()──▶ DIALING ──ANSWERED──▶ DONE
     ▲                  │
     └── retry ◀────────┤ NO_ANSWER / BUSY / FAILED / LOST / HUNG_UP, attempts < max: due again after
                        │ the spacing, at the next opening of the calling window; NO_AGENT (a callback
                        │ no agent took): due again soon, the citizen's attempts untouched
                        └─ the last attempt failed ──▶ MANUAL (the manual callback list)
    DUE / DIALING ──cancel()──▶ CANCELLED

**Exactly once.** An attempt is written (with the channel id the dial will use) *before* Asterisk is asked
to dial; an attempt that has begun is never begun again. After a crash, an attempt still ``dialing`` is
settled from what Asterisk has: its channel exists → it is still going on; it does not → ``LOST``, which
counts as an attempt like a no-answer. So a restart at any moment can neither dial one attempt twice nor
forget a due job (it stays ``due`` in the database).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ticketing.outbound.vocabulary import AttemptOutcome, JobState


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how far apart a job is tried."""

    max_attempts: int = 3
    spacing: timedelta = timedelta(minutes=30)
    no_agent_spacing: timedelta = timedelta(minutes=1)  # a callback no agent took is tried again soon

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.spacing < timedelta(0):
            raise ValueError("spacing must not be negative")


@dataclass(frozen=True)
class Next:
    """Where a job goes after an attempt: its state and, when due again, from when."""

    state: JobState
    due_at: datetime | None = None


class IllegalJobStep(ValueError):
    """A step that the job's state does not allow (a bug in the caller: never silently ignored)."""


def begin(state: JobState) -> JobState:
    """A due job starts an attempt."""
    if state is not JobState.DUE:
        raise IllegalJobStep(f"a {state} job cannot start an attempt")
    return JobState.DIALING


def after_attempt(
    state: JobState, outcome: AttemptOutcome, attempts: int, now: datetime, policy: RetryPolicy
) -> Next:
    """The job's next step once an attempt ended with ``outcome``; ``attempts`` is how many attempts
    have counted so far, this one included (see :attr:`AttemptOutcome.counts`)."""
    if state is not JobState.DIALING:
        raise IllegalJobStep(f"a {state} job has no attempt to end")
    if outcome is AttemptOutcome.ANSWERED:
        return Next(JobState.DONE)
    if not outcome.counts:
        return Next(JobState.DUE, now + policy.no_agent_spacing)
    if attempts >= policy.max_attempts:
        return Next(JobState.MANUAL)
    return Next(JobState.DUE, now + policy.spacing)


def cancel(state: JobState) -> JobState:
    """Opt-out, or no need any more: an open job ends; a finished one stays as it is."""
    return JobState.CANCELLED if state.open else state
