"""Live timing of the coach on virtual PulseAudio devices: answer latency, barge-in, count
pacing and idle CPU. Prints a Markdown table.

A private PulseAudio server provides a virtual microphone and speaker (bench/pulse.py);
the coach runs in this process on them, exactly as `voice-coach` does, and user speech
(espeak-ng) is played into the microphone with paplay. Times come from the speaker's own
record of when each clip's first sample, and each cut, reached the device (monotonic
clock, PortAudio's latency estimate added); the end of a user utterance is when the
coach's microphone recorded its last loud sample (same clock, PortAudio's input latency
subtracted). Earlier benches took the end from when paplay finished draining the clip,
minus its trailing silence: that comes a few hundred ms late (paplay waits for the sound
server's buffers), so it made answers look faster; it is printed too, for comparison.

    python -m bench.live [--runs 20] [--hold 60] [--idle 60] [--pauses 10] [--narrowband]

`--narrowband` plays the user's speech as an 8 kHz headset microphone sends it
(bench/noises.py), where Whisper checks the commands PocketSphinx hears
(voice_coach/recognition/frontend.py).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench import noises
from bench.pulse import PrivatePulse
from voice_coach.app.data import CoachData
from voice_coach.app.echo import EchoGate
from voice_coach.app.live import Devices, LiveCoach, run_live
from voice_coach.app.playback import Playback
from voice_coach.app.transcript import TranscriptEvent
from voice_coach.audio import write_audio
from voice_coach.audio.clip import AudioClip
from voice_coach.audio.devices import Microphone
from voice_coach.audio.speaker_process import SpeakerProcess
from voice_coach.dialogue import MonotonicClock
from voice_coach.recognition import make_recognizer, phrase_meanings
from voice_coach.speech import Pyttsx3Synthesizer, synthesize

ROOT = Path(__file__).resolve().parent.parent

USER_VOICE = ("en-us", 160)
"""espeak-ng voice of the user (one the calibration saw; recognition is measured elsewhere)."""
PAD = 0.5
"""Trailing silence in each synthesized clip (evaluate.synthesize)."""


class TappedMicrophone(Microphone):
    """The coach's microphone, remembering when each loud sample was recorded: the end of
    the user's speech as the coach's own microphone got it, on the coach's clock."""

    def __init__(self) -> None:
        super().__init__()
        self.loud: list[float] = []
        """Monotonic recording time of the last loud sample of each chunk that had one."""

    def read(self, timeout: float) -> bytes | None:
        chunk = super().read(timeout)
        if chunk and self.captured_until is not None:
            x = np.abs(np.frombuffer(chunk, dtype=np.int16).astype(np.int32))
            idx = np.flatnonzero(x > LOUD)
            if idx.size:
                recorded = self.captured_until - float(self._stream.latency)
                self.loud.append(recorded - (len(x) - 1 - idx[-1]) / 16000)
        return chunk


LOUD = 300
"""Sample level above which the user is speaking (the clips' silence is digital zero)."""


