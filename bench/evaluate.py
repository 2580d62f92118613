"""Test material for recognition: voices, labelled sentences, noise at a set SNR.

Used by the tests and the benches; speech comes from espeak-ng at run time
(`voice_coach.speech.synthesize`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import yaml

from bench.noises import speech_power
from voice_coach.audio.clip import RATE, AudioClip
from voice_coach.intents import Heard

CALIBRATION_VOICES = (("en-us", 160), ("en", 175), ("en-us+f3", 150), ("en-us-nyc", 165))
"""(espeak-ng voice, words per minute) that bench/calibrate.py fits the rejection model on."""
HELD_OUT_VOICES = (("en-gb-x-rp", 140), ("en-us+m3", 170))
"""Voices calibration never hears: the tests and bench/recognition.py measure on these."""
VOICES = CALIBRATION_VOICES + HELD_OUT_VOICES

OUT_OF_DOMAIN = [
    "what is the weather like today", "will it rain this afternoon", "play some music",
    "play my running playlist", "skip this song", "turn the volume up", "call my mother",
    "send a text to john", "answer the phone", "who is calling me", "how far have I run",
    "what is my pace", "start a new workout", "how many calories did I burn",
    "set an alarm for six", "what time is it", "tell me a joke", "navigate to the park",
    "nice day for a run", "I think I left my keys at home", "the traffic is terrible today",
    "good morning how are you", "did you see the game last night", "let's meet at the cafe",
    "my shoes are too tight", "order a pizza", "read my messages", "open the camera",
    "how old is the moon", "translate hello into french", "the bus is late again",
    "buy milk on the way home",
]


class Command(NamedTuple):
    """A sentence test: what is said and what it means."""

    text: str
    intent: str
    slots: dict[str, Any] | None = None
    """The slot values it carries (the hold's length), or None where the test gives none."""

    def understood(self, heard: Heard) -> bool:
        """`heard` means this command: its intent, and its slot values where the test gives
        them (a hold of another length is not understood)."""
        return heard.intent == self.intent and (self.slots is None
                                                or heard.slots == self.slots)


def labelled_sentences(folder: Path) -> tuple[list[Command], list[str]]:
    """The commands of the sentence tests in `folder`, and the out-of-domain sentences: its
    no-match ones plus OUT_OF_DOMAIN. Sentences with digits are left out (spoken forms
    differ)."""
    positive: list[Command] = []
    negative: set[str] = set(OUT_OF_DOMAIN)
    for f in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
        for test in data.get("tests", []):
            positive += [Command(s, test["intent"], test.get("slots"))
                         for s in test["sentences"] if not any(ch.isdigit() for ch in s)]
        negative.update(data.get("no_match", []))
    return positive, sorted(negative)


def noise(kind: str, n: int, rng: np.random.Generator,
          babble: Callable[[], AudioClip] | None = None) -> np.ndarray:
    """Unit-power noise: "white", "pink" (1/f), or "babble" (overlapping speech)."""
    if kind == "white":
        x = rng.normal(size=n)
    elif kind == "pink":
        spectrum = np.fft.rfft(rng.normal(size=n))
        f = np.arange(len(spectrum), dtype=np.float64)
        f[0] = 1.0
        x = np.fft.irfft(spectrum / np.sqrt(f), n)
    elif kind == "babble":
        if babble is None:
            raise ValueError("babble noise needs speech clips")
        x = np.zeros(n)
        for _ in range(4):
            talk = babble().samples.astype(np.float64)
            talk = np.resize(talk, n)
            x += np.roll(talk, int(rng.integers(0, n)))
    else:
        raise ValueError(f"unknown noise {kind!r}")
    return x / (np.sqrt(np.mean(x**2)) or 1.0)


def add_noise(clip: AudioClip, kind: str, snr_db: float, seed: int = 0,
              babble: Callable[[], AudioClip] | None = None) -> AudioClip:
    """`clip` plus noise at `snr_db` relative to the speech's power (silence excluded)."""
    rng = np.random.default_rng(seed)
    x = clip.samples.astype(np.float64)
    power = speech_power(clip.samples)
    n = noise(kind, len(x), rng, babble) * np.sqrt(power / 10 ** (snr_db / 10))
    return AudioClip(np.clip(x + n, -32768, 32767).astype(np.int16), clip.rate)


CONDITIONS: tuple[tuple[str, str | None, float | None], ...] = (
    ("clean", None, None),
    *((f"{kind} {snr} dB", kind, float(snr)) for kind in ("white", "pink", "babble")
      for snr in (10, 5)))
"""(name, noise kind or None, SNR in dB or None) the recognition figures are measured in."""


class Conditions:
    """Puts a clip into one of CONDITIONS. Babble is other speakers: `talk` clips (other
    sentences) mixed at random offsets."""

    def __init__(self, talk: Sequence[AudioClip], seed: int = 1) -> None:
        if not talk:
            raise ValueError("babble needs some speech")
        self._talk = list(talk)
        self._rng = np.random.default_rng(seed)

    def babble(self) -> AudioClip:
        return self._talk[int(self._rng.integers(len(self._talk)))]

    def apply(self, clip: AudioClip, kind: str | None, snr: float | None, seed: int
              ) -> AudioClip:
        if kind is None or snr is None:
            return clip
        return add_noise(clip, kind, snr, seed=seed, babble=self.babble)

    def noise_only(self) -> list[AudioClip]:
        """2 s of silence, and of white, pink and babble noise with no speech (4 of each)."""
        return [AudioClip.silence(2.0, rate=RATE), *self.noise_clips(12, (3000.0,))]

    def noise_clips(self, count: int, levels: Sequence[float], first_seed: int = 0,
                    seconds: float = 2.0) -> list[AudioClip]:
        """`count` clips of noise alone, white, pink and babble in turn, each level of
        `levels` (RMS, in sample units) for three clips in turn."""
        kinds = ("white", "pink", "babble")
        n = int(seconds * RATE)
        clips = []
        for i in range(count):
            x = noise(kinds[i % 3], n, np.random.default_rng(first_seed + i), self.babble)
            x = x * levels[i // 3 % len(levels)]
            clips.append(AudioClip(np.clip(x, -32768, 32767).astype(np.int16), RATE))
        return clips
