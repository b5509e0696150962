"""Hybrid logical clock: wall-clock milliseconds plus a counter, packed in 64 bits.

A stamp is ``(milliseconds << 16) | counter``. Local events never go backwards,
even when the wall clock does; receiving a stamp moves the clock past it. The
server clamps every stamp it receives to five minutes past its own clock
(:func:`clamp` is the same rule), and a client whose wall clock runs more than
that ahead of the server is flagged (:meth:`HybridClock.ahead_of`), so one laptop
with a fast clock cannot win every last-writer-wins decision.
"""

from __future__ import annotations

import time
from collections.abc import Callable

COUNTER_BITS = 16
COUNTER_MASK = (1 << COUNTER_BITS) - 1
MAX_SKEW_MS = 5 * 60 * 1000


def pack(millis: int, counter: int = 0) -> int:
    """Return the stamp of a physical time in milliseconds and a counter."""
    return (millis << COUNTER_BITS) | (counter & COUNTER_MASK)


def physical(stamp: int) -> int:
    """Return the milliseconds part of a stamp."""
    return stamp >> COUNTER_BITS


def wall_millis() -> int:
    """Return the wall clock in milliseconds since the epoch."""
    return time.time_ns() // 1_000_000


def clamp(stamp: int, reference_ms: int, max_skew_ms: int = MAX_SKEW_MS) -> int:
    """Return ``stamp`` limited to ``max_skew_ms`` past ``reference_ms``.

    The server applies the same rule to every stamp it receives (sync.push), with
    its own clock as the reference.
    """
    return min(stamp, pack(reference_ms + max_skew_ms))


class HybridClock:
    """One client's hybrid logical clock; ``last`` is its latest stamp."""

    def __init__(
        self,
        last: int = 0,
        wall: Callable[[], int] = wall_millis,
        max_skew_ms: int = MAX_SKEW_MS,
    ) -> None:
        self.last = last
        self._wall = wall
        self._max_skew_ms = max_skew_ms

    def now(self) -> int:
        """Stamp a local event: never below the wall clock, always above ``last``."""
        self.last = max(pack(self._wall()), self.last + 1)
        return self.last

    def receive(self, remote: int) -> int:
        """Merge a stamp from the server; the result is above it and above ``last``."""
        self.last = max(self.last, remote, pack(self._wall())) + 1
        return self.last

    def ahead_of(self, server_ms: int) -> bool:
        """Tell whether this device's wall clock runs more than the limit ahead."""
        return self._wall() > server_ms + self._max_skew_ms
