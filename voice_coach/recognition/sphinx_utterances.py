"""Where utterances start and end: PocketSphinx's voice-activity endpointer, with a noise
floor under digital silence, a cap on an utterance's length, and the pauses at which an
utterance may already be over.

The endpointer declares an utterance over ~450 ms after the last loud sound: its voice
detector holds on ~180 ms, then 0.3 s of mostly non-speech must follow. A runner in pain
will not wait that long for "stop" to take effect, so where the speech in an utterance
falls back to the background level for `PAUSE_FRAMES` frames, the utterance so far is
offered (`Pause`) to be decoded at once; the recognizer takes it only if it is a command
beyond doubt (`answered`). The endpointer's end then adds nothing unless the user went on
talking: what they said after the pause is an utterance of its own. Only speech makes a
pause: the level must have stood well above the background (CLEAR_DB) and Silero VAD must
have heard speech (MIN_SPEECH_CHUNKS); it runs only while an utterance is open.

Also here: whether an utterance was spoken in quiet (`is_clean`), and the part of one that
is the nearest voice, without someone talking faintly around it (`nearest_voice`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np

from ..audio.clip import CLIPPED_SHARE, RATE, count_clipped, mean_square
from ..audio.vad import SpeechDetector
from .rejection import FRAME, frame_energy

NOISE_FLOOR = 30.0
"""PocketSphinx's features break down on exact digital silence (synthesized speech, muted
microphones): noise at about -60 dBFS, far below any real microphone's, fixes that."""
MAX_UTTERANCE_SECONDS = 5.0
"""An utterance still going after this long is decoded as it is, and a new one starts:
noise loud enough to hold the endpointer open must not grow one without bound (memory,
and a decode that takes as long). The longest command takes about 2.5 s to say."""

STARTED = "started"
"""Given by `Utterances.accept` where an utterance starts (ended ones are their bytes)."""
PAUSED = "paused"
"""Given where the speech of the last `Pause` has not come back for PAUSE_FRAMES frames."""

ENDPOINT_WINDOW = 0.3
"""Seconds of mostly non-speech (90% of frames) that end an utterance (PocketSphinx's
default). 0.21 s answers ~90 ms sooner at the same accuracy, but cut unrelated speech into
more pieces that pass for commands (docs/recognition-experiments.md)."""

PAUSE_FRAMES = 2
"""Frames (30 ms each) back at the background level after speech that make a pause. Inside
a command espeak-ng's voices never have more than one (every phrase of up to three words,
two calibration voices); people's stop consonants close for 50-100 ms. The utterance is
offered at the first such frame (`Pause`), so that it is decoded by the time the pause is
confirmed (PAUSED)."""
LOUD_DB = 20.0
"""A frame this far above the background holds speech."""
QUIET_DB = 10.0
"""A frame less than this above the background holds none."""
CLEAR_DB = 30.0
"""Pauses are offered only when the speech stood this far above the background: in noise
a pause cannot be told from a soft sound, and the endpointer decides alone."""
MIN_SPEECH_CHUNKS = 3
"""Pauses are offered only after this many 32 ms chunks that Silero VAD takes for speech
(audio/vad.py): footsteps and breathing, loud over a quiet background, passed for short
commands ("done", "back") at the pauses between them. An utterance with fewer is not
speech at all (`speech_heard`): the same noises, denoised, passed for "done" and "back"
as whole utterances too."""
NEARBY_DB = 10.0
"""An utterance's start and end whose level stays this far under its loudest are someone
else's (`nearest_voice`). Chosen on the calibration voices with a partner talking 20 dB
under them: 10 dB understood 47% of commands, 15 dB 32%, none 11%
(docs/recognition-experiments.md)."""
_SMOOTH_FRAMES = 15
"""10 ms frames the level is averaged over in `nearest_voice` (a syllable or so)."""
_KEEP_FRAMES = 10
"""10 ms frames kept either side of what `nearest_voice` finds: soft consonants at the
command's edges."""
QUIET_SPREAD_DB = 30.0
"""An utterance whose loud frames are this far above its quiet ones was spoken in quiet."""
_BACKGROUND_FRAMES = 10
"""Frames before an utterance's onset whose median level is its background."""
_PREROLL_FRAMES = 3
"""Frames kept before speech that resumes after an answered pause."""
_FLOOR_LEVEL = float(10 * np.log10(NOISE_FLOOR**2 + 1.0))
"""The level of the noise floor alone (the background when nothing came before)."""