class Bench:
    def __init__(self, folder: Path, narrowband: bool = False) -> None:
        self.pulse = PrivatePulse(folder)
        self.pulse.start()
        os.environ.update({k: self.pulse.env[k] for k in ("PULSE_SERVER", "XDG_RUNTIME_DIR")})
        data = CoachData.load()
        recognizer = make_recognizer("pocketsphinx", phrase_meanings(data.intents),
                                     background=True).recognizer  # as the live coach
        self.speaker = SpeakerProcess()  # as the live coach's; it notes onsets and cuts
        self.voice = Playback(Pyttsx3Synthesizer(), None)
        self.heard: list[tuple[float, str | None]] = []
        self.counts: list[float] = []
        """Monotonic times the dialogue said each count number."""
        self.coach = LiveCoach(data, recognizer, self.voice, MonotonicClock(),
                               gate=EchoGate(self.speaker.power),
                               on_event=self._event)
        self.wavs: dict[str, Path] = {}
        for text in ("cramp help", "stop", "next step", "no", "ready", "pause", "resume"):
            self.wavs[text] = folder / f"{text.replace(' ', '_')}.wav"
            speech = synthesize(text, *USER_VOICE)
            if narrowband:
                speech = AudioClip(noises.narrowband(speech.samples), speech.rate)
            write_audio(self.wavs[text], speech)
        self._stop = threading.Event()
        self.mic: TappedMicrophone | None = None

        def open_mic() -> TappedMicrophone:
            self.mic = TappedMicrophone()
            return self.mic

        devices = Devices(open_mic, lambda: self.speaker, self.voice)
        self.thread = threading.Thread(
            target=run_live, args=(self.coach, devices, print),
            kwargs={"should_stop": self._stop.is_set}, daemon=True)
        self.thread.start()
        time.sleep(2.0)  # the first microphone audio takes about a second

    def _event(self, event: TranscriptEvent) -> None:
        if event.who == "user":
            self.heard.append((time.monotonic(), event.intent))
        elif event.kind == "count":
            self.counts.append(time.monotonic())

    def say(self, text: str) -> tuple[float, float]:
        """Play `text` into the microphone; returns when the speech in it ended: as paplay
        tells (it returns once its stream has drained) and as the coach's microphone
        recorded it (its last loud sample)."""
        self.pulse.play(self.wavs[text])
        drained = time.monotonic() - PAD
        time.sleep(0.1)  # the last chunks reach the coach
        assert self.mic is not None
        heard = max((t for t in self.mic.loud if t < drained + 0.2), default=drained)
        return drained, heard

    def wait(self, what: Callable[[], list[float]], after: float, timeout: float = 6.0,
             ) -> float | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            later = [t for t in what() if t > after]
            if later:
                return later[0]
            time.sleep(0.01)
        return None

    def quiet(self, seconds: float = 1.0) -> None:
        while self.speaker.busy or self.coach.runner.speaking:
            time.sleep(0.05)
        time.sleep(seconds)

    def close(self) -> None:
        self._stop.set()
        self.thread.join(timeout=5)
        self.pulse.stop()


