"""Soak test: an hour of idle listening with noise and stray speech, then many sessions in
a row, through the real live loop (PocketSphinx, dialogue, rendered speech) in virtual time.

Reports memory (resident set size) and decode latency (wall time to process the chunk that
ends an utterance, i.e. the decode) at the start and the end, and anything the coach woke
up for. Prints a Markdown table.

    python -m bench.soak [--minutes 60] [--sessions 30] [--noise KIND] [--level RMS]

The background is pink noise at RMS 60 (quiet) unless `--noise` (a kind of
bench/noises.py, generated in the run) and `--level` say otherwise: `--noise traffic
--level 3000 --sessions 0` is ten minutes of loud noise at the microphone when run with
`--minutes 10`. The peak RSS of the process (and of Whisper's worker process) is printed
at the end.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

from bench import noises
from bench.evaluate import OUT_OF_DOMAIN, noise
from voice_coach.app.data import CoachData
from voice_coach.app.demo import ScriptedUser, run_scripted
from voice_coach.app.live import LiveCoach
from voice_coach.app.playback import Playback
from voice_coach.app.script import parse_script
from voice_coach.audio.clip import RATE, AudioClip
from voice_coach.audio.sources import ScheduledSource
from voice_coach.dialogue import VirtualClock
from voice_coach.recognition import make_recognizer, phrase_meanings
from voice_coach.recognition.second_opinion import worker_usage
from voice_coach.speech import Pyttsx3Synthesizer, synthesize

ROOT = Path(__file__).resolve().parent.parent

SESSION = "cramp help\nnext step\nwhat do I need\nstop\n"


def rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class Timed:
    """Wraps the recognizer to time each chunk that produces a final result."""

    def __init__(self, recognizer) -> None:
        self.inner = recognizer
        self.name = recognizer.name
        self.decodes: list[tuple[float, float]] = []
        """(virtual time, wall seconds) of each utterance decode."""
        self.clock: VirtualClock | None = None

    def accept(self, chunk: bytes):
        start = time.perf_counter()
        results = self.inner.accept(chunk)
        if any(r.final for r in results) and self.clock is not None:
            self.decodes.append((self.clock.now(), time.perf_counter() - start))
        return results

    def finish(self):
        return self.inner.finish()

    def new_speaker(self) -> None:
        self.inner.new_speaker()

    def learn(self, text: str) -> None:
        self.inner.learn(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--noise", choices=[k for k in noises.KINDS if k != "conversation"],
                        default="pink")
    parser.add_argument("--level", type=float, default=60.0, help="noise RMS (int16 units)")
    args = parser.parse_args()
    data = CoachData.load()
    clock = VirtualClock()
    recognizer = Timed(make_recognizer("pocketsphinx", phrase_meanings(data.intents)).recognizer)
    recognizer.clock = clock
    wakes: list[float] = []

    def on_event(event) -> None:
        if event.who == "user" and event.intent == "cramp_help":
            wakes.append(event.t)

    coach = LiveCoach(data, recognizer, Playback(Pyttsx3Synthesizer(), None), clock,
                      on_event=on_event)
    mic = ScheduledSource(clock)
    rng = np.random.default_rng(0)
    if args.noise == "pink" and args.level == 60.0:  # the quiet floor of earlier runs
        floor = AudioClip((noise("pink", 10 * RATE, rng) * 60).astype(np.int16), RATE)
    else:
        floor = AudioClip(noises.noise_only(args.noise, 10.0, args.level, seed=0), RATE)
    strays = [synthesize(text, "en-us", 160) for text in OUT_OF_DOMAIN]
    rows: list[tuple[str, float, float, float, int]] = []

    def block(name: str, since: float, wall: float, audio: float) -> None:
        recent = [w for t, w in recognizer.decodes if t >= since]
        rows.append((name, rss_mb(), 1000 * float(np.median(recent)) if recent else 0.0,
                     (time.perf_counter() - wall) / audio, len(recent)))

    print(f"idle listening for {args.minutes:.0f} min (virtual) ...", file=sys.stderr)
    total = args.minutes * 60
    step = total / 6
    t = 0.0
    for n in range(6):
        since, wall = clock.now(), time.perf_counter()
        end = (n + 1) * step
        while t < end:
            mic.say(floor, t)
            if int(t) % 20 == 0:  # someone talks nearby every 20 s
                mic.say(strays[int(t / 20) % len(strays)], t + 3.0)
            t += 10.0
            while clock.now() < t:
                coach.feed(mic.read(0.02) or b"", mic.captured_until)
        block(f"idle, minutes {n * step / 60:g}-{end / 60:g}", since, wall, step)
    false_wakes = len(wakes)

    print(f"{args.sessions} sessions ...", file=sys.stderr)
    since, wall, start = clock.now(), time.perf_counter(), clock.now()
    completed = 0
    for n in range(args.sessions):
        user = ScriptedUser(parse_script(SESSION), lambda text: synthesize(text, "en-us", 160))
        run_scripted(coach, mic, user)
        completed += not coach.manager.active
        if n in (0, args.sessions - 1):
            label = "session 1" if n == 0 else f"sessions 2-{args.sessions}"
            block(label, since, wall, max(1.0, clock.now() - start))
            since, wall, start = clock.now(), time.perf_counter(), clock.now()

    print("| stage | RSS | median decode | real-time factor | utterances |")
    print("|---|---|---|---|---|")
    for name, rss, decode, rtf, count in rows:
        print(f"| {name} | {rss:.0f} MB | {decode:.0f} ms | {rtf:.3f} | {count} |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS: {peak:.0f} MB (Whisper's worker process: {worker_usage()[1]:.0f} MB); "
          f"false wake-ups in {args.minutes:.0f} min of idle "
          f"listening with "
          f"{int(total / 20)} stray sentences: {false_wakes}; "
          f"sessions ended by 'stop': {completed}/{args.sessions}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
