"""Telling a real command from speech that only sounds like one, for PocketSphinx.

A grammar decoder always finds its nearest phrase. Each utterance is therefore also
decoded with a free phone loop, which can match any speech, and these measures compare
them, or check the grammar's path against the audio:

- `margin`: per-frame log ratio of the grammar path's score to the phone loop's. Speech
  that is one of the phrases fits the grammar almost as well as the loop.
- `word_margin`: the same for the phrase's worst-fitting word ("what is my pace" heard as
  "what do I carry": "carry" fits badly even where the rest fits).
- `distance`: edit distance between the loop's phones and the phrase's dictionary phones,
  per phone of the phrase.
- `unexplained`: the share of the utterance's loud frames that the grammar's path gives
  to silence or noise instead of a word: "skip this song" decoded as "skip this" leaves
  "song" unexplained.
- `unsupported`: the share of the frames inside the phrase's words that are quiet: words
  laid over silence or faint background.

A logistic model over these, the phrase's length and their pairwise products gives a
score; below a threshold the utterance is rejected. Weights and threshold are fitted on
synthesized speech by bench/calibrate.py and stored in data/recognition/pocketsphinx.yaml.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

import numpy as np
import yaml

CALIBRATION = Path(__file__).resolve().parent.parent / "data" / "recognition" / "pocketsphinx.yaml"
NOT_PHONES = frozenset({"SIL", "+NSN+", "+SPN+", "+BREATH+", "+COUGH+", "+UM+", "+UH+",
                        "+SMACK+"})


def margin(grammar_score: float, loop_score: float, frames: int) -> float:
    """Per-frame log ratio of the grammar's and the phone loop's path scores (x 1e4).

    PocketSphinx's Python API hands out scores already exponentiated; their log ratio is
    what the decoder compared. A loop score of 0 (underflow) means the grammar won outright.
    """
    if grammar_score <= 0.0:
        return -100.0
    if loop_score <= 0.0:
        return 100.0
    return float(np.clip(np.log(grammar_score / loop_score) / max(1, frames) * 1e4,
                         -100.0, 100.0))


def phone_distance(loop: str, expected: Sequence[str]) -> float:
    """Edit distance from the loop's phones to `expected`, per expected phone."""
    heard = [p for p in loop.split() if p not in NOT_PHONES]
    row = list(range(len(expected) + 1))
    for i, a in enumerate(heard, start=1):
        diagonal, row[0] = row[0], i
        for j, b in enumerate(expected, start=1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (a != b))
    return row[len(expected)] / max(1, len(expected))


FRAME = 160
"""Samples per decoder frame (10 ms at 16 kHz)."""
LOUD_DB = 20.0
"""Frames within this many dB of the utterance's loudest count as loud ..."""
ABOVE_NOISE_DB = 10.0
"""... if they are also this far above its background (its quietest tenth of frames)."""


class Segment(NamedTuple):
    """One word (or phone) of a decoder's best path."""

    word: str
    start: int
    end: int
    """First and last frame."""
    log_score: float
    """Acoustic log-likelihood."""

    @property
    def is_word(self) -> bool:
        """False for silence and noise ("<sil>", "<s>", "</s>", "[NOISE]", "+NSN+" ...)."""
        return not (self.word.startswith(("<", "[", "+", "(")) or self.word in NOT_PHONES)


def frame_energy(audio: bytes) -> np.ndarray:
    """Energy in dB of each whole frame of `audio` (16 kHz int16)."""
    x = np.frombuffer(audio, dtype=np.int16).astype(np.float64)
    n = len(x) // FRAME
    # Variance, not mean square: a DC offset must not make silence loud.
    return 10 * np.log10(np.var(x[:n * FRAME].reshape(n, FRAME), axis=1) + 1.0)


def coverage(audio: bytes, words: Sequence[Segment]) -> tuple[float, float]:
    """(unexplained, unsupported) of `audio` (16 kHz int16, the utterance as the endpointer
    cut it, with some background before and after) against the path's `words`: the share
    of loud frames in no word, and the share of word frames that are quiet (words laid over
    silence or faint background: the coach's voice leaking in after "stop", decoded as
    "start the count")."""
    energy = frame_energy(audio)
    n = len(energy)
    if n == 0:
        return 0.0, 0.0
    loud = energy > max(energy.max() - LOUD_DB,
                        float(np.percentile(energy, 10)) + ABOVE_NOISE_DB)
    spoken = np.zeros(n, dtype=bool)
    for seg in words:
        if seg.is_word:
            spoken[max(0, seg.start):min(n, seg.end + 1)] = True
    return (float(np.sum(loud & ~spoken) / max(1, np.sum(loud))),
            float(np.sum(spoken & ~loud) / max(1, np.sum(spoken))))


