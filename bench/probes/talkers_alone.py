"""The talkers alone: which of runner_world's noise-only "conversation" clips the coach
takes for a command, and why.

    python -m bench.probes.talkers_alone [--every 3] [--clips 20] [--talk calibration]
                                         [--seed 2000] [--all]

The clips are those `python -m bench.runner_world --every N --noise-clips M` hears in its
conversation rows (seeds 2000 on; the same at every SNR): 3 s of the two talkers saying the
unrelated sentences, loud. Here a fresh recognizer hears them one after another (in the
bench it has first heard a row of commands). Prints each clip's intent, and for the ones
taken (`--all`: every clip), what the engine and Whisper heard (the debug log).
`--talk calibration` has the talkers say bench/calibration.yaml's sentences instead of the
tests' (for choosing a rule without looking at the held-out sentences), and `--seed` sets
the first clip's seed (runner_world's are 2000 on).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from bench import noises
from bench.calibrate import speech
from bench.evaluate import labelled_sentences
from bench.runner_world import TALKERS
from voice_coach.app.data import CoachData
from voice_coach.app.understand import understand_clip
from voice_coach.audio.clip import AudioClip
from voice_coach.recognition import make_recognizer, phrase_meanings
from voice_coach.speech import synthesize

ROOT = Path(__file__).resolve().parents[2]


class _Kept(logging.Handler):
    """Keeps the recognition log of the clip under way."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("voice_coach.recognition"):
            self.lines.append(record.getMessage())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=3,
                        help="runner_world's --every (which unrelated sentences are talked)")
    parser.add_argument("--clips", type=int, default=20)
    parser.add_argument("--talk", choices=("tests", "calibration"), default="tests",
                        help="whose unrelated sentences the talkers say")
    parser.add_argument("--seed", type=int, default=2000, help="the first clip's seed")
    parser.add_argument("--all", action="store_true",
                        help="print the debug log of every clip, not only those taken")
    args = parser.parse_args()
    data = CoachData.load()
    matcher = data.matcher()
    recognizer = make_recognizer("pocketsphinx", phrase_meanings(data.intents)).recognizer
    if args.talk == "calibration":
        negative = [s for s, intent in speech(data) if intent is None]
    else:
        _, negative = labelled_sentences(ROOT / "tests" / "sentences" / "en")
    talk = [synthesize(s, TALKERS[i % 2], 170).samples
            for i, s in enumerate(negative[::args.every])]
    kept = _Kept()
    log = logging.getLogger("voice_coach")
    log.setLevel(logging.DEBUG)
    log.addHandler(kept)
    taken = 0
    for i in range(args.clips):
        kept.lines.clear()
        seed = args.seed + i
        clip = noises.noise_only("conversation", 3.0, 3000.0, seed=seed, talk=talk)
        heard = understand_clip(recognizer, matcher, AudioClip(clip, noises.RATE))
        print(f"clip {i} (seed {seed}): {heard.intent or '-'}", flush=True)
        taken += heard.intent is not None
        if heard.intent is not None or args.all:
            for line in kept.lines:
                print(f"    {line}")
    print(f"\ntaken for a command: {taken} of {args.clips}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