def cpu_seconds() -> float:
    """CPU time used so far by the coach: this process and its worker processes (the
    speaker's, Whisper's, the transform decoder's); not the sound server or paplay."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    total = own.ru_utime + own.ru_stime
    tick = os.sysconf("SC_CLK_TCK")
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) != os.getpid() or b"voice_coach" not in (
                    proc / "cmdline").read_bytes():
                continue
        except (OSError, IndexError, ValueError):  # a process that just ended
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def idle_cpu(bench: Bench, seconds: float) -> float:
    start_cpu = cpu_seconds()
    start = time.monotonic()
    time.sleep(seconds)
    return (cpu_seconds() - start_cpu) / (time.monotonic() - start)


def answers_and_barge_in(bench: Bench, runs: int,
                         ) -> tuple[list[float], list[float], list[float], int]:
    latencies: list[float] = []
    drained_latencies: list[float] = []
    barge_ins: list[float] = []
    missed = 0
    for _ in range(runs):
        drained, end = bench.say("cramp help")
        onset = bench.wait(lambda: bench.speaker.onsets, end)
        if onset is None or not bench.coach.manager.active:
            missed += 1
            bench.quiet()
            continue
        latencies.append(onset - end)
        drained_latencies.append(onset - drained)
        # "stop" a second into the coach's first sentence (the instruction to stop, ~5 s):
        # it is still talking when "stop" is heard (between sentences nothing is cut).
        time.sleep(max(0.0, onset + 1.0 - time.monotonic()))
        _, end = bench.say("stop")
        cut = bench.wait(lambda: bench.speaker.cuts, end)
        if cut is None or bench.coach.manager.active:
            missed += 1
        else:
            barge_ins.append(cut - end)
        bench.quiet()
    return latencies, drained_latencies, barge_ins, missed


def count_pacing(bench: Bench, hold: int) -> np.ndarray:
    bench.coach.manager.hold_seconds = hold
    for text, intent in (("cramp help", "cramp_help"), ("next step", "next"), ("no", "no"),
                         ("ready", "next")):
        for _ in range(3):  # said again if not understood, as a person would
            bench.quiet(0.3)  # answers come once the coach has asked (it waits for that)
            before = len(bench.heard)
            bench.say(text)
            time.sleep(1.5)
            if any(i == intent for _, i in bench.heard[before:]):
                break
    deadline = time.monotonic() + 30
    while bench.coach.manager.state.phase != "counting" and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(hold + 4)
    played = list(bench.speaker.onsets)
    found = [next((t for t in played if t >= said - 0.005), np.nan) for said in bench.counts]
    onsets = np.array(found[:hold])
    if not len(onsets):
        raise SystemExit("the hold never started: the commands were not understood")
    return onsets - (onsets[0] + np.arange(len(onsets)))


def pause_in_counts(bench: Bench, trials: int) -> tuple[list[float], int]:
    """After the hold of `count_pacing`: "no" (the cramp has not eased) starts another;
    "pause" is said `trials` times, ending at different points of a count second, each
    time resumed. Returns, from the end of each "pause", the time to the coach's first
    reaction (a number cut off, or the answer's first sample), and how many count numbers
    started after the end of a "pause"."""
    deadline = time.monotonic() + 30
    while bench.coach.manager.state.phase != "eased" and time.monotonic() < deadline:
        time.sleep(0.05)
    bench.quiet(0.3)
    bench.say("no")
    deadline = time.monotonic() + 30
    while bench.coach.manager.state.phase != "counting" and time.monotonic() < deadline:
        time.sleep(0.05)
    reactions: list[float] = []
    late_numbers = 0
    for trial in range(trials):
        time.sleep(2.5 + 0.37 * trial)  # a few numbers, then "pause" ends at another point
        if bench.coach.manager.state.phase != "counting":
            break
        _, end = bench.say("pause")
        time.sleep(2.0)
        first = [t for t in (*bench.speaker.cuts, *bench.speaker.onsets) if t > end]
        if first and bench.coach.manager.state.paused:
            reactions.append(min(first) - end)
        late_numbers += sum(1 for t in bench.counts if t > end)
        bench.quiet(0.3)
        bench.counts.clear()
        bench.say("resume")
        time.sleep(0.5)
    return reactions, late_numbers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--hold", type=int, default=60)
    parser.add_argument("--idle", type=float, default=60.0)
    parser.add_argument("--pauses", type=int, default=10)
    parser.add_argument("--narrowband", action="store_true",
                        help="the user's speech as an 8 kHz headset microphone sends it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench = Bench(Path(tmp), args.narrowband)
        try:
            print(f"idle listening for {args.idle:.0f} s ...", file=sys.stderr)
            cpu = idle_cpu(bench, args.idle)
            print(f"{args.runs} x (cramp help, stop) ...", file=sys.stderr)
            latencies, drained, barge_ins, missed = answers_and_barge_in(bench, args.runs)
            print("answer latencies (ms):", [round(x * 1000) for x in latencies],
                  file=sys.stderr)
            print(f"a {args.hold} s hold ...", file=sys.stderr)
            errors = count_pacing(bench, args.hold)
            print(f"{args.pauses} x pause in a count ...", file=sys.stderr)
            reactions, late_numbers = pause_in_counts(bench, args.pauses)
            print("reactions to pause (ms):", [round(x * 1000) for x in reactions],
                  file=sys.stderr)
            underflows = bench.speaker.underflows
        finally:
            bench.close()

    def ms(values: list[float] | np.ndarray, q: float) -> str:
        return f"{np.percentile(values, q) * 1000:.0f} ms" if len(values) else "n/a"

    print("| measure | median | 90th percentile | runs |")
    print("|---|---|---|---|")
    print(f"| end of utterance -> first sample of the answer | {ms(latencies, 50)} | "
          f"{ms(latencies, 90)} | {len(latencies)} |")
    print(f"| the same, end of utterance as paplay tells it (earlier benches) | "
          f"{ms(drained, 50)} | {ms(drained, 90)} | {len(drained)} |")
    if latencies:
        # The first utterances are decoded at several frequency warps while the recognizer
        # adapts to the voice (voice_coach/recognition/speaker.py), so they take longer.
        print(f"| the same, first \"cramp help\" (recognizer adapting to the voice) | "
              f"{latencies[0] * 1000:.0f} ms | | 1 |")
    print(f"| end of \"stop\" -> coach silenced (barge-in) | {ms(barge_ins, 50)} | "
          f"{ms(barge_ins, 90)} | {len(barge_ins)} |")
    print(f"| count onset error over a {args.hold} s hold | {ms(np.abs(errors), 50)} | "
          f"{ms(np.abs(errors), 90)} | {len(errors)} counts; drift at the end "
          f"{errors[-1] * 1000:+.0f} ms |" if len(errors) else "| count onsets | n/a | | |")
    print(f"| end of \"pause\" in a count -> coach's first reaction (number cut, or "
          f"answer) | {ms(reactions, 50)} | {ms(reactions, 90)} | {len(reactions)} of "
          f"{args.pauses}; count numbers started after \"pause\": {late_numbers} |")
    print(f"\nutterances not understood (out of {2 * args.runs}): {missed}")
    print(f"CPU while idle-listening: {cpu:.1%} of one core")
    print(f"speaker underruns reported by PortAudio: {underflows}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
