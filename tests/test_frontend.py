"""The front end before recognition (noise suppression), audio files of any format, the
utterance length cap and the command line's option order."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile
from ears import Ears

from bench import noises
from voice_coach.app.data import CoachData
from voice_coach.app.understand import understand_clip
from voice_coach.audio import AudioClip, write_audio
from voice_coach.audio.denoise import Denoiser, denoise
from voice_coach.cli import main
from voice_coach.commands.recognize import rows as recognize_files
from voice_coach.recognition import make_recognizer, phrase_meanings
from voice_coach.recognition.frontend import QUIET_HOLD_SECONDS, Denoised, percentile
from voice_coach.recognition.sphinx_utterances import MAX_UTTERANCE_SECONDS, Utterances
from voice_coach.speech import synthesize


@pytest.mark.parametrize("n", [1, 2, 5, 49, 50])
@pytest.mark.parametrize("q", [0, 10, 50, 90, 100])
def test_percentile_is_numpys(n, q):
    values = np.random.default_rng(n).normal(40.0, 8.0, n).tolist()
    assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)), abs=1e-9)


def test_streaming_denoise_is_the_same_in_any_chunk_size():
    speech = noises.mix(synthesize("next step").samples, "pink", 5.0, seed=1)
    whole = denoise(speech)
    d = Denoiser()
    parts = b"".join(d.process(speech[i:i + 320].tobytes()) for i in range(0, len(speech), 320))
    streamed = np.frombuffer(parts + d.flush(), dtype="<i2")[:len(whole)]
    assert np.array_equal(streamed, whole)


def test_denoise_removes_noise_and_keeps_speech():
    clean = synthesize("how much longer").samples
    noisy = noises.mix(clean, "white", 5.0, seed=2)
    out = denoise(noisy).astype(np.float64)
    silent = slice(0, 6000)  # the synthesized clip starts with 0.5 s of silence
    assert np.std(out[silent]) < np.std(noisy[silent].astype(np.float64)) / 10
    voiced = np.abs(clean) > 1000
    assert np.std(out[voiced]) > np.std(clean[voiced].astype(np.float64)) / 3


def test_quiet_audio_reaches_the_engine_untouched_and_noise_is_suppressed():
    ears = Ears()
    front = Denoised(ears)
    quiet = synthesize("stop").samples
    for i in range(0, len(quiet), 320):
        front.accept(quiet[i:i + 320].tobytes())
    assert b"".join(ears.heard) == quiet.tobytes() and not front.denoising
    ears.heard.clear()
    loud = noises.noise_only("traffic", 2.0, 2000.0, seed=3)
    for i in range(0, len(loud), 320):
        front.accept(loud[i:i + 320].tobytes())
    assert front.denoising and ears.noisy_input
    late = np.frombuffer(b"".join(ears.heard), dtype="<i2")[-RATE_HALF:]
    assert np.std(late) < np.std(loud[-RATE_HALF:]) / 3


RATE_HALF = 8000


def test_noise_with_quiet_gaps_keeps_suppression_on_until_it_is_quiet_for_a_while():
    ears = Ears()
    front = Denoised(ears)
    running = noises.noise_only("steps", 4.0, 2000.0, seed=4)  # thuds and breaths, with gaps
    states = []
    for i in range(0, len(running), 320):
        front.accept(running[i:i + 320].tobytes())
        states.append(front.denoising)
    first_on = states.index(True)
    assert first_on < 50 and all(states[first_on:]), "switched off in a gap between steps"
    quiet = np.zeros(int((QUIET_HOLD_SECONDS - 1.0) * 16000), dtype=np.int16)
    for i in range(0, len(quiet), 320):
        front.accept(quiet[i:i + 320].tobytes())
    assert front.denoising, "switched off before the background was quiet for long"
    for _ in range(50):  # 1.5 s more
        front.accept(bytes(960))
    assert not front.denoising and not ears.noisy_input


@pytest.fixture(scope="module")
def sphinx(coach_data: CoachData):
    return make_recognizer("pocketsphinx", phrase_meanings(coach_data.intents)).recognizer


@pytest.mark.parametrize("subtype,suffix", [
    ("PCM_24", ".wav"), ("FLOAT", ".wav"), ("ALAW", ".wav"), ("PCM_U8", ".wav"),
    ("PCM_16", ".flac"), ("VORBIS", ".ogg")])
def test_audio_files_of_any_format_are_understood(tmp_path, sphinx, coach_data, subtype,
                                                   suffix):
    clip = synthesize("stop")
    path = tmp_path / f"stop{suffix}"
    soundfile.write(str(path), clip.samples.astype(np.float32) / 32768, clip.rate,
                    subtype=subtype)
    [row] = recognize_files([str(path)], sphinx, coach_data.matcher())
    assert row["intent"] == "stop", row


def test_a_clip_cut_tight_around_the_words_is_understood(tmp_path, sphinx, coach_data):
    path = tmp_path / "tight.wav"
    subprocess.run(["espeak-ng", "-w", str(path), "next step"], check=True)
    [row] = recognize_files([str(path)], sphinx, coach_data.matcher())
    assert row["intent"] == "next", row


@pytest.mark.parametrize("seed", [2007, 2008, 2010, 2014])
def test_footsteps_and_breathing_alone_never_pass_for_a_command(sphinx, coach_data, seed):
    """Loud running noise, denoised, that passed for "i'm done", "end" and "done" before
    an utterance needed speech by Silero VAD."""
    steps = noises.noise_only("steps", 3.0, 3000.0, seed=seed)
    heard = understand_clip(sphinx, coach_data.matcher(), AudioClip(steps, 16000))
    assert heard.intent is None, heard


def test_noise_never_grows_an_utterance_past_the_cap():
    """Loud noise can hold PocketSphinx's endpointer open; the utterance is cut at the cap
    (the engine's own endpointing, no noise suppression, which would hide the case)."""
    utterances = Utterances()
    loud = noises.noise_only("white", 20.0, 8000.0, seed=4)
    lengths = [len(u) for i in range(0, len(loud), 1600)
               for u in utterances.accept(loud[i:i + 1600].tobytes()) if isinstance(u, bytes)]
    assert len(lengths) >= 3  # 20 s of noise held it open: cut again and again
    assert max(lengths) <= (MAX_UTTERANCE_SECONDS + 0.1) * 2 * 16000


@pytest.mark.slow
def test_ten_minutes_of_loud_noise_keep_recognize_under_250_mb(tmp_path: Path):
    path = tmp_path / "noise.wav"
    write_audio(path, AudioClip(noises.noise_only("pink", 600.0, 3000.0, seed=5), 16000))
    # The peak is read inside the child, from its own memory map (VmHWM): getrusage's
    # maxrss survives exec, so it would count this process's memory, forked.
    run_and_measure = (
        "import re, sys; from voice_coach.cli import main; rc = main(sys.argv[1:]); "
        "status = open('/proc/self/status').read(); "
        "print(re.search(r'VmHWM:\\s+(\\d+)', status).group(1), file=sys.stderr); "
        "sys.exit(rc)")
    out = subprocess.run([sys.executable, "-c", run_and_measure, "recognize", "--json",
                          "--engine", "pocketsphinx", str(path)],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["file"] == str(path)  # heard to the end
    peak_mb = int(out.stderr.split()[-1]) / 1024
    assert peak_mb < 250, peak_mb


@pytest.mark.parametrize("argv", [
    ["--intents", "{bad}", "check"], ["check", "--intents", "{bad}"]])
def test_common_options_work_before_or_after_the_command(tmp_path, capsys, argv):
    bad = tmp_path / "empty"
    bad.mkdir()
    assert main([a.format(bad=bad) for a in argv]) == 2
    assert "no *.yaml intent files in this folder" in capsys.readouterr().err


def test_engine_before_the_command_is_used(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.delenv("VOICE_COACH_MODEL", raising=False)
    monkeypatch.setenv("VOICE_COACH_MODEL_DIRS", str(tmp_path / "none"))
    assert main(["--engine", "vosk", "recognize", "x.wav"]) == 2
    assert "no Vosk model is installed" in capsys.readouterr().err


def test_verbose_after_the_command_is_accepted(tmp_path, capsys):
    script = tmp_path / "s.txt"
    script.write_text("cramp help\nstop\n")
    assert main(["simulate", str(script), "-v", "--json"]) == 0
    assert '"intent": "stop"' in capsys.readouterr().out
