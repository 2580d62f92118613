"""What the audio goes through before an engine hears it: noise suppression when it is noisy.

`Denoised` wraps any `Recognizer`, so the live coach, `recognize`, `simulate --audio` and
the demo all hear the same front end; `make_recognizer(..., denoise=False)` (the
`--no-denoise` option) leaves it out, to compare: noise suppression and the second
opinion both.

RNNoise (`audio.denoise`) runs only while the background is noisy: the level of the
quietest tenth of the last half second, with the signal's mean removed, above
NOISY_DB. Once on, it stays on until the background has been quiet for QUIET_HOLD_SECONDS:
footsteps, breathing and gusts of wind leave quiet gaps between them, and each switch
starts RNNoise afresh. In quiet the audio reaches the engine untouched, so what was tuned and
calibrated on quiet speech (PocketSphinx's rejection model, its cepstral-mean prior, the
echo gate) works as before, and idle listening costs no more CPU (RNNoise takes about 5% of
a core). The switch is made only between utterances, never inside one.

An utterance the engine turns down (empty text, though it heard speech) is put to
Whisper's second opinion (second_opinion.py), on the raw audio: RNNoise takes consonants
with the noise, and Whisper hears noisy speech better than denoised speech. Noise too
faint to turn RNNoise on (a gust of wind) can still cost the engine a command, so this is
done in any background. A phrase the engine did hear is checked by Whisper too where the
engine is least sure, in noise (RNNoise on) and from an 8 kHz headset: Whisper's phrase is
taken if it means something else, and the engine's turned down if Whisper hears other words
that fit far better (second_opinion.py says when). In quiet, full-band speech only the
phrases the engine is less sure of (CHECK_BELOW) are checked: unrelated speech forced onto
a phrase. Whisper is started on the raw audio as soon as the engine's utterance ends (the
engine's `speech_ended`, where it has one), so that it runs alongside the engine's decode
where a core is free, and its answer is ready sooner.

While it denoises, it also tells the engine whether the raw audio of the utterance under
way reached above 4.4 kHz (`wideband_input`): denoised, a wideband microphone's speech can
look like an 8 kHz headset's (recognition/narrowband.py).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Collection
from typing import Any

import numpy as np

from ..audio.clip import RATE
from ..audio.denoise import Denoiser
from .base import Recognizer, Result
from .narrowband import RAW_WIDEBAND_DB, band_levels
from .second_opinion import SURE_CONFIDENCE, Hearing, SecondOpinion, Verdict

log = logging.getLogger(__name__)

NOISY_DB = 45.0
"""Background level, in dB above one int16 step (about -45 dBFS), above which RNNoise is
used. A quiet room's microphone is far below it; traffic, wind or a crowd at 10 dB under
speech are far above it."""
_FRAME = RATE // 100  # 10 ms
_WINDOW = 50  # frames: the last half second
_QUIET_SHARE = 10  # percentile
_MIN_FRAMES = 5
"""Frames (50 ms) heard before the first decision: noise is usually there from the start."""
QUIET_HOLD_SECONDS = 3.0
"""How long the background must stay quiet before RNNoise is turned off again. Switching
at every quiet gap between footsteps or breaths left it off at the start of half the
commands said while running: with this hold, held-out commands with running steps and
breathing went from 47% to 79% at 10 dB SNR and from 37% to 74% at 5 dB, wind from 76% to
79% and 68% to 74% (bench/runner_world.py; docs/recognition-experiments.md)."""
_HOLD_FRAMES = int(QUIET_HOLD_SECONDS * RATE // _FRAME)
BEFORE_SECONDS = 1.0
"""Raw audio kept from before the engine says an utterance started (it says so some way
into the speech), for the second opinion."""
KEEP_SECONDS = 8.0
"""At most this much raw audio is kept for one utterance (the engine caps an utterance at
a few seconds)."""
CHECK_BELOW = SURE_CONFIDENCE
"""In quiet full-band speech, the engine's phrases less sure than this are checked by the
second opinion (unrelated speech forced onto a phrase scores under it; about one command
in eight does too). The same bar as the one from which, in noise, a phrase needs Whisper's
words to fit further better to be turned down."""
SECOND_CONFIDENCE = 0.5
"""The confidence of a phrase from the second opinion: taken, but not sure (a wake phrase
from it starts a session only when said twice, app/wake.py)."""


def percentile(values: Collection[float], q: float) -> float:
    """`np.percentile(values, q)` (linear interpolation), at a fortieth of its cost on the 50
    levels measured 50 times a second: numpy's takes ~0.2 ms a call, 1% of a core."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    i = int(k)
    j = min(i + 1, len(ordered) - 1)
    return ordered[i] + (ordered[j] - ordered[i]) * (k - i)


