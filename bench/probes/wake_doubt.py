"""Which wake phrases would start a session at once (app/wake.py) if a phrase with a word
Whisper finds unlikely were doubted, for a range of bars (second_opinion.DOUBT_BELOW).

    python -m bench.probes.wake_doubt [--conditions clean 8k steps:10] [--commands-only]
                                      [--floors -5 -6 -7 -8]

Calibration voices and sentences only: bench/calibrate.py's "cramp help" commands and
other sentences, and bench/calibration.yaml's near-wake sentences (words and talk close
to a wake phrase: "crap", "I've got a camp"). Each clip runs through the coach's front
end with every wake phrase checked by Whisper and none doubted; the least likely token
Whisper finds in the engine's phrase is noted, and each bar applied to it afterwards.
"before" is the rule without the wake check (a phrase the engine is sure of in quiet full
band speech is not checked); "kept" the rule of second_opinion.py (DOUBT_BELOW, or
NARROWBAND_DOUBT_BELOW where the engine found an 8 kHz channel; none in noise).
"""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Any

import yaml

from bench import noises
from bench.calibrate import SENTENCES, speech
from bench.evaluate import CALIBRATION_VOICES
from bench.probes import checked_front
from voice_coach.app.data import CoachData
from voice_coach.app.wake import WAKE_INTENT, wake_confidence
from voice_coach.audio.clip import AudioClip
from voice_coach.recognition import Result, second_opinion
from voice_coach.recognition.base import recognize_clip
from voice_coach.recognition.frontend import CHECK_BELOW
from voice_coach.speech import synthesize


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conditions", nargs="+", default=["clean", "8k"],
                        help='"clean", "8k" or a noise at an SNR ("steps:10", bench/noises.py)')
    parser.add_argument("--commands-only", action="store_true",
                        help="only the wake commands (what the bars cost)")
    parser.add_argument("--floors", nargs="+", type=float, default=[-5.0, -6.0, -7.0, -8.0])
    args = parser.parse_args()
    data = CoachData.load()
    matcher = data.matcher()
    front, second = checked_front(data)
    kept = {False: second_opinion.DOUBT_BELOW, True: second_opinion.NARROWBAND_DOUBT_BELOW}
    second_opinion.DOUBT_BELOW = float("-inf")  # noted here, applied below
    second_opinion.NARROWBAND_DOUBT_BELOW = float("-inf")
    bar = wake_confidence(front)
    spoken = speech(data)
    near = yaml.safe_load(SENTENCES.read_text(encoding="utf-8"))["near_wake"]
    clips = ([(s, "wake commands") for s, want in spoken if want == WAKE_INTENT]
             + [(s, "near-wake sentences") for s in near]
             + [(s, "other sentences") for s, want in spoken if want is None])
    if args.commands_only:
        clips = clips[:1 + max(i for i, (_, kind) in enumerate(clips) if kind == "wake commands")]
    note: dict[str, Any] = {}
    weigh, decide = second._weigh, front._second_opinion

    def weighed(key: int, phrase: str) -> tuple[float, float]:
        fit = weigh(key, phrase)
        note["weakest"] = fit[1]
        return fit

    def deciding(result: Result) -> Result:
        if result.text:
            note["engine"] = result
            note["nearest"] = bool(getattr(front.inner, "last_nearest", False))
            note["narrow"] = bool(getattr(front.inner, "last_narrowband", False))
        return decide(result)

    second._weigh = weighed  # type: ignore[method-assign]
    front._second_opinion = deciding  # type: ignore[method-assign]
    columns = ["before", "checked", "kept"] + [f"{f:+g}" for f in args.floors]
    counts: Counter[tuple[str, str, str]] = Counter()
    totals: Counter[tuple[str, str]] = Counter()
    for condition in args.conditions:
        for voice, wpm in CALIBRATION_VOICES:
            front.new_speaker()
            for i, (text, kind) in enumerate(clips):
                x = noises.in_condition(synthesize(text, voice, wpm).samples, condition,
                                        seed=7000 + i)
                note.clear()
                result = recognize_clip(front, AudioClip(x, noises.RATE))
                totals[condition, kind] += 1
                heard = matcher.understand(result.text, result.confidence)
                sure = heard.intent == WAKE_INTENT and heard.confidence >= bar
                engine = note.get("engine")
                unchecked = (condition == "clean" and engine is not None
                             and engine.confidence >= CHECK_BELOW and not note["nearest"])
                before = (matcher.understand(engine.text, engine.confidence)
                          if unchecked and engine is not None else heard)
                counts[condition, kind, "before"] += (before.intent == WAKE_INTENT
                                                      and before.confidence >= bar)
                counts[condition, kind, "checked"] += sure
                # The rule as kept: in quiet, the bar of the channel the engine found.
                floor = (kept[note.get("narrow", False)] if engine is not None
                         and not front.denoising else float("-inf"))
                counts[condition, kind, "kept"] += sure and note.get("weakest", 0.0) >= floor
                for f, column in zip(args.floors, columns[3:], strict=True):
                    counts[condition, kind, column] += sure and note.get("weakest", 0.0) >= f
            print(f"{condition} {voice}: done", flush=True)
    print(f"\nsure wake phrases (start a session at once) of the clips; bar {bar:.3f};"
          f" voices {', '.join(v for v, _ in CALIBRATION_VOICES)}\n")
    print("| condition | clips | " + " | ".join(columns) + " |")
    print("|---|---|" + "---|" * len(columns))
    for (condition, kind), total in totals.items():
        cells = " | ".join(str(counts[condition, kind, c]) for c in columns)
        print(f"| {condition}: {kind} | {total} | {cells} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
