"""The engine on the raw audio, where the denoised decode took nothing: what it would add.

    python -m bench.probes.raw_decode [--conditions white:10] [--voices V...] [--every 3]

In noise the engine hears RNNoise's output, and RNNoise takes consonants with the noise;
Whisper hears the raw audio. This asks whether a second decode of the raw audio, where
the coach took nothing, would find the command: each calibration sentence (commands and
unrelated ones, bench/calibrate.py's, every `--every`-th) said by the calibration voices
at 170 words a minute goes through the coach's front end with Whisper's second opinion
(`recognize`'s); where that takes nothing, a second PocketSphinx recognizer without noise
suppression hears the same clip, and a phrase it takes (its rejection passed) is put to
Whisper's check as a phrase the engine heard in noise (`SecondOpinion.check`). Prints each
such clip, then the sentences counted by what the coach takes now -> with the raw decode:
right, none, wrong (taken for another command; for an unrelated sentence, any command).
"""

from __future__ import annotations

import argparse
from collections import Counter

from bench.calibrate import speech
from bench.evaluate import CALIBRATION_VOICES
from bench.probes import checked_front, said
from voice_coach.app.data import CoachData
from voice_coach.recognition import make_recognizer, phrase_meanings
from voice_coach.recognition.base import recognize_clip


def outcome(heard: str | None, want: str | None) -> str:
    return "right" if heard == want else ("none" if heard is None else "wrong")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conditions", nargs="+", default=["white:10"],
                        help='a noise at an SNR ("white:10", bench/noises.py)')
    parser.add_argument("--voices", nargs="+", default=[v for v, _ in CALIBRATION_VOICES])
    parser.add_argument("--every", type=int, default=3)
    args = parser.parse_args()
    data = CoachData.load()
    matcher = data.matcher()
    front, second = checked_front(data)
    raw = make_recognizer("pocketsphinx", phrase_meanings(data.intents),
                          denoise=False).recognizer
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for condition in args.conditions:
        for voice in args.voices:
            front.new_speaker()
            raw.new_speaker()
            for i, (text, want) in enumerate(speech(data)):
                if i % args.every:
                    continue
                clip = said(text, voice, condition, 8000 + i)
                result = recognize_clip(front, clip)
                now = after = matcher.understand(result.text, result.confidence).intent
                if now is None:
                    again = recognize_clip(raw, clip)
                    if again.text:
                        verdict = second.check(again.text, clip.to_bytes(),
                                               noisy=True, confidence=again.confidence)
                        after = (matcher.understand(verdict.phrase, again.confidence).intent
                                 if verdict.phrase else None)
                        print(f"{condition} {voice} {text!r}: raw {again.text!r} "
                              f"-> {verdict.phrase!r}", flush=True)
                kind = "command" if want else "unrelated"
                counts[condition, kind, outcome(now, want), outcome(after, want)] += 1
    print("\n| condition | sentences | now | with the raw decode | count |\n|---|---|---|---|---|")
    for (condition, kind, now_, after_), n in sorted(counts.items()):
        print(f"| {condition} | {kind} | {now_} | {after_} | {n} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
