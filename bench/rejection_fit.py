"""Fitting the rejection model (bench/calibrate.py): measurement code, not shipped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from voice_coach.recognition.rejection import Features, RejectionModel, terms

L2 = 0.01
"""Weight decay. Without it the products extrapolate wildly on audio unlike the calibration
clips: on held-out speech in white noise at 5 dB SNR, accuracy fell from 32% (linear model)
to 4%; with it (and noisy calibration clips, see bench/calibrate.py), 26%, while clean
speech keeps the gain."""


def fit(features: Sequence[Features], is_command: Sequence[bool], steps: int = 20000,
        l2: float = L2) -> RejectionModel:
    """A model (threshold 0) fitted by plain gradient descent: a few dozen weights, a few
    thousand clips."""
    t = np.array([terms(f.vector()) for f in features])[:, 1:]
    scale = t.std(axis=0)
    scale[scale == 0] = 1.0
    model = RejectionModel((), 0.0, tuple(float(v) for v in t.mean(axis=0)),
                           tuple(float(v) for v in scale))
    x = np.array([model.inputs(f) for f in features])
    y = np.array(is_command, dtype=np.float64)
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        w -= 0.5 * (x.T @ (p - y) / len(y) + l2 * np.concatenate([[0.0], w[1:]]))
    return replace(model, weights=tuple(float(v) for v in w))
