"""The coach's speaker in a process of its own (voice_coach/audio/speaker_process.py), on a
private PulseAudio server's virtual speaker: it plays, stops, reports what it played and
when its device is gone, and keeps playing while the coach's process is busy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench.pulse import PrivatePulse
from voice_coach.audio import read_audio, speaker_process


def run(pulse: PrivatePulse, script: str) -> dict:
    """Run `script` (prelude included) against the private server; what it printed last."""
    done = subprocess.run([sys.executable, "-c", PRELUDE + script], env=pulse.env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return json.loads(done.stdout.splitlines()[-1])


PRELUDE = """
import json, os, signal, time
import numpy as np
from voice_coach.audio.clip import AudioClip
from voice_coach.audio.devices import DeviceError, Speaker
from voice_coach.audio.speaker_process import SpeakerProcess

RATE = 22050
def tone(seconds):
    t = np.arange(round(seconds * RATE)) / RATE
    return AudioClip((8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16), RATE)

def hold_the_lock(seconds):
    # sum() over a range runs in C without letting other threads in, as a decode does
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        sum(range(3_000_000))
"""

_PLAY_AND_STOP = """
speaker = SpeakerProcess()
time.sleep(1.0)  # PulseAudio takes about a second to start pulling audio
idle = speaker.busy
speaker.play(tone(1.0))
sent = time.monotonic()
busy = speaker.busy
time.sleep(0.6)
# The device's latency varies from run to run: spans are taken from where the tone began.
began = speaker.onsets[0] if speaker.onsets else sent
time.sleep(max(0.0, began + 0.5 - time.monotonic()))
playing = speaker.power(began + 0.2, began + 0.4)
tone_end = began + 1.0
time.sleep(max(0.0, tone_end + 0.3 - time.monotonic()))
done = speaker.busy
silent = speaker.power(tone_end + 0.1, tone_end + 0.25)
speaker.play(tone(5.0))
time.sleep(0.5)
speaker.stop()
stopped = time.monotonic()
time.sleep(0.3)
out = dict(idle=idle, busy=busy, playing=playing, done=done, silent=silent,
           after_stop=speaker.busy, onsets=[t - sent for t in speaker.onsets],
           cuts=[t - stopped for t in speaker.cuts], lost=speaker.lost)
speaker.close()
print(json.dumps(out))
"""


@pytest.mark.slow
def test_it_plays_reports_what_it_played_and_stops(pulse: PrivatePulse, tmp_path: Path):
    recording = tmp_path / "speaker.wav"
    recorder = pulse.record(recording)
    try:
        out = run(pulse, _PLAY_AND_STOP)
    finally:
        recorder.terminate()
        recorder.wait(timeout=10)
    assert not out["idle"] and out["busy"] and not out["done"] and not out["after_stop"]
    assert out["playing"] > 1e7 > 1e2 > out["silent"], "the echo gate sees what plays"
    # The private server's virtual sink: 0.28-0.41 s from play() to the device, measured.
    assert len(out["onsets"]) == 2 and 0 <= out["onsets"][0] < 0.5
    assert len(out["cuts"]) == 1 and -0.1 < out["cuts"][0] < 0.3
    assert not out["lost"]
    heard = read_audio(recording).samples.astype(np.float64)
    frames = heard[:len(heard) // 320 * 320].reshape(-1, 320)  # 20 ms each
    loud = np.sqrt(np.mean(frames * frames, axis=1)) > 3000  # the tone's is ~5700
    assert 1.3 < loud.sum() * 0.02 < 2.0, "1 s of tone, then 0.5 s until the stop"


_BUSY_COACH = """
out = {}
for kind in (Speaker, SpeakerProcess):
    speaker = kind()
    time.sleep(1.0)
    before = speaker.underflows
    speaker.play(tone(4.0))
    time.sleep(0.5)
    hold_the_lock(1.5)
    time.sleep(0.5)
    out[kind.__name__] = speaker.underflows - before
    speaker.close()
print(json.dumps(out))
"""


@pytest.mark.slow
def test_a_busy_coach_does_not_starve_it(pulse: PrivatePulse):
    """While the coach's process holds Python's lock for 1.5 s (a long decode), a speaker
    in that process runs dry (the reason for the process); this one does not."""
    out = run(pulse, _BUSY_COACH)
    assert out["Speaker"] > 0, "holding the lock starves a speaker in the same process"
    assert out["SpeakerProcess"] == 0


_LOSSES = """
out = {}
try:
    SpeakerProcess("no such device")
except DeviceError as err:
    out["error"] = str(err)
speaker = SpeakerProcess()
time.sleep(1.0)
out["before"] = speaker.lost
os.kill(speaker._worker.pid, signal.SIGKILL)
time.sleep(0.5)
out["after"] = speaker.lost
speaker.play(tone(0.5))  # nothing to play on: no exception either
speaker.stop()
speaker.close()
print(json.dumps(out))
"""


@pytest.mark.slow
def test_a_bad_device_or_a_lost_process_is_reported(pulse: PrivatePulse):
    out = run(pulse, _LOSSES)
    assert "no output device matches 'no such device'" in out["error"]
    assert out["before"] is False and out["after"] is True


def test_power_over_the_shared_ring_matches_a_plain_scan():
    """`power` looks at recent blocks first, the whole ring for spans further back, and
    at none after a silence; its answer is that of a scan of every block, before and after
    the ring wraps."""
    rate, blocksize = 22050, 512
    size = speaker_process._blocks(rate, blocksize)
    shared = speaker_process._Shared(bytearray(speaker_process._Shared.size(size)), size)
    speaker = speaker_process.SpeakerProcess.__new__(speaker_process.SpeakerProcess)
    speaker._shared = shared
    rng = np.random.default_rng(1)
    step = blocksize / rate
    written: list[tuple[float, float, float]] = []
    for total in (0, 10, 100, size, 3 * size + 7, 4 * size):
        for i in range(len(written), total):
            # Silence between clips, and 200 silent blocks (4.6 s) at the end.
            silent = i % 300 > 240 or i >= 4 * size - 200
            written.append((i * step, (i + 1) * step,
                            0.0 if silent else float(rng.uniform(0, 1e6))))
            shared.played(*written[-1])
        kept = written[-size:]
        now = total * step
        for start, end in ((now - 0.3, now - 0.1), (now - 5, now - 4), (now - 39, now - 30),
                           (-1.0, now + 1), (now - 3, now - 2.5)):
            scan = [p for s, e, p in kept if e > start and s < end]
            assert speaker.power(start, end) == pytest.approx(
                float(np.mean(scan)) if scan else 0.0, rel=1e-9), (total, start, end)
