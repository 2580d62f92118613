"""The rejection model's calibration file: what is used and what is refused."""

from __future__ import annotations

from collections.abc import Collection

from voice_coach.recognition import rejection
from voice_coach.recognition.choice import DISAGREEMENT, Decode, choose
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


def _model(weight_index: int, weight: float) -> rejection.RejectionModel:
    """A model whose score is one feature term times `weight` (threshold 0)."""
    n = len(rejection.terms(Features(0.0, 0.0, 1).vector()))
    weights = [0.0] * n
    weights[weight_index] = weight
    return rejection.RejectionModel(tuple(weights), 0.0, (0.0,) * (n - 1), (1.0,) * (n - 1))


def _decode(text: str, margin: float, distance: float = 0.5) -> Decode:
    return Decode(text, Features(margin=margin, distance=distance, phones=4), ())


def test_of_several_decodes_the_best_scoring_is_kept_with_a_bar_if_they_disagree():
    by_margin = _model(1, 1.0)  # score: margin / 10
    agree = [_decode("hold on", 2.0), _decode("hold on", 6.0)]
    assert choose(agree, by_margin) == (agree[1], 0.0)
    differ = [_decode("quit", 2.0), _decode("wait", 5.0)]
    assert choose(differ, by_margin) == (differ[1], DISAGREEMENT)
    # One decode found no phrase at all: that is disagreement too.
    assert choose([differ[0], None], by_margin) == (differ[0], DISAGREEMENT)
    assert choose([None, None], by_margin) == (None, 0.0)


def test_the_rejection_score_chooses_not_the_margin():
    close = _model(2, -1.0)  # score: minus the phone distance
    decodes = [_decode("next", 6.0, distance=1.0), _decode("next", 2.0, distance=0.2)]
    assert choose(decodes, close)[0] == decodes[1]
    # Without a rejection model (calibrating), the best fit.
    assert choose(decodes, None) == (decodes[0], 0.0)


def test_when_decodes_disagree_the_likelier_phrase_is_kept_if_it_clears_the_bar():
    by_margin = _model(1, 1.0)  # score: margin / 10; bar when they disagree: 0.25
    differ = [_decode("quit", 3.0), _decode("wait", 9.0)]
    fits = {"quit": -100.0, "wait": -300.0}
    asked: list[str] = []

    def likelihood(phrases: Collection[str]) -> dict[str, float]:
        asked.extend(phrases)
        return {phrase: fits[phrase] for phrase in phrases}

    assert choose(differ, by_margin, likelihood) == (differ[0], DISAGREEMENT)
    # Not if the likelier one falls short of the bar: the best-scoring one then.
    low = [_decode("quit", 2.0), _decode("wait", 9.0)]
    assert choose(low, by_margin, likelihood) == (low[1], DISAGREEMENT)
    # Decodes that agree need no likelihood (it costs two more decodes).
    asked.clear()
    agree = [_decode("quit", 3.0), _decode("quit", 9.0)]
    assert choose(agree, by_margin, likelihood) == (agree[1], 0.0)
    assert asked == []
