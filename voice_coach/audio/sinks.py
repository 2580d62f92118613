"""Audio sinks that keep what is played in memory, placed on a clock's timeline."""

from __future__ import annotations

import numpy as np

from ..dialogue.clock import Clock
from .clip import RATE, AudioClip, to_int16


class TimelineSink:
    """Records each played clip at the clock time it started; like a speaker, a clip played
    while another still plays starts when that one ends, and `stop()` cuts the clip playing
    and drops the queued ones.

    With a VirtualClock this turns a simulated session into the audio a listener would hear
    (`simulate --wav`); tests use it as an in-memory speaker.
    """

    def __init__(self, clock: Clock, rate: int = 22050) -> None:
        self.clock = clock
        self.rate = rate
        self.origin = clock.now()
        self.pieces: list[tuple[float, AudioClip]] = []
        """(start seconds, clip) for everything played, cut clips already shortened."""
        self._cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def play(self, clip: AudioClip) -> None:
        start = self.clock.now() - self.origin
        if self.pieces:
            last_start, last = self.pieces[-1]
            start = max(start, last_start + last.seconds)
        self.pieces.append((start, clip.resampled(self.rate)))

    def stop(self) -> None:
        now = self.clock.now() - self.origin
        while len(self.pieces) > 1 and self.pieces[-1][0] > now:
            self.pieces.pop()  # queued behind the one playing, not started
        if not self.pieces:
            return
        start, clip = self.pieces[-1]
        keep = max(0, round((now - start) * self.rate))
        if keep < len(clip.samples):
            self.pieces[-1] = (start, AudioClip(clip.samples[:keep], clip.rate))

    def span(self, start_seconds: float, samples: int) -> np.ndarray:
        """What was playing from `start_seconds` (since the sink was made), at 16 kHz.

        Lets a virtual microphone hear the coach's own voice (`ScheduledSource` leak).
        """
        out = np.zeros(samples, dtype=np.float64)
        start = round(start_seconds * RATE)
        for piece_start, clip in self.pieces:
            offset = round(piece_start * RATE)
            if offset >= start + samples:
                continue
            pcm = self._at_16k(clip)
            lo, hi = max(start, offset), min(start + samples, offset + len(pcm))
            if lo < hi:
                out[lo - start:hi - start] += pcm[lo - offset:hi - offset]
        return out

    def power(self, start: float, end: float) -> float:
        """Mean square of what was played between clock times `start` and `end`."""
        n = max(1, round((end - start) * RATE))
        x = self.span(start - self.origin, n)
        return float(np.mean(x * x))

    def _at_16k(self, clip: AudioClip) -> np.ndarray:
        key = id(clip.samples)
        cached = self._cache.get(key)
        if cached is None or cached[0] is not clip.samples:
            cached = (clip.samples, clip.resampled(RATE).samples.astype(np.float64))
            self._cache[key] = cached
        return cached[1]

    def render(self) -> AudioClip:
        """Everything played, mixed onto one track."""
        end = max((round(s * self.rate) + len(c.samples) for s, c in self.pieces), default=0)
        track = np.zeros(end, dtype=np.int32)
        for start, clip in self.pieces:
            offset = round(start * self.rate)
            track[offset:offset + len(clip.samples)] += clip.samples
        return AudioClip(to_int16(track), self.rate)
