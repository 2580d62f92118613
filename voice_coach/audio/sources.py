"""Audio sources: where the recognizer's input comes from.

Every source hands out 16 kHz mono int16 chunks through `read(timeout)`. The microphone
(`devices.Microphone`) does it in real time; `ScheduledSource` plays clips placed on a
virtual clock's timeline, so the whole live loop runs in tests without hardware and
faster than real time.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from ..dialogue.clock import VirtualClock
from .clip import RATE, AudioClip, to_int16


class SourceLost(Exception):
    """The source stopped delivering audio (device unplugged, server gone)."""


class AudioSource(Protocol):
    """A stream of 16 kHz mono int16 audio."""

    captured_until: float | None
    """Clock time at which the chunk `read` last returned had been recorded, or None when
    the source cannot tell. A busy reader gets chunks late; this says when they were
    heard (the echo gate compares them with what was playing then)."""

    def read(self, timeout: float) -> bytes | None:
        """The next chunk, or None if none arrived within `timeout` seconds.

        Raises SourceLost when the source is gone for good (it may be reopened).
        """
        ...

    def close(self) -> None: ...


class ScheduledSource:
    """A virtual microphone: clips placed at times on a VirtualClock, silence in between.

    Each `read` moves the clock on by one chunk and returns what a microphone would have
    recorded in that span. `leak` adds what a sink played (the coach's own voice reaching
    the microphone) at `leak_gain`, like a loudspeaker or leaky earbuds would.
    """

    def __init__(self, clock: VirtualClock, chunk_seconds: float = 0.02,
                 leak: LeakSource | None = None, leak_gain: float = 0.0) -> None:
        self.clock = clock
        self.chunk = round(chunk_seconds * RATE)
        self.origin = clock.now()
        self._clips: list[tuple[int, np.ndarray]] = []
        self._pos = 0
        self.leak = leak
        self.leak_gain = leak_gain
        self.captured_until: float | None = None

    def say(self, clip: AudioClip, at: float) -> float:
        """Place `clip` to start at clock time `at`; returns the time it ends."""
        samples = clip.resampled(RATE).samples
        start = max(0, round((at - self.origin) * RATE))
        self._clips.append((start, samples))
        return self.origin + (start + len(samples)) / RATE

    @property
    def busy_until(self) -> float:
        """Clock time at which the last placed clip ends."""
        end = max((s + len(c) for s, c in self._clips), default=0)
        return self.origin + end / RATE

    def read(self, timeout: float) -> bytes | None:
        start, end = self._pos, self._pos + self.chunk
        mix = np.zeros(self.chunk, dtype=np.float64)
        for offset, samples in self._clips:
            lo, hi = max(start, offset), min(end, offset + len(samples))
            if lo < hi:
                mix[lo - start:hi - start] += samples[lo - offset:hi - offset]
        if self.leak is not None and self.leak_gain:
            mix += self.leak_gain * self.leak.span(start / RATE, self.chunk)
        self._clips = [(o, s) for o, s in self._clips if o + len(s) > end]
        self._pos = end
        self.captured_until = self.origin + end / RATE
        self.clock.advance_to(self.captured_until)
        return to_int16(mix).tobytes()

    def close(self) -> None:
        self._clips.clear()


class LeakSource(Protocol):
    """Something whose played audio can be read back by time (a TimelineSink)."""

    def span(self, start_seconds: float, samples: int) -> np.ndarray:
        """`samples` samples at 16 kHz from `start_seconds`, as float64."""
        ...
