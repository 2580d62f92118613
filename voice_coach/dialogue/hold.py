"""Timing of one counted stretch hold: number k is due k intervals after the start."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class Hold:
    """A counted hold of `total` numbers, one every `interval` seconds of running time.

    Running time stops while the hold is frozen (paused by the user, or while the coach
    answers a question), so a frozen hold resumes at the same number and the seconds left
    stay true.
    """

    total: int
    """How many numbers (seconds, at the default interval) the hold lasts."""
    interval: float
    """Seconds between numbers."""
    started_at: float
    """Clock time at which running time was 0 (moved forward on every resume)."""
    said: int = 0
    """The last number spoken (0 before the first)."""
    frozen_elapsed: float | None = None
    """Running time at which the hold was frozen, or None while it runs."""

    @property
    def frozen(self) -> bool:
        return self.frozen_elapsed is not None

    @property
    def finished(self) -> bool:
        return self.said >= self.total

    def elapsed(self, now: float) -> float:
        if self.frozen_elapsed is not None:
            return self.frozen_elapsed
        # Running time never passes the next number still to be said: when the coach was
        # busy as it fell due, the count waits for it. Frozen past it, the hold would
        # resume with that number and the next one less than an interval apart.
        return min(now - self.started_at, (self.said + 1) * self.interval,
                   self.total * self.interval)

    def seconds_left(self, now: float) -> int:
        """Whole seconds of holding still to go (rounded up)."""
        left = self.total * self.interval - self.elapsed(now)
        return max(0, math.ceil(left - 1e-9))

    def next_due(self) -> float:
        """Clock time at which the next number is due (only while running)."""
        return self.started_at + (self.said + 1) * self.interval

    def freeze(self, now: float) -> None:
        if self.frozen_elapsed is None:
            self.frozen_elapsed = self.elapsed(now)

    def thaw(self, now: float) -> None:
        """Run again from where it froze, but never before the number already said."""
        if self.frozen_elapsed is not None:
            elapsed = max(self.frozen_elapsed, self.said * self.interval)
            self.started_at = now - elapsed
            self.frozen_elapsed = None
