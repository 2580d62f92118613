"""Whisper's free transcript with and without a repetition penalty, and with less silence
padded after the utterance: what each changes in the phrases found, and what it costs.

    python -m bench.probes.repetition [--conditions clean 8k rain:5] [--every 2]

On a window of the utterance and its padding (whisper_worker.py), greedy decoding often
says the phrase again and again ("next step next step next step ..."), to its token limit
(MAX_TOKENS): the check waits for every repeat. A repetition penalty (CTranslate2's
`repetition_penalty`) ends most transcripts after the first. Calibration voices and
sentences only (bench/calibrate.py); each clip as the front end keeps it: a second of
silence before, a third after. Counts, per variant against the first: clips whose phrase
found (the transcript, said once, normalised, looked up among the intents' phrases)
differs, clips whose words differ (what `check` weighs the engine's phrase against), and
the median time of the encode and the transcript.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter, defaultdict
from typing import Any

import numpy as np

from bench import noises
from bench.calibrate import speech
from bench.evaluate import CALIBRATION_VOICES
from voice_coach.app.data import CoachData
from voice_coach.recognition import phrase_meanings, whisper_worker
from voice_coach.recognition.second_opinion import THREADS, model_path
from voice_coach.recognition.transcripts import normalise, once
from voice_coach.speech import synthesize

VARIANTS: dict[str, tuple[float, float]] = {
    "as before (pad 2 s)": (2.0, 1.0),
    "penalty 1.2": (2.0, 1.2),
    "penalty 1.5": (2.0, 1.5),
    "penalty 1.5, pad 1 s": (1.0, 1.5),
}
"""Name: (seconds of silence padded, repetition penalty)."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conditions", nargs="+", default=["clean", "8k", "rain:5"])
    parser.add_argument("--every", type=int, default=2, help="every n-th sentence")
    args = parser.parse_args()
    data = CoachData.load()
    phrases = {normalise(p) for p in phrase_meanings(data.intents)}
    path = model_path()
    if path is None:
        raise SystemExit("Whisper's second opinion is not installed")
    whisper: Any = whisper_worker._Whisper()
    whisper.start(str(path), THREADS)
    sentences = speech(data)[::args.every]
    found_differs: Counter[tuple[str, str]] = Counter()
    words_differ: Counter[tuple[str, str]] = Counter()
    total: Counter[str] = Counter()
    times: dict[str, list[float]] = defaultdict(list)
    for condition in args.conditions:
        for voice, wpm in CALIBRATION_VOICES:
            for i, (text, _) in enumerate(sentences):
                x = noises.in_condition(synthesize(text, voice, wpm).samples, condition,
                                        seed=9000 + i)
                audio = np.concatenate([np.zeros(16000, np.int16), x,
                                        np.zeros(5333, np.int16)]).tobytes()
                total[condition] += 1
                first: tuple[str, str | None] | None = None
                for name, (pad, penalty) in VARIANTS.items():
                    whisper_worker.PAD_SECONDS = pad
                    t0 = time.perf_counter()
                    encoded = whisper._encode(audio)
                    [result] = whisper._model.generate(
                        encoded, [whisper._prompt], beam_size=1,
                        max_length=whisper_worker.MAX_TOKENS, suppress_blank=True,
                        suppress_tokens=[-1], repetition_penalty=penalty)
                    times[name].append(time.perf_counter() - t0)
                    tokens = [t for t in result.sequences_ids[0] if t < whisper._end]
                    own = once(normalise(whisper._tokenizer.decode(tokens)))
                    got = (own, own if own in phrases else None)
                    if first is None:
                        first = got
                        continue
                    found_differs[condition, name] += got[1] != first[1]
                    if got[1] != first[1]:
                        print(f"  {condition} {voice} {text!r}: {name}: {got[0]!r}"
                              f" (was {first[0]!r})", flush=True)
                    words_differ[condition, name] += got[0] != first[0]
            print(f"{condition} {voice}: done", flush=True)
    print(f"\nvoices {', '.join(v for v, _ in CALIBRATION_VOICES)}; every {args.every}. "
          "sentence; against the first variant\n")
    print("| variant | median encode + transcript | "
          + " | ".join(f"{c}: phrase found differs / words differ" for c in args.conditions)
          + " |")
    print("|---|---|" + "---|" * len(args.conditions))
    for name in VARIANTS:
        cells = " | ".join(f"{found_differs[c, name]} / {words_differ[c, name]} of {total[c]}"
                           for c in args.conditions)
        print(f"| {name} | {1000 * statistics.median(times[name]):.0f} ms | {cells} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
