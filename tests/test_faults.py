"""Failure paths: bad data files, bad audio, a failing voice or handler, interruptions,
and the offline guarantee. Each test checks what the user sees: message, exit code, state."""

from __future__ import annotations

import io
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from voice_coach.app.data import CoachData
from voice_coach.app.live import Devices, LiveCoach, run_live
from voice_coach.app.playback import Playback
from voice_coach.app.runner import SessionRunner
from voice_coach.app.terminal import StopRequest
from voice_coach.app.text_mode import run_text
from voice_coach.app.transcript import TranscriptEvent
from voice_coach.audio import AudioClip, write_audio
from voice_coach.audio.devices import DeviceError
from voice_coach.audio.sources import SourceLost
from voice_coach.cli import main
from voice_coach.commands.recognize import rows as recognize_files
from voice_coach.dialogue import ContentFileError, VirtualClock, load_content
from voice_coach.dialogue.manager import DialogueManager
from voice_coach.intents import Heard
from voice_coach.recognition import make_recognizer, phrase_meanings
from voice_coach.speech import SpeechError, synthesize

ROOT = Path(__file__).resolve().parent.parent
INTENTS = ROOT / "intents" / "en"
CONTENT = ROOT / "voice_coach" / "data" / "dialogue" / "en.yaml"


def edited_intents(tmp_path: Path, file: str, old: str, new: str) -> Path:
    folder = tmp_path / "intents"
    shutil.copytree(INTENTS, folder)
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


