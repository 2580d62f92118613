"""Telling a real command from speech that only sounds like one, for PocketSphinx.

A grammar decoder always finds its nearest phrase. Each utterance is therefore also
decoded with a free phone loop, which can match any speech, and two measures compare them:

- `margin`: per-frame log ratio of the grammar path's score to the phone loop's. Speech
  that is one of the phrases fits the grammar almost as well as the loop.
- `distance`: edit distance between the loop's phones and the phrase's dictionary phones,
  per phone of the phrase.

A logistic model over these (and the phrase's length) gives a score; below a threshold the
utterance is rejected. Weights and threshold are fitted on synthesized speech by
bench/calibrate.py and stored in data/recognition/pocketsphinx.yaml.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True)
class Features:
    margin: float
    distance: float
    phones: int

    def vector(self) -> np.ndarray:
        return np.array([1.0, np.clip(self.margin, -20, 20) / 10, min(self.distance, 2.0),
                         self.phones / 10])


@dataclass(frozen=True)
class RejectionModel:
    weights: tuple[float, ...]
    threshold: float

    def score(self, features: Features) -> float:
        return float(features.vector() @ np.array(self.weights))

    def accepts(self, features: Features) -> bool:
        return self.score(features) >= self.threshold

    def confidence(self, features: Features) -> float:
        """0..1, 0.5 at the threshold."""
        return float(1.0 / (1.0 + np.exp(-(self.score(features) - self.threshold))))


def fit(features: Sequence[Features], is_command: Sequence[bool], steps: int = 5000,
        ) -> tuple[float, ...]:
    """Logistic-regression weights (plain gradient descent: four numbers, a few hundred
    clips)."""
    x = np.array([f.vector() for f in features])
    y = np.array(is_command, dtype=np.float64)
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        w -= 0.5 * x.T @ (p - y) / len(y)
    return tuple(float(v) for v in w)


def load(path: Path = CALIBRATION) -> RejectionModel | None:
    """The calibrated model, or None (no rejection) if there is none or it is unreadable."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
        return RejectionModel(tuple(float(w) for w in doc["weights"]),
                              float(doc["threshold"]))
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError):
        return None
