"""The live coach on real (virtual) audio devices: a private PulseAudio server, speech
played into its virtual microphone, the coach's speech recorded from its virtual speaker."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from bench.pulse import PrivatePulse
from voice_coach.audio import read_audio, write_audio
from voice_coach.dialogue import load_content
from voice_coach.speech import synthesize

CONTENT = load_content()


def said(key: str, **numbers: str) -> str:
    """A regex for the message `key` of the dialogue file; `numbers` names its placeholders
    to capture (e.g. count=r"(\\d+)")."""
    text = re.escape(CONTENT.messages[key])
    for name, group in numbers.items():
        text = text.replace(re.escape("{" + name + "}"), group)
    return text


def first_sentence(text: str) -> str:
    return re.escape(text.split(".")[0])

pytestmark = pytest.mark.slow

USER_VOICE = ("en-us", 160)  # a calibration voice; recognition is measured elsewhere


class Coach:
    """`voice-coach` running live in a subprocess; its output lines, timestamped."""

    def __init__(self, pulse: PrivatePulse, *args: str) -> None:
        self.lines: list[tuple[float, str, str]] = []
        self._lock = threading.Lock()
        self.proc = subprocess.Popen(
            # --verbose: a failure's message then shows what was heard and how it scored
            [sys.executable, "-m", "voice_coach", "--verbose", "--engine", "pocketsphinx",
             *args],
            env=pulse.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, bufsize=1)
        for name, stream in (("out", self.proc.stdout), ("err", self.proc.stderr)):
            threading.Thread(target=self._read, args=(name, stream), daemon=True).start()

    def _read(self, name: str, stream) -> None:
        for line in stream:
            with self._lock:
                self.lines.append((time.monotonic(), name, line.rstrip("\n")))

    def text(self, since: float = 0.0) -> list[str]:
        with self._lock:
            return [line for t, _, line in self.lines if t >= since]

    def wait_for(self, pattern: str, timeout: float, since: float = 0.0) -> float:
        """Time the first line matching `pattern` (after `since`) appeared."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for t, _, line in self.lines:
                    if t >= since and regex.search(line):
                        return t
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r} within {timeout} s; got:\n"
                             + "\n".join(self.text()))

    def counts(self, since: float = 0.0) -> list[tuple[float, int]]:
        with self._lock:
            return [(t, int(line)) for t, name, line in self.lines
                    if name == "out" and t >= since and line.strip().isdigit()]

    def say(self, pulse: PrivatePulse, clip: Path, answer: str, tries: int = 3,
            timeout: float = 6.0) -> float:
        """Play `clip` into the microphone until the coach answers with `answer` (said up
        to `tries` times, as a user would if the first one is not understood: recognition
        is measured in test_sphinx_recognition.py); the time of the answer."""
        for attempt in range(1, tries + 1):
            played = time.monotonic()
            pulse.play(clip)
            try:
                return self.wait_for(answer, timeout, since=played)
            except AssertionError:
                if attempt == tries:
                    raise
        raise ValueError(f"tries must be at least 1, not {tries}")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                return self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        return self.proc.wait()


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("speech")
    out = {}
    for text in ("cramp help", "next step", "no", "ready", "pause", "resume", "stop"):
        path = folder / f"{text.replace(' ', '_')}.wav"
        write_audio(path, synthesize(text, *USER_VOICE))
        out[text] = path
    return out


