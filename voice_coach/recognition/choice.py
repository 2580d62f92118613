"""Of one utterance's decodes, the one to go by and the rejection score it must reach.

PocketSphinxRecognizer decodes an utterance several times: at several frequency warps
while it learns the speaker's, then with and without the speaker's MLLR transform (see
sphinx.py and adaptation.py). Choosing among them is kept here, free of the decoder, so
it is tested with hand-built decodes (tests/test_rejection.py).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import NamedTuple

from .rejection import Features, RejectionModel

DISAGREEMENT = 0.25
"""How much higher the rejection score must be when one utterance's decodes disagree on
the phrase. Chosen on the calibration voices' test sentences (the most commands
understood with false accepts under 10%): choosing by rejection score instead of margin
and this bar took them from 412 to 415 of 436 commands with false accepts 21 -> 19 of
208 (replayed decodes; bench/recognition.py has the measured figures)."""


Likelihood = Callable[[Collection[str]], dict[str, float]]
"""How well each of some phrases fits an utterance (see `choose`)."""


class Decode(NamedTuple):
    """One decode of an utterance: the phrase, its rejection measures, its own cepstral
    mean, and its path score over `frames` (as PocketSphinx gives it: for measuring its
    lead over other phrases afterwards, sphinx_decoder.Rivals)."""

    text: str
    features: Features
    own_cmn: tuple[float, ...]
    score: float = 0.0
    frames: int = 0


def choose(decodes: list[Decode | None], model: RejectionModel | None,
           likelihood: Likelihood | None = None,
           ) -> tuple[Decode | None, float]:
    """Of one utterance's decodes (None where no phrase fitted), the one to go by and the
    rejection score it needs: the one `model` scores best, with a higher bar when they
    disagree on the phrase (DISAGREEMENT). Without a model, the best fit (margin), and no
    bar.

    `likelihood(phrases)`, if given, is how well each phrase fits the utterance under every
    model that decoded it (with and without the speaker's transform). When the decodes
    name different phrases, the likelier one is taken if it clears the bar: rejection
    scores from two acoustic models do not compare well (the transform's decode of "wait"
    scored far above the plain model's right "quit")."""
    found = [d for d in decodes if d is not None]
    if not found:
        return None, 0.0
    if model is None:
        return max(found, key=lambda d: d.features.margin), 0.0
    best = max(found, key=lambda d: model.score(d.features))
    texts = {d.text for d in found}
    agree = len(found) == len(decodes) and len(texts) == 1
    bar = model.threshold + (0.0 if agree else DISAGREEMENT)
    if likelihood is not None and len(texts) > 1:
        fit = likelihood(texts)
        likeliest = max(found, key=lambda d: fit[d.text])
        if model.score(likeliest.features) >= bar:
            best = likeliest
    return best, bar
