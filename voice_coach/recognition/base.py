"""The recognizer interface: 16 kHz mono int16 chunks in, partial and final results out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..audio.clip import RATE, AudioClip


class ModelError(Exception):
    """A recognition model is missing or broken; str() says which file and what to do."""


@dataclass(frozen=True)
class Result:
    """What was heard. `final` marks the end of an utterance; `confidence` is 0..1."""

    text: str
    confidence: float
    final: bool


class Recognizer(Protocol):
    """A streaming recognizer for one audio stream at a time."""

    name: str
    """Engine name as shown to users: "vosk" or "pocketsphinx"."""

    def accept(self, chunk: bytes) -> list[Result]:
        """Feed 16-bit mono samples at RATE; returns partials and, at an utterance's end
        (detected by the engine), its final result."""
        ...

    def finish(self) -> Result | None:
        """End of stream: the final result of any utterance still open."""
        ...

    def new_speaker(self) -> None:
        """Someone else speaks from now on: forget any adaptation to the last voice."""
        ...

    def learn(self, text: str) -> None:
        """The last utterance was the command `text`, and it was acted on: an engine that
        adapts to the speaker may learn from it. Call it before the next utterance ends."""
        ...


PAD_SECONDS = 0.5
"""Silence put around audio from a file or a synthesizer before it is recognised: a clip
cut tight around the words leaves the endpointer no silence to end the utterance in."""


def recognize_stream(recognizer: Recognizer, blocks: Iterable[np.ndarray],
                     pad_seconds: float = PAD_SECONDS, chunk_seconds: float = 0.1,
                     ) -> Result:
    """Run blocks of 16 kHz int16 audio through `recognizer`, with `pad_seconds` of silence
    before and after; the most confident non-empty final wins (an empty final when nothing
    was heard). Memory does not grow with the length of the audio."""
    step = max(1, round(chunk_seconds * RATE))
    n_pad = round(pad_seconds * RATE)
    best: Result | None = None
    edge = None  # the padding holds the audio's edge value: a DC offset makes no click

    def feed(block: np.ndarray) -> None:
        nonlocal best
        for start in range(0, len(block), step):
            chunk = block[start:start + step].astype("<i2").tobytes()
            for r in recognizer.accept(chunk):
                if r.final and r.text and (best is None or r.confidence > best.confidence):
                    best = r

    for block in blocks:
        if not len(block):
            continue
        if edge is None:
            feed(np.full(n_pad, block[0], dtype=np.int16))
        feed(block)
        edge = block[-1]
    feed(np.full(n_pad, 0 if edge is None else edge, dtype=np.int16))
    last = recognizer.finish()
    if last is not None and last.text and (best is None or last.confidence > best.confidence):
        best = last
    return best or Result(text="", confidence=0.0, final=True)


def recognize_clip(recognizer: Recognizer, clip: AudioClip, pad_seconds: float = 0.0,
                   ) -> Result:
    """`recognize_stream` on one clip (resampled to RATE if need be)."""
    if clip.rate != RATE:
        clip = clip.resampled(RATE)
    return recognize_stream(recognizer, [clip.samples], pad_seconds)
