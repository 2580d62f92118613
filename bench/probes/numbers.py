"""Commands with numbers in noise: how many are understood, and with which number.

    python -m bench.probes.numbers [--conditions white:10 rain:10 pink:5] [--voices V...]
                                   [--rate WPM] [--only WORD]

Calibration sentences (bench/calibrate.py's commands with a number word: "sixty seconds",
"count for one minute", "next one"; with `--only`, those with that word), said by the
calibration voices (or `--voices`: the held-out ones only measure, nothing is chosen on
them), each at 170 words a minute (or `--rate`), through the coach's front end with
Whisper's second opinion (`recognize`'s). Prints each
clip and, per condition, the clips understood as the right command, taken for another,
and not taken; and of those understood, how many carry other number words than were
said ("fifteen seconds hold" understood as "eighty seconds hold": the right command, a
wrong hold). The benches count a hold of another length as not understood too, but the
held-out sentence tests have few commands with a number; these are 52 per voice.
"""

from __future__ import annotations

import argparse
from collections import Counter

from bench.calibrate import speech
from bench.evaluate import CALIBRATION_VOICES
from bench.probes import WORDS_PER_MINUTE, checked_front, said
from voice_coach.app.data import CoachData
from voice_coach.recognition.base import recognize_clip

NUMBER_WORDS = frozenset({
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "fifteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty",
    "ninety", "hundred", "thousand", "minus"})


def numbers(text: str) -> list[str]:
    """The number words of `text`, in order."""
    return [w for w in text.split() if w in NUMBER_WORDS]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conditions", nargs="+", default=["white:10", "rain:10", "pink:5"],
                        help='"clean", "8k" or a noise at an SNR ("rain:10", bench/noises.py)')
    parser.add_argument("--voices", nargs="+", default=[v for v, _ in CALIBRATION_VOICES],
                        help="espeak-ng voices (default: the calibration ones)")
    parser.add_argument("--rate", type=int, default=WORDS_PER_MINUTE,
                        help=f"words a minute (default {WORDS_PER_MINUTE})")
    parser.add_argument("--only", default="",
                        help='only the sentences with this word ("hold")')
    args = parser.parse_args()
    data = CoachData.load()
    matcher = data.matcher()
    front, _ = checked_front(data)
    counts: Counter[tuple[str, str]] = Counter()
    for condition in args.conditions:
        for voice in args.voices:
            front.new_speaker()
            for i, (text, want) in enumerate(speech(data)):
                if not want or not numbers(text) or (args.only and args.only not in text.split()):
                    continue
                result = recognize_clip(front, said(text, voice, condition, 8000 + i,
                                                    args.rate))
                heard = matcher.understand(result.text, result.confidence).intent
                out = "right" if heard == want else ("another" if heard else "none")
                counts[condition, out] += 1
                counts[condition, "another number"] += (out == "right"
                                                        and numbers(result.text) != numbers(text))
                print(f"{condition} {voice} {text!r} {result.text!r} {out}", flush=True)
    print("\n| condition | understood | with another number | taken for another command "
          "| not taken |\n|---|---|---|---|---|")
    for condition in args.conditions:
        c = [counts[condition, k] for k in ("right", "another number", "another", "none")]
        print(f"| {condition} | " + " | ".join(map(str, c)) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