def word_margin(words: Sequence[Segment], loop: Sequence[Segment]) -> float:
    """The lowest per-frame log ratio (x 1e4, as `margin`) of a word's score to the phone
    loop's over the same frames: one word that does not fit ("what is my pace" heard as
    "what do I carry") shows here even when the rest of the phrase fits well."""
    lowest = 100.0
    for seg in words:
        if not seg.is_word or seg.end < seg.start:
            continue
        frames = seg.end - seg.start + 1
        rival = 0.0
        for other in loop:
            overlap = min(seg.end, other.end) - max(seg.start, other.start) + 1
            if overlap > 0:
                rival += other.log_score * overlap / (other.end - other.start + 1)
        lowest = min(lowest, (seg.log_score - rival) / frames * 1e4)
    return float(np.clip(lowest, -100.0, 100.0))


@dataclass(frozen=True)
class Features:
    margin: float
    distance: float
    phones: int
    unexplained: float = 0.0
    word_margin: float = 0.0
    unsupported: float = 0.0

    DESCRIPTION: ClassVar[str] = ("1, margin/10, phone distance, phones/10, unexplained, "
                                  "word margin/20, unsupported (recognition/rejection.py)")

    def vector(self) -> np.ndarray:
        return np.array([1.0, np.clip(self.margin, -20, 20) / 10, min(self.distance, 2.0),
                         self.phones / 10, self.unexplained,
                         np.clip(self.word_margin, -100, 100) / 20, self.unsupported])


def terms(vector: np.ndarray) -> np.ndarray:
    """The model's inputs: the features (constant first) and every product of two of them,
    so that one measure can count for more or less depending on another (a poor margin
    matters less for a long phrase than for one word)."""
    base = vector[1:]
    i, j = np.triu_indices(len(base))
    return np.concatenate([vector, base[i] * base[j]])


@dataclass(frozen=True)
class RejectionModel:
    """Logistic regression over `terms`, each standardised by `mean` and `scale`."""

    weights: tuple[float, ...]
    threshold: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]

    INPUTS: ClassVar[str] = Features.DESCRIPTION + ", and every product of two of them"

    def inputs(self, features: Features) -> np.ndarray:
        """`terms`, standardised (the constant stays 1)."""
        t = terms(features.vector())
        return np.concatenate([t[:1], (t[1:] - np.array(self.mean)) / np.array(self.scale)])

    def score(self, features: Features) -> float:
        return float(self.inputs(features) @ np.array(self.weights))

    def accepts(self, features: Features) -> bool:
        return self.score(features) >= self.threshold

    def confidence(self, features: Features) -> float:
        """0..1, 0.5 at the threshold (`confidence_at` of the score above it)."""
        return confidence_at(self.score(features) - self.threshold)


def confidence_at(margin: float) -> float:
    """The confidence of a score `margin` above the threshold: 0..1, 0.5 at 0."""
    return float(1.0 / (1.0 + np.exp(-margin)))


def read_calibration(path: Path = CALIBRATION) -> dict[str, Any]:
    """What bench/calibrate.py wrote to `path` ({} if it is missing or unreadable)."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
    except (OSError, yaml.YAMLError):
        return {}
    return doc if isinstance(doc, dict) else {}


def load(doc: dict[str, Any]) -> RejectionModel | None:
    """The model in a calibration (`read_calibration`), or None (no rejection) if there is
    none or it is unusable."""
    try:
        model = RejectionModel(tuple(float(w) for w in doc["weights"]), float(doc["threshold"]),
                               tuple(float(m) for m in doc["mean"]),
                               tuple(float(s) for s in doc["scale"]))
    except (KeyError, TypeError, ValueError):
        return None
    inputs = len(terms(Features(0.0, 0.0, 0).vector()))
    if not len(model.weights) == inputs == len(model.mean) + 1 == len(model.scale) + 1:
        return None  # written for other features: recalibrate
    return model
