"""How long Whisper's check makes an answer wait in quiet: started where the speech ends
(alongside the engine's decode, as the coach does), started after the decode, or no check.

    python -m bench.probes.check_latency [--voice en-us] [--commands 40] [--others 15]
    python -m bench.probes.check_latency --wake   # the wake commands only ("cramp help")

Calibration voice and sentences only (bench/calibrate.py's commands and other sentences,
every fourth; with --wake, every wake command and nothing else, which Whisper checks
however sure the engine is, but for "unchecked"). Each clip is fed to the front end in
20 ms chunks at the pace of real time, three times (one per variant, in turn); the
latency is from the clip's last loud sample to the final result. Prints the median for
the utterances checked and for the rest, and the median over the checked clips of how much
longer each variant took than the same clip unchecked.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from bench.calibrate import speech
from bench.probes import checked_front
from voice_coach.app.data import CoachData
from voice_coach.intents import WAKE_INTENT
from voice_coach.recognition import frontend, second_opinion
from voice_coach.speech import synthesize

VARIANTS = ("alongside", "after", "unchecked")
CHUNK = 320
LOUD = 500


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voice", default="en-us")
    parser.add_argument("--commands", type=int, default=40)
    parser.add_argument("--others", type=int, default=15)
    parser.add_argument("--wake", action="store_true", help="the wake commands only")
    args = parser.parse_args()
    data = CoachData.load()
    front, second = checked_front(data)
    engine = front.inner
    second.prepare()
    checked = [False]
    checked_below, always = frontend.CHECK_BELOW, second_opinion.ALWAYS_CHECKED
    check = second.check

    def noted(*a: object) -> second_opinion.Verdict:
        checked[0] = True
        return check(*a)  # type: ignore[arg-type]

    second.check = noted  # type: ignore[method-assign]

    def run(samples: np.ndarray, variant: str) -> tuple[str, float] | None:
        engine.speech_ended = front._hear if variant == "alongside" else None
        frontend.CHECK_BELOW = 0.0 if variant == "unchecked" else checked_below
        second_opinion.ALWAYS_CHECKED = frozenset() if variant == "unchecked" else always
        x = np.concatenate([np.zeros(8000, np.int16), samples, np.zeros(16000, np.int16)])
        end = (8000 + np.nonzero(np.abs(samples.astype(np.int32)) > LOUD)[0][-1]) / 16000
        checked[0] = False
        got = None
        t0 = time.monotonic()
        for i in range(0, len(x), CHUNK):
            time.sleep(max(0.0, t0 + i / 16000 - time.monotonic()))
            for r in front.accept(x[i:i + CHUNK].tobytes()):
                if r.final and got is None:
                    got = (r.text, time.monotonic() - t0 - end)
        front.finish()
        return got

    pairs = speech(data)
    sentences = ([s for s, w in pairs if w == WAKE_INTENT] if args.wake
                 else [s for s, w in pairs if w][::4][:args.commands]
                 + [s for s, w in pairs if not w][::4][:args.others])
    engine.new_speaker()
    for s in ("next", "repeat", "how much longer"):  # the voice's warp is chosen first
        run(synthesize(s, args.voice, 160).samples, "unchecked")
    times: dict[tuple[str, bool], list[float]] = {}
    extra: dict[tuple[str, bool], list[float]] = {}
    for s in sentences:
        samples = synthesize(s, args.voice, 160).samples
        results = []
        for variant in VARIANTS:
            results.append((variant, run(samples, variant), checked[0]))
        was_checked = any(c for _, _, c in results)
        base = results[-1][1]
        for variant, got, _ in results:
            if got is not None:
                times.setdefault((variant, was_checked), []).append(got[1] * 1000)
                if base is not None:
                    extra.setdefault((variant, was_checked), []).append(
                        (got[1] - base[1]) * 1000)
    print("| variant | checked: median (n) | not checked: median (n) "
          "| checked: median more than unchecked, same clip |")
    print("|---|---|---|---|")
    for variant in VARIANTS:
        cells = []
        for was in (True, False):
            t = times.get((variant, was), [])
            cells.append(f"{statistics.median(t):.0f} ms ({len(t)})" if t else "-")
        more = extra.get((variant, True), [])
        cells.append(f"{statistics.median(more):+.0f} ms" if more else "-")
        print(f"| {variant} | {' | '.join(cells)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