def test_devices_lists_the_virtual_devices(pulse: PrivatePulse):
    result = subprocess.run([sys.executable, "-m", "voice_coach", "devices"], env=pulse.env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "[default input]" in result.stdout and "[default output]" in result.stdout


_READ_LATE = """
import json, time
from voice_coach.audio.devices import Microphone
mic = Microphone()
assert mic.read(10.0) is not None  # the stream has started (PulseAudio can take ~1 s)
time.sleep(0.5)  # a loop busy decoding: chunks queue up meanwhile
rows = []
for _ in range(10):
    mic.read(1.0)
    rows.append((time.monotonic(), mic.captured_until))
mic.close()
print(json.dumps(rows))
"""


def test_microphone_chunks_carry_when_they_were_recorded(pulse: PrivatePulse):
    """Chunks read late still say when they were recorded (the echo gate lines them up
    with the coach's playback by that time)."""
    result = subprocess.run([sys.executable, "-c", _READ_LATE], env=pulse.env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout.splitlines()[-1])
    read_at, captured = rows[0]
    assert read_at - captured > 0.3, "the first chunk waited in the queue"
    steps = np.diff([c for _, c in rows])
    assert (steps >= 0).all() and steps.sum() < 0.5, "recording times run on in order"


def test_live_session_on_virtual_devices(pulse: PrivatePulse, speech: dict[str, Path],
                                         tmp_path: Path):
    recording = tmp_path / "speaker.wav"
    recorder = pulse.record(recording)
    coach = Coach(pulse)
    try:
        coach.wait_for(r"^Listening\.", 60)
        time.sleep(2.0)  # PulseAudio takes about a second to start delivering audio
        played = time.monotonic()
        pulse.play(speech["cramp help"])
        heard = coach.wait_for(r'you: +"cramp help"', 10, since=played)
        # The instruction to stop comes first, at once.
        coach.wait_for("coach: " + first_sentence(CONTENT.steps["stop"].say), 1, since=heard)

        # "next step" over the coach moves on; "no" answers the question once it has been
        # asked; "ready" over the stretch's text starts the hold.
        time.sleep(1.0)
        played = time.monotonic()
        pulse.play(speech["next step"])
        asked = coach.wait_for(first_sentence(CONTENT.steps["sit"].say), 10, since=played)
        time.sleep(5.0)  # the question is heard in full
        played = time.monotonic()
        pulse.play(speech["no"])
        coach.wait_for(first_sentence(CONTENT.steps["stretch_standing"].say), 10, since=asked)
        time.sleep(1.0)
        played = time.monotonic()
        pulse.play(speech["ready"])
        coach.wait_for(said("hold_start", seconds=r"\d+"), 10, since=played)
        coach.wait_for(r"^ +3$", 15)

        paused = coach.say(pulse, speech["pause"], said("paused_count", count=r"\d+"))
        frozen_at = int(re.findall(said("paused_count", count=r"(\d+)"),
                                   "\n".join(coach.text(paused)))[0])
        time.sleep(4.0)
        assert coach.counts(since=paused) == [], "the count went on while paused"

        played = time.monotonic()
        pulse.play(speech["resume"])
        coach.wait_for(said("resumed_count"), 10, since=played)
        coach.wait_for(rf"^ +{frozen_at + 1}$", 10, since=played)
        time.sleep(3.2)
        after = coach.counts(since=played)
        assert [n for _, n in after] == list(range(frozen_at + 1, frozen_at + 1 + len(after)))
        gaps = np.diff([t for t, _ in after])
        assert len(gaps) >= 2 and np.all(np.abs(gaps - 1.0) < 0.25), gaps
    finally:
        code = coach.stop()
        recorder.terminate()
        recorder.wait(timeout=10)
    assert code == 0, "\n".join(coach.text())
    assert "Bye." in coach.text()
    assert "Traceback" not in "\n".join(coach.text())
    heard = read_audio(recording)
    loud = np.abs(heard.samples.astype(np.int32)) > 1000
    assert loud.mean() > 0.05, "the coach's speech reached the virtual speaker"


def test_losing_the_sound_server_pauses_and_recovers(pulse: PrivatePulse,
                                                     speech: dict[str, Path]):
    coach = Coach(pulse)
    try:
        coach.wait_for(r"^Listening\.", 60)
        time.sleep(2.0)
        pulse.play(speech["cramp help"])
        coach.wait_for("coach: " + said("safety"), 15)
        time.sleep(1.0)
        lost_at = time.monotonic()
        pulse.kill()
        coach.wait_for(r"stopped working; keeping your place", 10, since=lost_at)
        time.sleep(2.0)
        pulse.start()
        coach.wait_for(said("device_back", device=".*"), 20, since=lost_at)
        # The coach hears again: "stop" ends the session.
        time.sleep(3.0)
        coach.say(pulse, speech["stop"], r"\(session stopped\)")
    finally:
        code = coach.stop()
    out = "\n".join(coach.text())
    assert code == 0, out
    assert "Traceback" not in out
    assert re.search(said("device_lost", device=".*"), out)
