"""The runner's world, generated: noises made in the run, never recorded or committed.

Every kind is unit-power noise at 16 kHz from a seeded generator, so a clip and its noise
are the same on every run. `mix` puts noise under speech at a given SNR (relative to the
speech's power over its voiced samples), `narrowband` makes a clip sound like a Bluetooth
headset microphone (8 kHz).

kinds:
- wind: gusts, low-frequency rumble whose loudness swells and falls every second or two
- steps: running footsteps (thuds at ~170 steps a minute) and breathing (hiss, two breaths
  a second)
- traffic: engine rumble below ~250 Hz with cars swelling past
- rain: dense random drops (clicks) over a soft hiss
- conversation: other people talking nearby, sentences that are not commands
- white, pink: the classic test noises
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import soxr

RATE = 16000
KINDS = ("wind", "steps", "traffic", "rain", "conversation", "white", "pink")


def _unit(x: np.ndarray) -> np.ndarray:
    return x / (np.sqrt(np.mean(x**2)) or 1.0)


def _shaped(rng: np.random.Generator, n: int, gain: Callable[[np.ndarray], np.ndarray],
            ) -> np.ndarray:
    """Gaussian noise whose spectrum is multiplied by `gain(frequency in Hz)`."""
    spectrum = np.fft.rfft(rng.normal(size=n))
    f = np.fft.rfftfreq(n, 1 / RATE)
    return np.fft.irfft(spectrum * gain(f), n)


def _envelope(rng: np.random.Generator, n: int, rate_hz: float, depth: float) -> np.ndarray:
    """A slowly varying loudness in [1 - depth, 1 + depth]: random points `rate_hz` apart,
    smoothly joined."""
    points = max(2, int(n / RATE * rate_hz) + 2)
    knots = rng.uniform(-1, 1, points)
    t = np.linspace(0, points - 1, n)
    i = np.minimum(t.astype(int), points - 2)
    frac = t - i
    smooth = (1 - np.cos(np.pi * frac)) / 2
    return 1 + depth * (knots[i] * (1 - smooth) + knots[i + 1] * smooth)


def wind(rng: np.random.Generator, n: int) -> np.ndarray:
    low = _shaped(rng, n, lambda f: 1 / np.maximum(f, 20.0) * (f < 800))
    return low * _envelope(rng, n, 0.7, 0.9) ** 2


def steps(rng: np.random.Generator, n: int) -> np.ndarray:
    out = np.zeros(n)
    period = RATE * 60 / 170 * rng.uniform(0.95, 1.05)
    t = np.arange(int(0.08 * RATE)) / RATE
    for k in range(int(n / period) + 1):
        start = int(k * period + rng.uniform(-0.01, 0.01) * RATE)
        freq = rng.uniform(70, 140)
        thud = np.sin(2 * np.pi * freq * t) * np.exp(-t / 0.02) * rng.uniform(0.7, 1.3)
        thud += 0.3 * rng.normal(size=len(t)) * np.exp(-t / 0.005)  # the shoe's scuff
        lo, hi = max(0, start), min(n, start + len(t))
        if lo < hi:
            out[lo:hi] += thud[lo - start:hi - start]
    breath = _shaped(rng, n, lambda f: ((f > 300) & (f < 4000)).astype(float))
    phase = np.arange(n) / RATE * 2.0 * np.pi * rng.uniform(0.9, 1.1)
    breath *= np.maximum(0, np.sin(phase)) ** 2
    return _unit(out) + 0.6 * _unit(breath)


def traffic(rng: np.random.Generator, n: int) -> np.ndarray:
    rumble = _shaped(rng, n, lambda f: 1 / np.maximum(f, 30.0) * (f < 250))
    hiss = _shaped(rng, n, lambda f: ((f > 250) & (f < 3000)) / np.maximum(f, 250) ** 0.5)
    return (_unit(rumble) + 0.3 * _unit(hiss)) * _envelope(rng, n, 0.3, 0.7)


def rain(rng: np.random.Generator, n: int) -> np.ndarray:
    drops = np.zeros(n)
    where = rng.integers(0, n, size=int(n / RATE * 400))
    drops[where] = rng.normal(size=len(where)) * rng.uniform(0.2, 1.0, size=len(where))
    kernel = np.exp(-np.arange(40) / 6.0)
    clicks = np.convolve(drops, kernel, mode="same")
    clicks = np.fft.irfft(np.fft.rfft(clicks) * (np.fft.rfftfreq(n, 1 / RATE) > 800), n)
    hiss = _shaped(rng, n, lambda f: (f > 500).astype(float))
    return _unit(clicks) + 0.5 * _unit(hiss)


def white(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.normal(size=n)


def pink(rng: np.random.Generator, n: int) -> np.ndarray:
    return _shaped(rng, n, lambda f: 1 / np.sqrt(np.maximum(f, 1.0)))


def noise(kind: str, n: int, seed: int,
          talk: Sequence[np.ndarray] = ()) -> np.ndarray:
    """`n` samples of unit-power noise of `kind`; "conversation" needs `talk` (int16 clips
    of sentences that are not commands, by voices other than the user's)."""
    rng = np.random.default_rng(seed)
    if kind == "conversation":
        if not talk:
            raise ValueError("conversation noise needs speech clips")
        x = np.zeros(n)
        pos = -int(rng.integers(0, RATE))
        while pos < n:  # one person after another, with short gaps, as people talk
            clip = talk[int(rng.integers(len(talk)))].astype(np.float64)
            lo, hi = max(0, pos), min(n, pos + len(clip))
            if lo < hi:
                x[lo:hi] += clip[lo - pos:hi - pos]
            pos += len(clip) + int(rng.uniform(0.1, 0.4) * RATE)
        return _unit(x)
    makers = {"wind": wind, "steps": steps, "traffic": traffic, "rain": rain,
              "white": white, "pink": pink}
    if kind not in makers:
        raise ValueError(f"unknown noise {kind!r} (known: {', '.join(KINDS)})")
    return _unit(makers[kind](rng, n))


def speech_power(samples: np.ndarray) -> float:
    """Mean power of the voiced samples (above ~-40 dBFS) of an int16 clip."""
    x = samples.astype(np.float64)
    voiced = x[np.abs(x) > 300]
    return float(np.mean(voiced**2)) if voiced.size else 1.0


def mix(samples: np.ndarray, kind: str, snr_db: float, seed: int,
        talk: Sequence[np.ndarray] = ()) -> np.ndarray:
    """`samples` (int16, 16 kHz) with `kind` noise at `snr_db` below the speech."""
    x = samples.astype(np.float64)
    n = noise(kind, len(x), seed, talk) * np.sqrt(speech_power(samples) / 10 ** (snr_db / 10))
    return np.clip(x + n, -32768, 32767).astype(np.int16)


def noise_only(kind: str, seconds: float, level: float, seed: int,
               talk: Sequence[np.ndarray] = ()) -> np.ndarray:
    """A clip of `kind` noise alone, RMS `level` in sample units."""
    x = noise(kind, int(seconds * RATE), seed, talk) * level
    return np.clip(x, -32768, 32767).astype(np.int16)


def narrowband(samples: np.ndarray) -> np.ndarray:
    """`samples` as an 8 kHz headset microphone sends them, brought back to 16 kHz."""
    low = soxr.resample(samples.astype(np.float32), RATE, 8000)
    back = soxr.resample(low, 8000, RATE)
    return np.clip(np.round(back), -32768, 32767).astype(np.int16)[:len(samples)]


def in_condition(samples: np.ndarray, condition: str, seed: int) -> np.ndarray:
    """`samples` as heard in a probe's `condition`: "clean", "8k" (`narrowband`) or a noise
    at an SNR, "kind:snr" ("steps:10", `mix` with `seed`)."""
    if condition == "8k":
        return narrowband(samples)
    if condition == "clean":
        return samples
    kind, snr = condition.split(":")
    return mix(samples, kind, float(snr), seed=seed)
