"""The talkers alone: which of runner_world's noise-only "conversation" clips the coach
takes for a command, and why.

    python -m bench.probes.talkers_alone [--every 3] [--clips 20]

The clips are those `python -m bench.runner_world --every N --noise-clips M` hears in its
conversation rows (seeds 2000 on; the same at every SNR): 3 s of the two talkers saying the
unrelated sentences, loud. Here a fresh recognizer hears them one after another (in the
bench it has first heard a row of commands). Prints each clip's intent, and for the ones
taken, what the engine and Whisper heard (the debug log).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from bench import noises
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
    args = parser.parse_args()
    data = CoachData.load()
    matcher = data.matcher()
    recognizer = make_recognizer("pocketsphinx", phrase_meanings(data.intents)).recognizer
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
        clip = noises.noise_only("conversation", 3.0, 3000.0, seed=2000 + i, talk=talk)
        heard = understand_clip(recognizer, matcher, AudioClip(clip, noises.RATE))
        print(f"clip {i} (seed {2000 + i}): {heard.intent or '-'}", flush=True)
        if heard.intent is not None:
            taken += 1
            for line in kept.lines:
                print(f"    {line}")
    print(f"\ntaken for a command: {taken} of {args.clips}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
