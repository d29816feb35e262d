"""Pacing of outbound calls: at most ``rate`` originates per second (no bursts above it) and at most
``limit`` calls at once. Pure: the clock is passed in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Pacer:
    """A leaky bucket of one: originates are spaced ``1 / rate`` seconds apart, never closer."""

    rate: float
    limit: int
    _next_at: float = 0.0

    def __post_init__(self) -> None:
        if self.rate <= 0:
            raise ValueError("the pace must be positive (calls per second)")
        if self.limit < 1:
            raise ValueError("at least one concurrent call")

    def wait(self, now: float, in_flight: int) -> float | None:
        """Seconds to wait before the next originate (0: now); ``None`` while ``limit`` calls are up."""
        if in_flight >= self.limit:
            return None
        return max(0.0, self._next_at - now)

    def take(self, now: float) -> None:
        """An originate goes out now."""
        self._next_at = max(now, self._next_at) + 1.0 / self.rate
