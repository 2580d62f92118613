"""Calibrate PocketSphinx's rejection model on data and write it for the recognizer.

Every sentence test (in-domain, with its intent) and every out-of-domain sentence is
spoken by the calibration voices (espeak-ng) and decoded with rejection off, keeping the
rejection features of each clip (voice_coach/recognition/rejection.py). A logistic model
is fitted to tell clips whose phrase was really said (the right intent) from the rest
(out-of-domain speech, wrong intents). Its threshold is the lowest at which the
false-accept rate on out-of-domain speech is below TARGET_FALSE_ACCEPTS (the product's
target), so as little accuracy as possible is given up to meet it. The held-out voice
(the last in VOICES) is left for bench/recognition.py to report on.

    python bench/calibrate.py            # writes voice_coach/data/recognition/pocketsphinx.yaml
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voice_coach.app.coach import CoachData  # noqa: E402
from voice_coach.recognition import phrase_list, recognize_clip  # noqa: E402
from voice_coach.recognition.evaluate import VOICES, labelled_sentences, synthesize  # noqa: E402
from voice_coach.recognition.rejection import (  # noqa: E402
    CALIBRATION,
    Features,
    RejectionModel,
    fit,
)
from voice_coach.recognition.sphinx import PocketSphinxRecognizer  # noqa: E402

TARGET_FALSE_ACCEPTS = 0.10
CALIBRATION_VOICES = VOICES[:-1]


Clip = tuple[bool, bool, Features | None]
"""(in-domain?, recognised the right intent / accepted something?, features or None when
the decoder itself found no whole phrase)."""


def measure(recognizer: PocketSphinxRecognizer, data: CoachData) -> list[Clip]:
    matcher = data.matcher()
    positive, negative = labelled_sentences(ROOT / "tests" / "sentences" / "en")
    clips: list[Clip] = []
    for voice, rate in CALIBRATION_VOICES:
        print(f"voice {voice} ...", file=sys.stderr)
        for text, want in [*positive, *((n, None) for n in negative)]:
            result = recognize_clip(recognizer, synthesize(text, voice, rate))
            match = matcher.match(result.text) if result.text else None
            got = match.intent if match else None
            ok = got == want if want is not None else got is not None
            clips.append((want is not None, ok, recognizer.last_features))
    return clips


def rates(clips: list[Clip], model: RejectionModel | None) -> tuple[float, float]:
    """(intent accuracy on in-domain clips, false-accept rate on out-of-domain clips)."""
    def kept(ok: bool, f: Features | None) -> bool:
        return ok and f is not None and (model is None or model.accepts(f))

    pos = [kept(ok, f) for domain, ok, f in clips if domain]
    neg = [kept(ok, f) for domain, ok, f in clips if not domain]
    return float(np.mean(pos)), float(np.mean(neg))


def choose(clips: list[Clip]) -> RejectionModel:
    """Fit the weights, then the threshold by the rule in the module docstring."""
    usable = [(domain and ok, f) for domain, ok, f in clips if f is not None]
    weights = fit([f for _, f in usable], [good for good, _ in usable])
    scores = sorted({RejectionModel(weights, 0.0).score(f) for _, f in usable})
    for threshold in scores:
        model = RejectionModel(weights, threshold)
        if rates(clips, model)[1] < TARGET_FALSE_ACCEPTS:
            return model
    raise SystemExit("no threshold reaches the false-accept target")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=CALIBRATION)
    args = parser.parse_args()
    data = CoachData.load()
    recognizer = PocketSphinxRecognizer(phrase_list(data.intents), calibrated=False)
    clips = measure(recognizer, data)
    base_acc, base_fa = rates(clips, None)
    model = choose(clips)
    accuracy, false_accepts = rates(clips, model)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "weights": [round(w, 5) for w in model.weights],
        "threshold": round(model.threshold, 5),
        "calibration": {
            "written_by": "bench/calibrate.py", "date": date.today().isoformat(),
            "rule": f"lowest threshold with false accepts < {TARGET_FALSE_ACCEPTS:.0%}",
            "voices": [f"{v} {r} wpm" for v, r in CALIBRATION_VOICES],
            "features": "1, margin/10, phone distance, phones/10 (recognition/rejection.py)",
            "in_domain_clips": sum(domain for domain, _, _ in clips),
            "out_of_domain_clips": sum(not domain for domain, _, _ in clips),
            "without_rejection": {"accuracy": round(float(base_acc), 3),
                                  "false_accepts": round(float(base_fa), 3)},
            "with_rejection": {"accuracy": round(accuracy, 3),
                               "false_accepts": round(false_accepts, 3)},
        },
    }
    header = "# Written by bench/calibrate.py; rerun it instead of editing by hand.\n"
    args.out.write_text(header + yaml.safe_dump(record, sort_keys=False), encoding="utf-8")
    print(f"threshold {model.threshold:.3f}: accuracy {base_acc:.1%} -> {accuracy:.1%}, false "
          f"accepts {base_fa:.1%} -> {false_accepts:.1%}; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