@pytest.mark.parametrize("file,old,new,message", [
    ("session.yaml", '"cramp help [please]"', '"cramp help [please]',
     "session.yaml:8: YAML syntax error"),
    ("session.yaml", '"(hamstring|leg) cramp"', '"(hamstring|leg) cramp {nope}"',
     "session.yaml:10: template '(hamstring|leg) cramp {nope}' uses unknown list {nope}; "
     "define it under 'lists'"),
    ("session.yaml", "<cramp>", "<crampp>", "uses unknown rule <crampp>; define it under "
     "'expansion_rules'"),
    ("session.yaml", "    data:", "    dta:", "session.yaml:4: intent 'cramp_help' needs a "
     "'data' list"),
])
def test_bad_intent_files_give_one_line_and_exit_2(tmp_path, capsys, file, old, new, message):
    folder = edited_intents(tmp_path, file, old, new)
    for argv in (["check", "--intents", str(folder)], ["--intents", str(folder), "--text"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("voice-coach: error: ")
        assert message in err
        assert str(folder) in err


def test_duplicate_intent_and_env_folder(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "intents"
    shutil.copytree(INTENTS, folder)
    (folder / "extra.yaml").write_text(
        "language: en\nintents:\n  next:\n    data:\n      - sentences: ['go on']\n")
    monkeypatch.setenv("VOICE_COACH_INTENTS", str(folder))
    assert main(["check"]) == 2
    assert "intent 'next' is defined twice (also in extra.yaml)" in capsys.readouterr().err
    monkeypatch.setenv("VOICE_COACH_INTENTS", str(tmp_path / "missing"))
    assert main(["check"]) == 2
    assert "not a folder of intent files" in capsys.readouterr().err


@pytest.mark.parametrize("old,new,message", [
    ("  safety:", "  safety: [", "YAML syntax error"),
    ('  idle_hint: "Say cramp help to start."\n', "", "messages.idle_hint"),
    ('{seconds} seconds left."', '{secs} seconds left."', "messages.time_left"),
    ("start: ", "start: nowhere # ", "'start' must name a step"),
    ("keep_place_seconds: 300", "keep_place_seconds: -1", "keep_place_seconds must be >= 0"),
    ("keep_place_seconds: 300", "keep_place_seconds: soon", "invalid value"),
])
def test_broken_dialogue_file_names_the_file_and_what_to_fix(tmp_path, old, new, message):
    text = CONTENT.read_text(encoding="utf-8")
    assert old in text
    bad = tmp_path / "en.yaml"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ContentFileError) as err:
        load_content(bad)
    assert str(bad) in str(err.value) and message in str(err.value)
    assert "\n" not in str(err.value)


class BrokenSynth:
    def render(self, text: str) -> AudioClip:
        raise SpeechError("espeak-ng crashed")


def test_speech_failure_keeps_the_session_going_in_print(coach_data: CoachData, capsys):
    voice = Playback(BrokenSynth(), out=None)
    clock = VirtualClock()
    code = run_text(coach_data, voice, stdin=io.StringIO("cramp help\nwhat do I need\n"),
                    banner=lambda text: None, clock=clock, sleep=clock.advance)
    out = capsys.readouterr().out
    assert code == 0
    assert voice.failed == "espeak-ng crashed"
    content = coach_data.content
    # Typed at once: the question cut the instruction, so it is said again after the answer.
    assert out.count(f"coach: {content.steps['stop'].say}") == 2
    assert f"coach: {content.info['equipment']}" in out


def test_an_exception_in_a_handler_is_logged_and_the_session_survives(coach_data, caplog,
                                                                     monkeypatch):
    clock = VirtualClock()
    manager = coach_data.manager(clock)
    events: list[TranscriptEvent] = []
    runner = SessionRunner(manager, clock, Playback(), events.append)
    runner.user(Heard("cramp help", "cramp_help"))
    node = manager.state.node

    def broken(self: DialogueManager):
        raise RuntimeError("bug in repeat")

    monkeypatch.setattr(DialogueManager, "_repeat", broken)
    runner.user(Heard("repeat", "repeat"))
    assert "bug in repeat" in caplog.text and "repeat" in caplog.text
    assert "Sorry, something went wrong" in events[-1].text
    assert manager.state.node == node
    monkeypatch.undo()
    runner.user(Heard("next", "next"))
    assert manager.state.node != node, "the dialogue still works afterwards"


class _Interrupting:
    def __init__(self) -> None:
        self.closed = False
        self.captured_until = None

    def read(self, timeout: float) -> bytes | None:
        raise KeyboardInterrupt

    def close(self) -> None:
        self.closed = True


def test_ctrl_c_in_the_live_loop_releases_the_devices(coach_data: CoachData):
    source = _Interrupting()
    closed_outputs = []

    class Out:
        def play(self, clip): ...
        def stop(self): ...
        def close(self):
            closed_outputs.append(True)

    recognizer = make_recognizer("pocketsphinx", phrase_meanings(coach_data.intents)).recognizer
    voice = Playback()
    coach = LiveCoach(coach_data, recognizer, voice, VirtualClock())
    with pytest.raises(KeyboardInterrupt):
        run_live(coach, Devices(lambda: source, Out, voice), print)
    assert source.closed and closed_outputs == [True] and voice.out is None


def test_ctrl_c_asks_the_live_loop_to_stop_and_a_second_one_quits_at_once():
    """The first Ctrl-C (or SIGTERM) only sets a flag: an exception raised wherever the
    main thread is could leave a lock held that the audio threads need to finish."""
    stop = StopRequest()
    stop(signal.SIGINT, None)
    assert stop.event.is_set()
    with pytest.raises(KeyboardInterrupt):
        stop(signal.SIGINT, None)


class _Gone:
    """A microphone that stops working, and cannot be opened again."""

    def __init__(self) -> None:
        self.opened = 0
        self.captured_until = None

    def open(self) -> _Gone:
        self.opened += 1
        if self.opened > 1:
            raise DeviceError("no such device")
        return self

    def read(self, timeout: float) -> bytes | None:
        raise SourceLost("unplugged")

    def close(self) -> None:
        pass


def test_ctrl_c_while_waiting_for_a_lost_device_quits(coach_data: CoachData):
    source = _Gone()
    recognizer = make_recognizer("pocketsphinx", phrase_meanings(coach_data.intents)).recognizer
    voice = Playback()
    coach = LiveCoach(coach_data, recognizer, voice, VirtualClock())
    stop = StopRequest()
    waits: list[float] = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 3:
            stop(signal.SIGINT, None)  # Ctrl-C during the third wait
        assert len(waits) < 10, "still waiting for the device after Ctrl-C"

    notices: list[str] = []
    run_live(coach, Devices(source.open, None, voice), notices.append, wait=wait,
             should_stop=stop.event.is_set)
    assert len(waits) == 3 and source.opened == 4
    assert not any("is back" in n for n in notices)
    assert voice.out is None


@pytest.fixture(scope="module")
def sphinx(coach_data: CoachData):
    return make_recognizer("pocketsphinx", phrase_meanings(coach_data.intents)).recognizer


def _stop() -> AudioClip:
    return synthesize("stop", "en-us", 160)


def write_stereo(path: Path, clip: AudioClip) -> None:
    soundfile.write(str(path), np.repeat(clip.samples[:, None], 2, axis=1), clip.rate,
                    subtype="PCM_16")


def _stereo_44k() -> AudioClip:
    return _stop().resampled(44100)


@pytest.mark.parametrize("name,make,intent", [
    ("silence", lambda: AudioClip.silence(2.0), None),
    ("dc offset", lambda: AudioClip((_stop().samples.astype(np.int32) + 8000)
                                    .clip(-32768, 32767).astype(np.int16), 16000), "stop"),
    # Heavily clipped speech is understood or rejected (the coach asks again), never
    # taken for another command.
    ("clipped", lambda: AudioClip((_stop().samples.astype(np.int32) * 3)
                                  .clip(-32768, 32767).astype(np.int16), 16000), ("stop", None)),
    ("very quiet", lambda: AudioClip((_stop().samples / 300).astype(np.int16), 16000), None),
    ("22.05 kHz", lambda: _stop().resampled(22050), "stop"),
    ("44.1 kHz", _stereo_44k, "stop"),
])
def test_bad_audio_is_handled(tmp_path, sphinx, coach_data, name, make, intent):
    path = tmp_path / "in.wav"
    clip = make()
    if name == "44.1 kHz":  # as a stereo file
        write_stereo(path, clip)
    else:
        write_audio(path, clip)
    [row] = recognize_files([str(path)], sphinx, coach_data.matcher())
    assert "error" not in row
    assert row["intent"] in (intent if isinstance(intent, tuple) else (intent,))


@pytest.mark.slow
def test_no_network_needed(tmp_path: Path):
    """simulate --audio and recognize inside a network namespace with no interfaces up."""
    if subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode != 0:
        pytest.fail("unshare -rn is not permitted here: the offline test cannot run")
    write_audio(tmp_path / "stop.wav", _stop())
    script = tmp_path / "s.txt"
    script.write_text("cramp help\nwhat do I need\nstop\n")
    base = ["unshare", "-rn", sys.executable, "-m", "voice_coach"]
    sim = subprocess.run([*base, "simulate", "--audio", "--json", str(script)],
                         capture_output=True, text=True, timeout=300)
    assert sim.returncode == 0, sim.stderr
    assert '"intent": "equipment"' in sim.stdout and "(session stopped)" in sim.stdout
    rec = subprocess.run([*base, "recognize", "--json", str(tmp_path / "stop.wav")],
                         capture_output=True, text=True, timeout=300)
    assert rec.returncode == 0, rec.stderr
    assert '"intent": "stop"' in rec.stdout