class Denoised:
    """`inner` hearing denoised audio whenever the background is noisy; everything else
    (learning, engine attributes) is `inner`'s."""

    def __init__(self, inner: Recognizer, second: SecondOpinion | None = None) -> None:
        self.inner = inner
        self.second = second
        """Whisper's second opinion, if installed."""
        self._raw = bytearray()
        """Raw audio of the utterance under way, a little before it and any utterance just
        turned down (the engine may have split the command in two)."""
        self._hearing: Hearing | None = None
        """Whisper's transcript of `_raw`, started where the engine's speech ended."""
        if hasattr(inner, "speech_ended"):  # a wrapper before this one is replaced
            inner.speech_ended = self._hear if second is not None else None
        self.name = inner.name
        self._denoiser: Denoiser | None = None
        self._levels: deque[float] = deque(maxlen=_WINDOW)
        self._pending = np.zeros(0, dtype=np.float64)
        self._in_utterance = False
        self._quiet_frames = 0
        """Frames measured since the background was last noisy."""
        self._raw_high = float("-inf")
        """The raw high band's loudest level since the last utterance ended."""
        self.denoising = False
        """Whether RNNoise is in use now."""

    def accept(self, chunk: bytes) -> list[Result]:
        noisy = self._noisy(self._measure(chunk))
        if not self._in_utterance:
            self._switch(noisy or (self.denoising and self._quiet_frames < _HOLD_FRAMES))
        if self._denoiser is not None:  # undenoised, the engine sees the band itself
            self._raw_high = max(self._raw_high,
                                 band_levels(np.frombuffer(chunk, dtype="<i2"))[1])
        if hasattr(self.inner, "wideband_input"):
            self.inner.wideband_input = self._raw_high > RAW_WIDEBAND_DB
        self._keep(chunk)
        if self._denoiser is not None:
            chunk = self._denoiser.process(chunk)
        results = self.inner.accept(chunk)
        for i, r in enumerate(results):
            self._in_utterance = not r.final
            if r.final:
                self._raw_high = float("-inf")
                results[i] = self._second_opinion(r)
        return results

    def finish(self) -> Result | None:
        finals = []
        if self._denoiser is not None:
            finals = [r for r in self.inner.accept(self._denoiser.flush()) if r.final]
        last = self.inner.finish()
        if last is not None:
            finals.append(last)
        finals = [self._second_opinion(r) for r in finals]
        self._raw.clear()
        self._hearing = None
        self._in_utterance = False
        self._levels.clear()
        self._pending = self._pending[:0]
        self._quiet_frames = 0
        self._raw_high = float("-inf")
        self._switch(False)
        heard = [r for r in finals if r.text]
        return heard[-1] if heard else (finals[-1] if finals else None)

    def new_speaker(self) -> None:
        self.inner.new_speaker()

    def learn(self, text: str) -> None:
        self.inner.learn(text)

    _OWN = frozenset({"inner", "name", "second", "_raw", "_hearing", "_denoiser", "_levels",
                      "_pending", "_in_utterance", "_quiet_frames", "_raw_high", "denoising"})
    """Attributes of the wrapper itself; reading any other one reads the engine's."""

    def __getattr__(self, name: str) -> Any:
        # Engine-specific attributes (missing_words, adapted, speaker...) are the engine's.
        if name in self._OWN:  # not set yet (half-built, or being copied)
            raise AttributeError(name)
        return getattr(self.inner, name)

    def _keep(self, chunk: bytes) -> None:
        """Adds `chunk` to the raw audio kept for the second opinion."""
        if self.second is None:
            return
        self._raw += chunk
        keep = int((KEEP_SECONDS if self._in_utterance else BEFORE_SECONDS) * RATE) * 2
        if len(self._raw) > keep:
            del self._raw[:len(self._raw) - keep]

    def _hear(self, phrase: str | None = None) -> None:
        """The engine's speech ended (where it will answer `phrase`, if it knows it):
        Whisper starts on the raw audio now."""
        if self.second is not None and self._raw:
            self._hearing = self.second.start(bytes(self._raw), phrase)

    def _second_opinion(self, result: Result) -> Result:
        """`result`, or, if the engine turned down an utterance with speech in it, the
        phrase Whisper hears in the raw audio (if any); for a phrase the engine heard, it,
        the one of another meaning Whisper hears instead, or nothing where Whisper turns
        it down."""
        hearing, self._hearing = self._hearing, None
        if result.text:
            verdict = Verdict(result.text)
            if self.second is not None and self._raw and self._unsure(result):
                verdict = self.second.check(result.text, bytes(self._raw), hearing,
                                            self._narrowband(), self.denoising,
                                            result.confidence)
            self._raw.clear()  # acted on or turned down: not to be heard again
            taken = verdict.phrase
            if taken == result.text:
                if verdict.doubted:
                    return Result(taken, min(result.confidence, SECOND_CONFIDENCE), final=True)
                return result
            return Result(taken or "", SECOND_CONFIDENCE if taken else 0.0, final=True)
        if (self.second is None or not self._raw
                or not getattr(self.inner, "heard_speech", True)):
            return result
        phrase = self.second.phrase(bytes(self._raw), hearing,
                                    getattr(self.inner, "turned_down", None))
        if not phrase:
            return result
        self._raw.clear()
        return Result(phrase, SECOND_CONFIDENCE, final=True)

    def _unsure(self, result: Result) -> bool:
        """Whether the engine's `result` is one to check: heard in noise, through an 8 kHz
        channel, less sure than CHECK_BELOW or of a meaning always checked (a wake
        phrase), unless the engine heard it in the nearest voice alone (Whisper would hear
        the partner talking around it, and turn it down)."""
        assert self.second is not None
        return (self.denoising or self._narrowband()
                or ((result.confidence < CHECK_BELOW or self.second.always_checks(result.text))
                    and not getattr(self.inner, "last_nearest", False)))

    def _narrowband(self) -> bool:
        """Whether the engine heard the last utterance through an 8 kHz channel."""
        return bool(getattr(self.inner, "last_narrowband", False))

    def _measure(self, chunk: bytes) -> int:
        """Adds the levels of `chunk`'s whole frames; returns how many there were."""
        x = np.frombuffer(chunk, dtype="<i2").astype(np.float64)
        if len(self._pending):
            x = np.concatenate([self._pending, x])
        whole = len(x) // _FRAME * _FRAME
        frames, self._pending = x[:whole].reshape(-1, _FRAME), x[whole:]
        if len(frames):
            # The power of each frame with its mean removed: E[x^2] - E[x]^2.
            mean = frames.sum(axis=1) / _FRAME
            ac = np.einsum("ij,ij->i", frames, frames) / _FRAME - mean * mean
            self._levels.extend((10 * np.log10(np.maximum(ac, 0.0) + 1.0)).tolist())
        return len(frames)

    def _noisy(self, new_frames: int) -> bool:
        """Whether the background of the last half second is noisy; counts the quiet."""
        if len(self._levels) < _MIN_FRAMES:
            return self.denoising
        noisy = percentile(self._levels, _QUIET_SHARE) >= NOISY_DB
        self._quiet_frames = 0 if noisy else self._quiet_frames + new_frames
        return noisy

    def _switch(self, on: bool) -> None:
        if on == self.denoising:
            return
        self.denoising = on
        self._denoiser = Denoiser() if on else None
        # What was denoised is not speech in quiet, whatever its levels look like now: an
        # engine that adapts to speech in quiet only (PocketSphinx) must not learn from it.
        if hasattr(self.inner, "noisy_input"):
            self.inner.noisy_input = on
        log.debug("noise suppression %s", "on: the background is noisy" if on else "off")
