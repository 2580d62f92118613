"""A yes against a no: clips where the engine heard one and Whisper the other.

    python -m bench.probes.yes_no [--conditions 8k white:10 ...] [--voices V...] [--every 2]

Whisper's yes or no never overrules the engine's phrase (second_opinion.NOT_OVERRULING:
it hears "yeah" and "nah" in short commands in noise). Where the engine's phrase is
itself a yes or a no and Whisper heard the other answer, the two recognisers contradict
each other. This counts such clips on the calibration voices and sentences
(bench/calibrate.py, each voice at its own rate, every `--every`-th): what the coach
takes there (right: the sentence's own meaning; wrong: another meaning, or any for an
unrelated sentence), to weigh turning the phrase down where they contradict. Prints each
clip, then the counts.
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
from voice_coach.recognition.base import recognize_clip
from voice_coach.recognition.second_opinion import NOT_OVERRULING
from voice_coach.speech import synthesize


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conditions", nargs="+", default=["8k"],
                        help='"clean", "8k" or a noise at an SNR ("rain:10", bench/noises.py)')
    parser.add_argument("--voices", nargs="+", default=[v for v, _ in CALIBRATION_VOICES])
    parser.add_argument("--every", type=int, default=1, help="every n-th sentence")
    args = parser.parse_args()
    data = CoachData.load()
    matcher = data.matcher()
    front, second = checked_front(data)
    check, find = second.check, second._find
    note: dict[str, Any] = {}

    def found(text: str) -> str | None:
        note["whisper"] = phrase = find(text)
        return phrase

    def noted(phrase: str, *a: Any, **k: Any) -> Any:
        note.pop("whisper", None)
        verdict = check(phrase, *a, **k)
        heard = note.get("whisper")
        meanings = {second._meaning(phrase), second._meaning(heard) if heard else None}
        if len(meanings) == 2 and meanings <= NOT_OVERRULING:
            note["contradiction"] = (phrase, heard)
        return verdict

    second.check = noted  # type: ignore[method-assign]
    second._find = found  # type: ignore[method-assign]
    counts: Counter[tuple[str, str, str]] = Counter()
    voices = [(v, wpm) for v, wpm in CALIBRATION_VOICES if v in args.voices]
    for condition in args.conditions:
        for voice, wpm in voices:
            front.new_speaker()
            for i, (text, want) in enumerate(speech(data)):
                if i % args.every:
                    continue
                x = noises.in_condition(synthesize(text, voice, wpm).samples, condition,
                                        seed=8000 + i)
                note.clear()
                result = recognize_clip(front, AudioClip(x, noises.RATE))
                heard = matcher.understand(result.text, result.confidence).intent
                kind = "commands" if want else "other sentences"
                counts[condition, kind, "clips"] += 1
                if "contradiction" not in note:
                    continue
                outcome = ("right" if heard == want else
                           "none" if heard is None else "wrong")
                counts[condition, kind, outcome] += 1
                engine, whisper = note["contradiction"]
                print(f"{condition} {voice} {text!r}: the engine {engine!r}, Whisper "
                      f"{whisper!r}; taken {result.text!r} ({outcome})", flush=True)
            print(f"{condition} {voice}: done", flush=True)
    print("\n| condition: sentences | clips | contradictions: taken right | wrong | none |")
    print("|---|---|---|---|---|")
    for condition in args.conditions:
        for kind in ("commands", "other sentences"):
            c = [counts[condition, kind, k] for k in ("clips", "right", "wrong", "none")]
            print(f"| {condition}: {kind} | " + " | ".join(map(str, c)) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
