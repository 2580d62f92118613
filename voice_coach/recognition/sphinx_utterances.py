"""Where utterances start and end: PocketSphinx's voice-activity endpointer, with a noise
floor under digital silence and a cap on an utterance's length."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..audio.clip import RATE

NOISE_FLOOR = 30.0
"""PocketSphinx's features break down on exact digital silence (synthesized speech, muted
microphones): noise at about -60 dBFS, far below any real microphone's, fixes that."""
MAX_UTTERANCE_SECONDS = 5.0
"""An utterance still going after this long is decoded as it is, and a new one starts:
noise loud enough to hold the endpointer open must not grow one without bound (memory,
and a decode that takes as long). The longest command takes about 2.5 s to say."""

STARTED = "started"
"""Given by `Utterances.accept` where an utterance starts (ended ones are their bytes)."""


ENDPOINT_WINDOW = 0.3
"""Seconds of mostly non-speech (90% of frames) that end an utterance (PocketSphinx's
default). 0.21 s answers ~90 ms sooner at the same accuracy, but cut unrelated speech into
more pieces that pass for commands (docs/recognition-experiments.md)."""


def _new_endpointer(window: float) -> Any:
    import pocketsphinx

    return pocketsphinx.Endpointer(window=window)


class Utterances:
    """Cuts a stream of 16 kHz int16 audio into utterances."""

    def __init__(self, window: float = ENDPOINT_WINDOW) -> None:
        self.window = window
        self._endpointer = _new_endpointer(window)
        self.frame_bytes: int = self._endpointer.frame_bytes
        self._pending = b""
        self._speech: list[bytes] = []
        self._in_utt = False
        self._rng = np.random.default_rng(0)

    def floor(self, frame: bytes) -> bytes:
        """`frame` with the noise floor added."""
        x = np.frombuffer(frame, dtype=np.int16).astype(np.float64)
        x += self._rng.normal(0.0, NOISE_FLOOR, len(x))
        # Truncated, not rounded (to_int16): the rejection model was calibrated on this.
        return np.clip(x, -32768, 32767).astype(np.int16).tobytes()

    def silence(self, frames: int) -> bytes:
        """`frames` frames of the noise floor alone."""
        return self.floor(bytes(self.frame_bytes * frames))

    def accept(self, chunk: bytes) -> Iterator[str | bytes]:
        """STARTED where an utterance starts, and each utterance that ended, in order; lazily,
        so that an ended utterance is decoded before the frames after it are cut (they
        share the noise floor's random numbers: results do not depend on chunk sizes)."""
        self._pending += chunk
        while len(self._pending) >= self.frame_bytes:
            frame = self._pending[:self.frame_bytes]
            self._pending = self._pending[self.frame_bytes:]
            speech = self._endpointer.process(self.floor(frame))
            if speech is not None:
                if not self._in_utt:
                    self._in_utt = True
                    yield STARTED
                self._speech.append(speech)
            if self._in_utt and (not self._endpointer.in_speech or self._too_long()):
                yield self._take()

    def finish(self) -> bytes | None:
        """The stream ended: the utterance it was in, if any. Call `restart` before the
        next stream."""
        tail, self._pending = self._pending, b""
        if self._endpointer.in_speech:
            # end_stream needs at least one sample; pad an empty tail with a silent frame.
            speech = self._endpointer.end_stream(self.floor(tail or bytes(self.frame_bytes)))
            if speech:
                self._in_utt = True
                self._speech.append(speech)
        return self._take() if self._in_utt else None

    def restart(self) -> None:
        """A new endpointer (end_stream leaves it unusable) and noise floor, so each stream
        is cut and decoded the same way whatever came before it."""
        self._endpointer = _new_endpointer(self.window)
        self._rng = np.random.default_rng(0)

    def _too_long(self) -> bool:
        return sum(map(len, self._speech)) >= MAX_UTTERANCE_SECONDS * 2 * RATE

    def _take(self) -> bytes:
        speech = b"".join(self._speech)
        self._speech.clear()
        self._in_utt = False
        return speech
