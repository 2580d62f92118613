"""Mono 16-bit audio held in memory, WAV files in and out, and resampling."""

from __future__ import annotations

import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soxr

RATE = 16000
"""The sample rate the recognizers take, in Hz."""
CLIP_LEVEL = 32000
"""Samples at or above this magnitude count as clipped."""
CLIPPED_SHARE = 0.01
"""Speech with more clipped samples than this is distorted: the microphone is overloaded."""


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
    def from_bytes(data: bytes, rate: int) -> AudioClip:
        return AudioClip(np.frombuffer(data, dtype="<i2").astype(np.int16), rate)

    @staticmethod
    def silence(seconds: float, rate: int = RATE) -> AudioClip:
        return AudioClip(np.zeros(round(seconds * rate), dtype=np.int16), rate)

    def resampled(self, rate: int) -> AudioClip:
        if rate == self.rate:
            return self
        out = soxr.resample(self.samples.astype(np.float32), self.rate, rate)
        return AudioClip(_to_int16(out), rate)

    def concat(self, *others: AudioClip) -> AudioClip:
        parts = [self.samples] + [o.resampled(self.rate).samples for o in others]
        return AudioClip(np.concatenate(parts).astype(np.int16), self.rate)

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


def _to_int16(samples: np.ndarray) -> np.ndarray:
    return np.clip(np.round(samples), -32768, 32767).astype(np.int16)


def read_wav(path: Path | str, rate: int | None = RATE) -> AudioClip:
    """Read a PCM WAV of any rate and channel count; downmix to mono, resample to `rate`."""
    path = Path(path)
    try:
        with wave.open(str(path), "rb") as wav:
            width, channels, file_rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    except FileNotFoundError as err:
        raise AudioFileError(f"{path}: no such file") from err
    except IsADirectoryError as err:
        raise AudioFileError(f"{path}: is a folder, not a WAV file") from err
    except PermissionError as err:
        raise AudioFileError(f"{path}: permission denied") from err
    except (wave.Error, EOFError) as err:
        raise AudioFileError(f"{path}: not a PCM WAV file ({err})") from err
    except OSError as err:
        raise AudioFileError(f"{path}: cannot read ({err.strerror or err})") from err
    if channels < 1 or file_rate < 1000:
        raise AudioFileError(f"{path}: bad WAV header ({channels} channels, {file_rate} Hz)")
    if width == 1:
        data = (np.frombuffer(frames, dtype=np.uint8).astype(np.float32) - 128.0) * 256.0
    elif width == 2:
        data = np.frombuffer(frames, dtype="<i2").astype(np.float32)
    elif width == 3:
        raw = np.frombuffer(frames[: len(frames) // 3 * 3], dtype=np.uint8).reshape(-1, 3)
        data = (raw[:, 0].astype(np.int32) << 8 | raw[:, 1].astype(np.int32) << 16
                | raw[:, 2].astype(np.int8).astype(np.int32) << 24).astype(np.float32) / 65536.0
    elif width == 4:
        data = np.frombuffer(frames, dtype="<i4").astype(np.float32) / 65536.0
    else:
        raise AudioFileError(f"{path}: unsupported sample width {width * 8} bits")
    usable = len(data) // channels * channels
    mono = data[:usable].reshape(-1, channels).mean(axis=1)
    clip = AudioClip(_to_int16(mono), file_rate)
    return clip.resampled(rate) if rate else clip


def write_wav(path: Path | str, clip: AudioClip) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(clip.rate)
        wav.writeframes(clip.to_bytes())
