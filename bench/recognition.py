"""Recognition benchmark: intent accuracy, false-accept rate, real-time factor, peak memory.

    python -m bench.recognition [--engine pocketsphinx|vosk] [--model PATH]
                                [--voices VOICE...] [--conditions NAME...] [--misses]

Speech is synthesized with espeak-ng from the sentence test files (tests/sentences/en):
every positive sentence without digits is spoken by each voice; the no-match sentences,
the out-of-domain list (running chatter, weather, music, calls) and noise-only clips
measure false accepts. Conditions: clean, and white/pink/babble noise at 10 and 5 dB SNR.
The default voices are the held-out ones, which bench/calibrate.py never hears;
`--voices en-us en` measures calibration voices instead. Prints a Markdown table (a
command is understood when its intent is, and a hold's length as said), and with
`--misses` every command not understood and every false accept, with what was heard.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

from bench.evaluate import (
    CONDITIONS,
    HELD_OUT_VOICES,
    VOICES,
    Command,
    Conditions,
    labelled_sentences,
)
from voice_coach.app.data import CoachData
from voice_coach.app.understand import understand_clip
from voice_coach.audio.clip import AudioClip
from voice_coach.recognition import make_recognizer, phrase_meanings
from voice_coach.recognition.second_opinion import worker_usage
from voice_coach.speech import synthesize

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="pocketsphinx")
    parser.add_argument("--model")
    parser.add_argument("--voices", nargs="*", metavar="VOICE",
                        default=[v for v, _ in HELD_OUT_VOICES],
                        help="espeak-ng voices (default: those held out from calibration: "
                             f"{', '.join(v for v, _ in HELD_OUT_VOICES)})")
    parser.add_argument("--conditions", nargs="*", metavar="NAME",
                        help="only these conditions (e.g. clean 'pink 10 dB')")
    parser.add_argument("--misses", action="store_true",
                        help="list the commands not understood and the false accepts")
    args = parser.parse_args()
    data = CoachData.load()
    matcher = data.matcher()
    choice = make_recognizer(args.engine, phrase_meanings(data.intents), args.model)
    recognizer = choice.recognizer
    positive, negative = labelled_sentences(ROOT / "tests" / "sentences" / "en")
    rates = dict(VOICES)
    voices = [(v, rates.get(v, 160)) for v in args.voices]
    print(f"synthesizing {len(positive) + len(negative)} sentences x {len(voices)} voices ...",
          file=sys.stderr)
    pos = [(synthesize(c.text, v, r), c) for v, r in voices for c in positive]
    neg = [synthesize(s, v, r) for v, r in voices for s in negative]
    conditions = Conditions([c for c, _ in pos[:40]])
    noise_only = conditions.noise_only()

    misses: list[str] = []
    missed: dict[str, list[str]] = {}

    def understood(clip: AudioClip, said: str = "", want: Command | None = None) -> bool:
        """`clip` heard as `want` (or, for no command, as nothing)."""
        heard = understand_clip(recognizer, matcher, clip)  # learns from a command, as live
        right = want.understood(heard) if want is not None else heard.intent is None
        if not right:
            misses.append(f"{said} ({want.intent if want else 'no command'}) heard as "
                          f"{heard.text!r} ({heard.intent or 'nothing'})")
        return right

    print(f"engine: {recognizer.name}; voices: {', '.join(v for v, _ in voices)}; "
          f"{len(pos)} in-domain clips, {len(neg)} out-of-domain "
          f"clips, {len(noise_only)} noise-only clips\n")
    print("| condition | intent accuracy | false accepts (speech) | false accepts (noise) "
          "| real-time factor |")
    print("|---|---|---|---|---|")
    for name, kind, snr in CONDITIONS:
        if args.conditions and name not in args.conditions:
            continue
        def prep(clip: AudioClip, i: int, kind: str | None = kind,
                 snr: float | None = snr) -> AudioClip:
            return conditions.apply(clip, kind, snr, seed=i)

        audio_seconds = 0.0
        start = cpu_seconds()
        correct = accepted = 0
        for voice in range(len(voices)):
            # Each voice is a new speaker: the recognizer adapts to it from scratch.
            # (`pos` and `neg` hold each voice's clips in turn; i seeds the noise.)
            recognizer.new_speaker()
            first_pos, first_neg = voice * len(positive), voice * len(negative)
            who = voices[voice][0]
            correct += sum(understood(prep(pos[i][0], i), f"{who}: {pos[i][1].text!r}",
                                      pos[i][1])
                           for i in range(first_pos, first_pos + len(positive)))
            accepted += sum(not understood(prep(neg[i], i), f"{who}: {negative[i - first_neg]!r}")
                            for i in range(first_neg, first_neg + len(negative)))
        noise_fa = (sum(not understood(c, f"noise clip {i}")
                        for i, c in enumerate(noise_only)) if kind is None else None)
        cpu = cpu_seconds() - start
        audio_seconds = sum(c.seconds for c, _ in pos) + sum(c.seconds for c in neg)
        if noise_fa is not None:
            audio_seconds += sum(c.seconds for c in noise_only)
        noise_cell = f"{noise_fa}/{len(noise_only)}" if noise_fa is not None else "-"
        print(f"| {name} | {correct / len(pos):.1%} | {accepted / len(neg):.1%} | {noise_cell} "
              f"| {cpu / audio_seconds:.3f} |", flush=True)
        missed[name] = misses.copy()
        misses.clear()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory (RSS): {peak:.0f} MB; Whisper's worker process: "
          f"{worker_usage()[1]:.0f} MB")
    if args.misses:
        for name, lines in missed.items():
            print(f"\n{name}: {len(lines)} not understood or falsely accepted")
            print("\n".join(f"- {line}" for line in lines))
    return 0


def cpu_seconds() -> float:
    """CPU time of this process, of the tools it ran (speaker adaptation's) and of the
    Whisper worker running now."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime + worker_usage()[0]


if __name__ == "__main__":
    sys.exit(main())
