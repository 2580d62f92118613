"""Clocks the dialogue and the runners read time from; tests and `simulate` use VirtualClock."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Monotonic time in seconds."""

    def now(self) -> float: ...


class MonotonicClock:
    """The real monotonic clock (never jumps with wall-clock changes)."""

    def now(self) -> float:
        return time.monotonic()


class VirtualClock:
    """A clock that only moves when told to: a 60-second hold runs in microseconds."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance_to(self, t: float) -> None:
        if t < self._now:
            raise ValueError(f"virtual time cannot go back ({t} < {self._now})")
        self._now = t

    def advance(self, seconds: float) -> None:
        self.advance_to(self._now + seconds)
