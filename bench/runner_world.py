"""The runner's world: commands, unrelated speech and noise alone, per noise kind and SNR.

    python -m bench.runner_world [--voices VOICE...] [--every N] [--snrs 10 5 0]
                                 [--kinds KIND...] [--noise-clips N] [--no-denoise]

Speech is synthesized with espeak-ng from the sentence tests (commands) and the
out-of-domain and no-match sentences (unrelated speech), by voices that calibration never
hears (default: the held-out ones). Noise comes from bench/noises.py, generated in the run;
"conversation" is other voices saying unrelated sentences. Each kind is mixed at each SNR;
"8 kHz" is the clean speech through a narrowband (headset) channel. Noise-only clips are
3 s of each kind at a loud level (4 per kind and SNR, or `--noise-clips N`). Prints one
Markdown table: commands understood (their intent, and a hold's length as said), commands
taken for another command (or a hold of another length), unrelated speech accepted,
unrelated speech and noise-only clips sure enough of "cramp help" to wake the coach while
it waits (app/wake.py), "cramp help" commands that wake it at once (the others must be
said twice), noise-only clips accepted, CPU time per second of audio, peak memory.
`--every N` keeps every N-th sentence (quicker, coarser).
"""

from __future__ import annotations

import argparse
import resource
import sys
from pathlib import Path

import numpy as np

from bench import noises
from bench.evaluate import HELD_OUT_VOICES, labelled_sentences
from bench.recognition import cpu_seconds
from voice_coach.app.data import CoachData
from voice_coach.app.understand import understand_clip
from voice_coach.app.wake import WAKE_INTENT, WakeGate, wake_confidence
from voice_coach.audio.clip import AudioClip
from voice_coach.recognition import make_recognizer, phrase_meanings
from voice_coach.recognition.second_opinion import worker_usage
from voice_coach.speech import synthesize

ROOT = Path(__file__).resolve().parents[1]

TALKERS = ("en-us+f4", "en-gb-x-gbcwmd")
"""Voices of the people talking nearby (never the user's)."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", nargs="*", default=[v for v, _ in HELD_OUT_VOICES])
    parser.add_argument("--every", type=int, default=1)
    parser.add_argument("--snrs", nargs="*", type=float, default=[10.0, 5.0, 0.0])
    parser.add_argument("--kinds", nargs="*", default=list(noises.KINDS))
    parser.add_argument("--noise-clips", type=int, default=4,
                        help="noise-only clips per noise kind and SNR")
    parser.add_argument("--no-denoise", dest="denoise", action="store_false")
    args = parser.parse_args()
    data = CoachData.load()
    matcher = data.matcher()
    recognizer = make_recognizer("pocketsphinx", phrase_meanings(data.intents),
                                 denoise=args.denoise).recognizer
    wake = WakeGate(wake_confidence(recognizer))
    positive, negative = labelled_sentences(ROOT / "tests" / "sentences" / "en")
    positive, negative = positive[::args.every], negative[::args.every]
    rates = dict(HELD_OUT_VOICES)
    talk = [synthesize(s, TALKERS[i % 2], 170).samples for i, s in enumerate(negative)]
    voices = {v: ([(synthesize(c.text, v, rates.get(v, 160)).samples, c) for c in positive],
                  [synthesize(s, v, rates.get(v, 160)).samples for s in negative])
              for v in args.voices}
    conditions: list[tuple[str, str | None, float | None]] = [("clean", None, None),
                                                              ("8 kHz", "8k", None)]
    conditions += [(f"{k} {snr:g} dB", k, snr) for k in args.kinds for snr in args.snrs]
    print(f"voices: {', '.join(args.voices)}; {len(positive)} commands and {len(negative)} "
          f"unrelated sentences each; noise suppression "
          f"{'on' if args.denoise else 'off'}\n")
    print("| condition | commands understood | taken for another command "
          "| unrelated speech accepted | wakes the coach | \"cramp help\" wakes it at once "
          "| noise-only accepted | CPU s per audio s |")
    print("|---|---|---|---|---|---|---|---|")
    for name, kind, snr in conditions:
        def prep(x: np.ndarray, seed: int, kind: str | None = kind,
                 snr: float | None = snr) -> AudioClip:
            if kind == "8k":
                x = noises.narrowband(x)
            elif kind is not None and snr is not None:
                x = noises.mix(x, kind, snr, seed=seed, talk=talk)
            return AudioClip(x, noises.RATE)

        start, seconds = cpu_seconds(), 0.0
        ok = wrong = accepted = woken = total_pos = total_neg = wakes = wake_commands = 0
        for pos, neg in voices.values():
            recognizer.new_speaker()
            for i, (x, command) in enumerate(pos):
                clip = prep(x, i)
                seconds += clip.seconds
                heard = understand_clip(recognizer, matcher, clip)
                right = command.understood(heard)
                ok += right
                wrong += heard.intent is not None and not right
                if command.intent == WAKE_INTENT:
                    wake_commands += 1
                    wakes += wake.sure(heard)
            for i, x in enumerate(neg):
                clip = prep(x, 1000 + i)
                seconds += clip.seconds
                heard = understand_clip(recognizer, matcher, clip)
                accepted += heard.intent is not None
                woken += wake.sure(heard)
            total_pos, total_neg = total_pos + len(pos), total_neg + len(neg)
        chances = total_neg  # to wake the coach: unrelated speech and noise-only clips
        noise_cell = "-"
        if kind is not None and kind != "8k":
            clips = [noises.noise_only(kind, 3.0, 3000.0, seed=2000 + i, talk=talk)
                     for i in range(args.noise_clips)]
            heards = [understand_clip(recognizer, matcher, AudioClip(c, noises.RATE))
                      for c in clips]
            hits = sum(h.intent is not None for h in heards)
            woken += sum(wake.sure(h) for h in heards)
            chances += len(clips)
            seconds += 3.0 * len(clips)
            noise_cell = f"{hits}/{len(clips)}"
        cpu = cpu_seconds() - start
        print(f"| {name} | {ok / total_pos:.1%} | {wrong / total_pos:.1%} "
              f"| {accepted / total_neg:.1%} | {woken}/{chances} | {wakes}/{wake_commands} "
              f"| {noise_cell} | {cpu / seconds:.3f} |", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory (RSS): {peak:.0f} MB; Whisper's worker process: "
          f"{worker_usage()[1]:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