def is_clean(audio: bytes) -> bool:
    """Spoken in quiet (see QUIET_SPREAD_DB) and not clipped."""
    energy = frame_energy(audio)
    if len(energy) == 0:
        return False
    samples = np.frombuffer(audio, dtype=np.int16)
    return (float(np.percentile(energy, 90) - np.percentile(energy, 10)) >= QUIET_SPREAD_DB
            and count_clipped(samples) / len(samples) <= CLIPPED_SHARE)


def levels(speech: bytes, smooth: int = _SMOOTH_FRAMES) -> np.ndarray:
    """The level in dB of each 10 ms frame of `speech` (16 kHz int16; `frame_energy`),
    averaged over `smooth` frames around it."""
    power = 10 ** (frame_energy(speech) / 10)
    return 10 * np.log10(np.convolve(power, np.ones(smooth) / smooth, mode="same"))


def nearest_voice(speech: bytes, within_db: float = NEARBY_DB) -> bytes | None:
    """`speech` from the first to the last 10 ms where its level comes within `within_db`
    of its loudest (and _KEEP_FRAMES more either side); None if that leaves it whole.

    The runner's mouth is a few centimetres from the microphone, a partner talking a metre
    away is some 20 dB fainter, but just as much speech: the endpointer holds an utterance
    open through their words around the runner's command, and the grammar then fits a
    longer phrase over both, which is turned down. Without the faint start and end, the
    command is what is left."""
    frame_bytes = 2 * FRAME
    level = levels(speech)
    if len(level) < 2 * _SMOOTH_FRAMES:
        return None
    near = np.flatnonzero(level >= level.max() - within_db)
    start = max(0, int(near[0]) - _KEEP_FRAMES)
    end = min(len(level), int(near[-1]) + 1 + _KEEP_FRAMES)
    if start == 0 and end == len(level):
        return None
    return speech[start * frame_bytes:end * frame_bytes]


class Pause(NamedTuple):
    """The utterance so far, where its speech stopped: if PAUSED follows before anything
    else, it may be over."""

    audio: bytes


def _level(frame: bytes) -> float:
    """Frame power in dB above one int16 step squared."""
    return float(10 * np.log10(mean_square(frame) + 1.0))


def _new_endpointer(window: float) -> Any:
    import pocketsphinx

    return pocketsphinx.Endpointer(window=window)


