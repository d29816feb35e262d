"""Reconnect delays: bounded exponential backoff with jitter (pure; the randomness is passed in)."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class BackoffPolicy:
    """How the supervisor waits between connection attempts.

    Attempt ``n`` (0-based) waits ``min(maximum, initial * factor**n)`` scaled by a random factor in
    ``[1 - jitter, 1 + jitter]`` and capped at ``maximum`` again. ``max_attempts`` consecutive failures
    (``None``: retry forever) make the supervisor give up. A connection that stayed up for
    ``stable_after`` seconds resets the attempt counter; a flapping one keeps backing off.
    """

    initial: float = 0.5
    factor: float = 2.0
    maximum: float = 30.0
    jitter: float = 0.2
    max_attempts: int | None = None
    stable_after: float = 10.0

    def __post_init__(self) -> None:
        if self.initial < 0 or self.maximum < 0 or self.factor < 1 or not 0 <= self.jitter <= 1:
            raise ValueError(f"invalid backoff policy {self}")
        if self.max_attempts is not None and self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1 (or None for forever)")


def backoff_delay(policy: BackoffPolicy, attempt: int, unit_random: float) -> float:
    """Seconds to wait before attempt ``attempt`` (0-based); ``unit_random`` in ``[0, 1)``."""
    if attempt < 0:
        raise ValueError("attempt must be >= 0")
    exponent = min(attempt, 64)  # avoid float overflow; the cap applies long before
    base = min(policy.maximum, policy.initial * policy.factor**exponent)
    scale = 1.0 + policy.jitter * (2.0 * unit_random - 1.0)
    return max(0.0, min(policy.maximum, base * scale))


def backoff_schedule(policy: BackoffPolicy, attempts: int, rng: random.Random | None = None) -> list[float]:
    """The first ``attempts`` delays (with ``rng``; without it, the un-jittered midpoints)."""
    return [backoff_delay(policy, n, rng.random() if rng else 0.5) for n in range(attempts)]
