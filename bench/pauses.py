"""Answering at a pause: how far above the rejection bar a phrase decoded at a pause must
score to be taken at once (voice_coach/recognition/sphinx.py, EARLY_MARGIN).

On the calibration voices and sentences only (bench/calibrate.py's; the tests' voices and
sentences stay out of the choice), each clip is decoded as in use, with answers at pauses
turned off but every pause's decode noted; then, for each margin, a clip counts as
answered at its first pause whose phrase scores that much above the bar, and otherwise by
the endpointer's end as before. Clean, and in white or pink noise at 10 or 5 dB (in turn).

    python -m bench.pauses [--jobs 2]
"""

from __future__ import annotations

import argparse
import math
import sys
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from bench.calibrate import NOISE_SEED, NOISES, speech
from bench.evaluate import CALIBRATION_VOICES, add_noise
from voice_coach.app.data import CoachData
from voice_coach.recognition import Result, phrase_list, recognize_clip
from voice_coach.recognition.sphinx import PocketSphinxRecognizer
from voice_coach.speech import synthesize

MARGINS = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)

Row = tuple[str | None, bool, str | None, list[tuple[str | None, float]]]
"""(intent wanted, clean?, intent heard at the end, [(intent, score) at each pause])."""


class _Noting(PocketSphinxRecognizer):
    def __init__(self, phrases: list[str]) -> None:
        super().__init__(phrases)
        self.early_margin = math.inf
        self.pauses: list[tuple[str, float]] = []

    def _answer_at_pause(self) -> Result | None:
        result = super()._answer_at_pause()
        if self.last_pause is not None:
            self.pauses.append(self.last_pause)
        return result


def measure_voice(voice: str, rate: int) -> list[Row]:
    data = CoachData.load()
    matcher = data.matcher()
    rows: list[Row] = []
    spoken = [(synthesize(text, voice, rate), want) for text, want in speech(data)]
    for noisy in (False, True):
        recognizer = _Noting(phrase_list(data.intents))
        for i, (clip, want) in enumerate(spoken):
            if noisy:
                kind, snr = NOISES[i % len(NOISES)]
                clip = add_noise(clip, kind, snr, seed=NOISE_SEED + i)
            recognizer.pauses = []
            text = recognize_clip(recognizer, clip).text
            got = matcher.understand(text).intent if text else None
            if want is not None and got == want:
                recognizer.learn(text)
            rows.append((want, not noisy, got,
                         [(matcher.understand(t).intent, s) for t, s in recognizer.pauses]))
    print(f"  {voice}: {len(rows)} clips", file=sys.stderr, flush=True)
    return rows


def outcome(row: Row, bar: float) -> tuple[str | None, bool]:
    """(the intent acted on, answered at a pause?) with pauses taken from `bar` up."""
    _, _, got, pauses = row
    early = next((intent for intent, score in pauses if score >= bar), None)
    return (early, True) if early is not None else (got, False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with ProcessPoolExecutor(args.jobs) as pool:
        voices = pool.map(measure_voice, *zip(*CALIBRATION_VOICES, strict=True))
        rows = [row for clips in voices for row in clips]
    model = PocketSphinxRecognizer(phrase_list(CoachData.load().intents)).rejection
    assert model is not None
    print("| margin | condition | commands understood | answered at a pause | "
          "non-commands accepted |")
    print("|---|---|---|---|---|")
    for margin in (math.inf, *MARGINS):
        for clean in (True, False):
            sub = [r for r in rows if r[1] == clean]
            outs = [outcome(r, model.threshold + margin) for r in sub]
            pos = [(o, r[0]) for o, r in zip(outs, sub, strict=True) if r[0] is not None]
            neg = [o for o, r in zip(outs, sub, strict=True) if r[0] is None]
            right = np.mean([got == want for (got, _), want in pos])
            early = np.mean([e for (_, e), _ in pos])
            fa = np.mean([got is not None for got, _ in neg])
            name = "off" if math.isinf(margin) else f"{margin:g}"
            print(f"| {name} | {'clean' if clean else 'noise 10/5 dB'} | {right:.1%} of "
                  f"{len(pos)} | {early:.1%} | {fa:.1%} of {len(neg)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
