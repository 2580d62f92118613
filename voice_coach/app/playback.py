"""The coach's speech as the runner sees it: how long each utterance takes, and playing it."""

from __future__ import annotations

import logging
from typing import Protocol

import numpy as np

from ..audio.clip import AudioClip, to_int16
from ..dialogue import Content, Say
from ..speech import SpeechError, Synthesizer

log = logging.getLogger(__name__)

GAP_SECONDS = 0.25
"""Silence after each sentence, so sentences do not run into each other."""
WORDS_PER_SECOND = 2.7
"""Speaking speed assumed when no speech is rendered (espeak-ng's default is ~175 wpm)."""
COUNT_SECONDS = 0.6
"""Assumed length of a spoken count number when no speech is rendered."""


class AudioOut(Protocol):
    """Where rendered speech goes: a speaker, or a recorded timeline."""

    def play(self, clip: AudioClip) -> None: ...

    def stop(self) -> None: ...


def soft_tone(rate: int = 22050, hz: float = 880.0, seconds: float = 0.08,
              level: float = 0.12) -> AudioClip:
    """A short, soft beep (faded in and out, so it does not click): "I heard you"."""
    t = np.arange(round(seconds * rate)) / rate
    fade = np.minimum(1.0, np.minimum(t, seconds - t) / 0.015)
    return AudioClip(to_int16(32767 * level * fade * np.sin(2 * np.pi * hz * t)), rate)


TONE = soft_tone()


def texts_to_prerender(content: Content) -> list[str]:
    """Everything the coach may say that is known in advance, most urgent first: the first
    instruction, then the steps, info and fixed messages, then the count's numbers."""
    steps = list(content.steps.values())
    start = content.steps[content.start]
    texts = [start.say, *(m for m in content.messages.values() if "{" not in m)]
    texts += [t for step in steps for t in (step.say, step.prompt)]
    texts += list(content.info.values())
    settings = content.settings
    texts.append(content.message("hold_start", seconds=settings.hold_seconds))
    texts += [str(n) for n in range(1, settings.hold_max_seconds + 1)]
    texts += [content.message("count_to_go", seconds=n)
              for n in range(1, settings.hold_max_seconds // 2 + 1)]
    return list(dict.fromkeys(texts))


def estimate_seconds(say: Say) -> float:
    if say.kind == "count":
        return COUNT_SECONDS
    return len(say.text.split()) / WORDS_PER_SECOND + GAP_SECONDS


class Playback:
    """Renders each utterance with `synth` (if any) and sends it to `out` (if any).

    Without a synthesizer, lengths are estimated from the word count (simulate's default).
    If synthesis fails mid-session the text is still printed and the session goes on:
    the voice falls back to estimated lengths and reports the failure once.
    """

    def __init__(self, synth: Synthesizer | None = None, out: AudioOut | None = None) -> None:
        self.synth = synth
        self.out = out
        self.failed: str | None = None
        """The first synthesis error, if any (speech then continues as text only)."""
        self._cue = False

    def cue(self) -> None:
        """Play TONE before the next utterance: a command was heard and is acted on."""
        self._cue = self.out is not None

    def tone(self) -> None:
        """Play TONE on its own, now (the coach is silent): something was heard, not surely
        enough to act on; say it again."""
        if self.out is not None:
            self.out.play(TONE)

    def _clip(self, say: Say) -> AudioClip | None:
        if self.synth is None or self.failed:
            return None
        try:
            return self.synth.render(say.text)
        except SpeechError as err:
            self.failed = str(err)
            log.error("speech failed, continuing with text only: %s", err)
            return None

    def duration(self, say: Say) -> float:
        tone = TONE.seconds if self._cue else 0.0
        clip = self._clip(say)
        if clip is None:
            return tone + estimate_seconds(say)
        gap = 0.0 if say.kind == "count" else GAP_SECONDS
        return tone + clip.seconds + gap

    def start(self, say: Say) -> None:
        if self.out is None:
            return
        if self._cue:
            self._cue = False
            self.out.play(TONE)
        clip = self._clip(say)
        if clip is not None:
            self.out.play(clip)

    def stop(self) -> None:
        if self.out is not None:
            self.out.stop()