class Utterances:
    """Cuts a stream of 16 kHz int16 audio into utterances (see the module's notes)."""

    def __init__(self, window: float = ENDPOINT_WINDOW) -> None:
        self.window = window
        self._endpointer = _new_endpointer(window)
        self.frame_bytes: int = self._endpointer.frame_bytes
        self._pending = b""
        self._speech: list[bytes] = []
        self._in_utt = False
        self._rng = np.random.default_rng(0)
        # Frames fed (their number and level), for pauses; the endpointer hands frames on
        # ~10 frames late, so the pause logic keeps its own copy of the recent ones.
        self._n = 0
        self._recent: deque[tuple[int, bytes, float]] = deque(
            maxlen=int(MAX_UTTERANCE_SECONDS * RATE * 2 / self.frame_bytes) + 40)
        self._onset = 0
        """Frame number of the endpointer's first frame of this utterance."""
        self._from = 0
        """Frame number where the part not yet answered starts."""
        self._background = 0.0
        self._peak = float("-inf")
        self._last_loud: int | None = None
        self._offered: int | None = None
        """`_last_loud` when a pause was last offered (once per pause)."""
        self._answered = False
        self._seen = -1
        """The last frame number `_watch` has looked at."""
        self._speech_detector: SpeechDetector | None = None
        self.speech_heard = False
        """Whether Silero VAD heard speech (MIN_SPEECH_CHUNKS) in the part of the last
        utterance that `accept` or `finish` gave."""

    def floor(self, frame: bytes) -> bytes:
        """`frame` with the noise floor added."""
        x = np.frombuffer(frame, dtype=np.int16).astype(np.float64)
        x += self._rng.normal(0.0, NOISE_FLOOR, len(x))
        # Truncated, not rounded (to_int16): the rejection model was calibrated on this.
        return np.clip(x, -32768, 32767).astype(np.int16).tobytes()

    def silence(self, frames: int) -> bytes:
        """`frames` frames of the noise floor alone."""
        return self.floor(bytes(self.frame_bytes * frames))

    def accept(self, chunk: bytes) -> Iterator[str | bytes | Pause]:
        """STARTED where an utterance starts, `Pause` and PAUSED where it may be over
        (see PAUSE_FRAMES), and each
        utterance that ended, in order; lazily, so that each is decoded before the frames
        after it are cut (they share the noise floor's random numbers: results do not
        depend on chunk sizes), and `answered` is heard before the next frame."""
        self._pending += chunk
        while len(self._pending) >= self.frame_bytes:
            frame = self.floor(self._pending[:self.frame_bytes])
            self._pending = self._pending[self.frame_bytes:]
            self._recent.append((self._n, frame, _level(frame)))
            self._n += 1
            speech = self._endpointer.process(frame)
            if speech is not None:
                if not self._in_utt:
                    self._start(speech)
                    yield STARTED
                self._speech.append(speech)
            if self._in_utt:
                yield from self._watch()
                if not self._endpointer.in_speech or self._too_long():
                    rest = self._end()
                    if rest:
                        yield rest

    def answered(self) -> None:
        """The last `Pause` was taken for a command: what follows is not part of it."""
        self._answered = True
        self._from = self._n
        self._last_loud = None
        self._peak = float("-inf")
        self._detector().speech_chunks = 0

    def finish(self) -> bytes | None:
        """The stream ended: the utterance it was in, if any (its part after an answered
        pause). Call `restart` before the next stream."""
        tail, self._pending = self._pending, b""
        if self._endpointer.in_speech:
            # end_stream needs at least one sample; pad an empty tail with a silent frame.
            speech = self._endpointer.end_stream(self.floor(tail or bytes(self.frame_bytes)))
            if speech:
                if not self._in_utt:
                    self._start(speech)
                self._speech.append(speech)
        return (self._end() or None) if self._in_utt else None

    def restart(self) -> None:
        """A new endpointer (end_stream leaves it unusable) and noise floor, so each stream
        is cut and decoded the same way whatever came before it."""
        self._endpointer = _new_endpointer(self.window)
        self._rng = np.random.default_rng(0)
        self._recent.clear()
        self._n = 0

    def _start(self, first: bytes) -> None:
        self._in_utt = True
        # The endpointer's first frame is one of the recent ones: the onset.
        self._onset = next((n for n, f, _ in reversed(self._recent) if f == first),
                           self._n - 1)
        before = [lv for n, _, lv in self._recent if n < self._onset][-_BACKGROUND_FRAMES:]
        self._background = float(np.median(before)) if before else _FLOOR_LEVEL
        self._from = self._onset
        self._seen = self._onset - 1
        self._peak = float("-inf")
        self._last_loud = self._offered = None
        self._answered = False
        self._detector().reset()

    def _detector(self) -> SpeechDetector:
        if self._speech_detector is None:
            self._speech_detector = SpeechDetector()
        return self._speech_detector

    def _watch(self) -> Iterator[str | Pause]:
        """Follow the frames since the part not yet answered began: STARTED when speech
        resumes after an answered pause, a Pause where it stops."""
        detector = self._detector()
        new = min(len(self._recent), self._n - 1 - self._seen)
        for n, frame, level in (self._recent[i] for i in range(-new, 0)):
            self._seen = n
            detector.feed(frame)
            if level >= self._background + LOUD_DB:
                if self._answered and self._last_loud is None:
                    self._from = max(self._from, n - _PREROLL_FRAMES)
                    self._answered = False
                    yield STARTED
                self._last_loud = n
            self._peak = max(self._peak, level)
        last = self._last_loud
        if (last is None or self._answered or self._peak < self._background + CLEAR_DB
                or detector.speech_chunks < MIN_SPEECH_CHUNKS):
            return
        quiet = 0
        for n, _, level in reversed(self._recent):
            if n <= last or level >= self._background + QUIET_DB:
                break
            quiet += 1
        if quiet == 1 and self._offered != last:
            self._offered = last
            yield Pause(b"".join(f for n, f, _ in self._recent if n >= self._from))
        elif quiet == PAUSE_FRAMES and self._offered == last:
            yield PAUSED

    def _too_long(self) -> bool:
        return sum(map(len, self._speech)) >= MAX_UTTERANCE_SECONDS * 2 * RATE

    def _end(self) -> bytes:
        """The utterance ended: its part not yet answered (empty if none)."""
        speech = b"".join(self._speech)
        self._speech.clear()
        self._in_utt = False
        self.speech_heard = self._detector().speech_chunks >= MIN_SPEECH_CHUNKS
        answered, self._answered = self._answered, False
        return b"" if answered else speech[(self._from - self._onset) * self.frame_bytes:]
