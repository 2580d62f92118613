"""What turning down a doubted phrase would cost and gain: commands and other sentences
whose phrase the check takes but doubts (second_opinion.py: Whisper heard other words,
and a word of the engine's phrase is one it finds unlikely). With --margins, also what a
stricter veto would: the phrases taken whose fit (how much worse than Whisper's own
words, second_opinion.VETO_MARGIN) is under each margin. With --veto, every full-band bar
of the veto for the run, the one for sure phrases in noise included (looser than the
coach's, to see what a looser one would let through).
Commands taken for another command are counted apart.

    python -m bench.probes.doubt_reject [--conditions 8k] [--voices en-us en ...]
                                        [--floors -7 -8 -9 -10] [--margins -2 -3]
                                        [--veto -8] [--every 1] [--start 0]

Calibration voices and sentences only (bench/calibrate.py). Each clip runs through the
coach's front end as it is; the probe notes the check's verdict. Prints, per condition
and kind of sentence, the clips understood as a command (for commands: as the right one)
and how many of those the check doubted, wake phrases apart (a doubted wake phrase is
already taken only when said twice): as it is, and for each floor, with Whisper's least
likely token of the phrase under it.
"""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Any

from bench import noises
from bench.calibrate import speech
from bench.evaluate import CALIBRATION_VOICES
from bench.probes import checked_front
from voice_coach.app.data import CoachData
from voice_coach.audio.clip import AudioClip
from voice_coach.intents import WAKE_INTENT
from voice_coach.recognition import second_opinion
from voice_coach.recognition.base import recognize_clip
from voice_coach.speech import synthesize


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conditions", nargs="+", default=["8k"],
                        help='"clean", "8k" or a noise at an SNR ("steps:10", bench/noises.py)')
    parser.add_argument("--voices", nargs="+", default=[v for v, _ in CALIBRATION_VOICES])
    parser.add_argument("--floors", nargs="+", type=float, default=[-7.0, -8.0, -9.0, -10.0])
    parser.add_argument("--margins", nargs="*", type=float, default=[])
    parser.add_argument("--veto", type=float,
                        help="the veto's bars for full-band speech, quiet and noisy")
    parser.add_argument("--every", type=int, default=1, help="every n-th sentence")
    parser.add_argument("--start", type=int, default=0, help="from the n-th sentence")
    args = parser.parse_args()
    data = CoachData.load()
    matcher = data.matcher()
    front, second = checked_front(data)
    if args.veto is not None:
        second_opinion.VETO_MARGIN = second_opinion.NOISY_SURE_VETO_MARGIN = args.veto
    check, weigh = second.check, second._weigh
    note: dict[str, Any] = {}

    def weighed(key: int, phrase: str) -> tuple[float, float]:
        fit = weigh(key, phrase)
        note["margin"], note["weakest"] = fit
        return fit

    def noted(*a: Any, **k: Any) -> Any:
        verdict = check(*a, **k)
        note["doubted"] = verdict.doubted and verdict.phrase == a[0]
        note["checked"] = a[0] if verdict.phrase == a[0] else None
        return verdict

    second.check = noted  # type: ignore[method-assign]
    second._weigh = weighed  # type: ignore[method-assign]
    counts: Counter[tuple[str, str, str]] = Counter()
    voices = [(v, wpm) for v, wpm in CALIBRATION_VOICES if v in args.voices]
    for condition in args.conditions:
        for voice, wpm in voices:
            front.new_speaker()
            for i, (text, want) in enumerate(speech(data)):
                if i % args.every != args.start % args.every:
                    continue
                x = noises.in_condition(synthesize(text, voice, wpm).samples, condition,
                                        seed=8000 + i)
                note.clear()
                result = recognize_clip(front, AudioClip(x, noises.RATE))
                heard = matcher.understand(result.text, result.confidence).intent
                kind_ = "commands" if want else "other sentences"
                counts[condition, kind_, "clips"] += 1
                taken = heard == want if want else heard is not None
                if want and heard is not None and heard != want:
                    kind_, taken = "commands taken for another", True
                    counts[condition, kind_, "clips"] += 1
                if not taken:
                    continue
                counts[condition, kind_, "taken"] += 1
                margin = note.get("margin")
                if margin is not None and note.get("checked") == result.text:
                    for m in args.margins:
                        counts[condition, kind_, f"fit{m:+g}"] += margin < m
                    if any(margin < m for m in args.margins):
                        print(f"  fit: {condition} {voice} {text!r} as {result.text!r}"
                              f" ({margin:+.1f}, the engine's confidence"
                              f" {result.confidence:.2f}; {kind_})", flush=True)
                if note.get("doubted") and heard != WAKE_INTENT:
                    counts[condition, kind_, "doubted"] += 1
                    for f in args.floors:
                        counts[condition, kind_, f"{f:+g}"] += note["weakest"] < f
                    print(f"  doubted: {condition} {voice} {text!r} as {result.text!r}"
                          f" ({note['weakest']:+.1f})", flush=True)
            print(f"{condition} {voice}: done", flush=True)
    print(f"\nvoices {', '.join(v for v, _ in voices)}\n")
    floors = [f"{f:+g}" for f in args.floors]
    margins = [f"fit{m:+g}" for m in args.margins]
    print("| condition: sentences | clips | taken (commands: rightly) | of them doubted, "
          "not a wake phrase | " + " | ".join(f"doubted under {f}" for f in floors)
          + "".join(f" | fit under {m[3:]}" for m in margins) + " |")
    print("|---|---|---|---|" + "---|" * (len(floors) + len(margins)))
    for condition in args.conditions:
        for kind_ in ("commands", "commands taken for another", "other sentences"):
            c = [counts[condition, kind_, k]
                 for k in ("clips", "taken", "doubted", *floors, *margins)]
            print(f"| {condition}: {kind_} | " + " | ".join(map(str, c)) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
