"""The recognizer interface: 16 kHz mono int16 chunks in, partial and final results out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

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


def recognize_clip(recognizer: Recognizer, clip: AudioClip, chunk_seconds: float = 0.1,
                   ) -> Result:
    """Run a whole clip through `recognizer`; the most confident non-empty final wins
    (an empty final when nothing was heard)."""
    if clip.rate != RATE:
        clip = clip.resampled(RATE)
    finals = [r for chunk in clip.chunks(chunk_seconds) for r in recognizer.accept(chunk)
              if r.final]
    last = recognizer.finish()
    if last is not None:
        finals.append(last)
    heard = [r for r in finals if r.text]
    if not heard:
        return Result(text="", confidence=0.0, final=True)
    return max(heard, key=lambda r: r.confidence)
