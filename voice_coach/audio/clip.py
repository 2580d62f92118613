"""Mono 16-bit audio held in memory, WAV files in and out, and resampling."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import soxr

RATE = 16000
"""The sample rate the recognizers take, in Hz."""
CLIP_LEVEL = 32000
"""Samples at or above this magnitude count as clipped."""
CLIPPED_SHARE = 0.01
"""Speech with more clipped samples than this is distorted: the microphone is overloaded."""


def mean_square(chunk: bytes) -> float:
    """The power of `chunk` (int16 samples): their mean square, 0 for no samples."""
    x = np.frombuffer(chunk, dtype=np.int16).astype(np.float64)
    return float(np.dot(x, x)) / x.size if x.size else 0.0


def count_clipped(samples: np.ndarray) -> int:
    """How many of `samples` (int16) are at or above CLIP_LEVEL in magnitude."""
    return int(np.count_nonzero(np.abs(samples.astype(np.int32)) >= CLIP_LEVEL))


class AudioFileError(Exception):
    """A file that is missing, unreadable or not a WAV we can use; str() is one line."""


@dataclass(frozen=True)
class AudioClip:
    """Mono signed 16-bit samples at `rate` Hz."""

    samples: np.ndarray
    """int16 samples, shape (n,)."""
    rate: int
    """Samples per second."""

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate

    def to_bytes(self) -> bytes:
        return self.samples.astype("<i2").tobytes()

    @staticmethod
    def silence(seconds: float, rate: int = RATE) -> AudioClip:
        return AudioClip(np.zeros(round(seconds * rate), dtype=np.int16), rate)

    def resampled(self, rate: int) -> AudioClip:
        if rate == self.rate:
            return self
        out = soxr.resample(self.samples.astype(np.float32), self.rate, rate)
        return AudioClip(to_int16(out), rate)

    def trimmed(self, threshold: int = 300, keep: float = 0.02) -> AudioClip:
        """Without the leading and trailing silence (samples below `threshold`), keeping
        `keep` seconds at each edge; all-silent clips come back empty."""
        loud = np.flatnonzero(np.abs(self.samples.astype(np.int32)) >= threshold)
        if loud.size == 0:
            return AudioClip(self.samples[:0], self.rate)
        pad = int(keep * self.rate)
        start = max(0, int(loud[0]) - pad)
        end = min(len(self.samples), int(loud[-1]) + 1 + pad)
        return AudioClip(self.samples[start:end], self.rate)

    def chunks(self, seconds: float = 0.1) -> Iterator[bytes]:
        """Consecutive pieces of `seconds` each (the last may be shorter), as bytes."""
        step = max(1, round(seconds * self.rate))
        for start in range(0, len(self.samples), step):
            yield self.samples[start:start + step].astype("<i2").tobytes()


def to_int16(samples: np.ndarray) -> np.ndarray:
    """Rounded and clipped to the int16 range."""
    return np.clip(np.round(samples), -32768, 32767).astype(np.int16)

