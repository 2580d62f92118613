"""The rejection model's calibration file: what is used and what is refused."""

from __future__ import annotations

from voice_coach.recognition import rejection
from voice_coach.recognition.rejection import Features
from voice_coach.recognition.sphinx import load_cmn_prior


def _calibration(weights: int) -> dict[str, list[float] | float]:
    """A calibration document with `weights` weights (the constant's included)."""
    return {"weights": [0.0] * weights, "threshold": 0.0,
            "mean": [0.0] * (weights - 1), "scale": [1.0] * (weights - 1)}


def test_a_calibration_for_other_features_is_not_used():
    """A calibration written before a measure was added has too few weights: it must not
    be applied to the new features (the engine then says to recalibrate)."""
    inputs = len(rejection.terms(Features(0.0, 0.0, 0).vector()))
    assert rejection.load(_calibration(inputs - 1)) is None
    assert rejection.load(_calibration(inputs)) is not None


def test_the_shipped_calibration_fits_the_current_features():
    """Adding a measure without running bench/calibrate.py again would leave the coach
    taking every utterance for its nearest command."""
    doc = rejection.read_calibration()
    assert rejection.load(doc) is not None
    prior = load_cmn_prior(doc)
    assert prior is not None and len(prior) == 13
