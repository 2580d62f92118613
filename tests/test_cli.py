"""The command line at the door: arguments and output paths checked before a session runs,
scripts with a byte-order mark, SIGTERM as Ctrl-C, intents the dialogue does not handle,
audio libraries kept quiet."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from voice_coach.cli import main

ROOT = Path(__file__).resolve().parent.parent
INTENTS = ROOT / "intents" / "en"


def _script(tmp_path: Path, text: str = "cramp help\nstop\n", bom: bool = False) -> Path:
    path = tmp_path / "script.txt"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


@pytest.mark.parametrize(("argv", "message"), [
    (["demo", "--out", "{tmp}/missing/out.wav"], "folder {tmp}/missing does not exist"),
    (["demo", "--out", "{tmp}"], "{tmp} is a folder"),
    (["simulate", "{script}", "--wav", "{tmp}"], "{tmp} is a folder"),
    (["simulate", "{script}", "--wav", "{tmp}/missing/out.wav"], "does not exist"),
])
def test_a_bad_output_path_is_one_line_and_exit_2_before_anything_runs(tmp_path, capsys, argv,
                                                                       message):
    script = _script(tmp_path)
    args = [a.format(tmp=tmp_path, script=script) for a in argv]
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert out == ""  # no session was run
    assert err.count("\n") == 1
    assert err.startswith("voice-coach: error: ")
    assert message.format(tmp=tmp_path) in err


def test_a_script_starting_with_a_byte_order_mark_is_read_from_its_first_line(tmp_path,
                                                                             capsys):
    assert main(["simulate", str(_script(tmp_path, bom=True)), "--json"]) == 0
    out = capsys.readouterr().out
    assert '"who": "user", "text": "cramp help", "intent": "cramp_help"' in out


def _with_dance(tmp_path: Path) -> Path:
    """The built-in intents plus one the dialogue has no meaning for."""
    folder = tmp_path / "intents"
    shutil.copytree(INTENTS, folder)
    (folder / "dance.yaml").write_text(
        'language: en\nintents:\n  dance:\n    data:\n      - sentences:\n'
        '          - "let\'s dance"\n', encoding="utf-8")
    return folder


def test_check_reports_an_intent_the_dialogue_does_not_handle(tmp_path, capsys):
    folder = _with_dance(tmp_path)
    assert main(["check", "--intents", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("voice-coach: error: ") and err.count("\n") == 1
    assert "does not handle the intent(s) dance" in err
    assert main(["check"]) == 0


def test_devices_check_on_a_missing_device_exits_2(capsys):
    assert main(["devices", "--check", "--input-device", "no-such-microphone-xyz"]) == 2
    err = capsys.readouterr().err
    assert "no input device matches 'no-such-microphone-xyz'" in err


def test_sigterm_in_text_mode_says_bye_and_leaves_no_temp_files(tmp_path):
    """Not muted, so the speech synthesizer makes its temp folder (the speaker may be
    missing here: the coach then prints only, as it says)."""
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "voice_coach", "--text"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdin is not None and proc.stdout is not None
    banner = proc.stdout.readline()
    assert banner.startswith("voice-coach (text mode)")
    deadline = time.monotonic() + 10
    while not list(tmp_path.glob("voice-coach-tts-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(tmp_path.glob("voice-coach-tts-*")), "the synthesizer made no temp folder"
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert out.strip().endswith("Bye.")
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def _alsa_open_nonexistent(quiet: bool) -> str:
    code = ("import ctypes\n"
            "from voice_coach.audio.devices import quiet_audio_libraries\n"
            f"if {quiet}: quiet_audio_libraries()\n"
            "alsa = ctypes.CDLL('libasound.so.2')\n"
            "alsa.snd_pcm_open(ctypes.byref(ctypes.c_void_p()), b'nosuch', 0, 0)\n")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stderr


def test_alsa_messages_stay_out_of_the_terminal():
    assert "ALSA lib" in _alsa_open_nonexistent(quiet=False)  # what it would print
    assert _alsa_open_nonexistent(quiet=True) == ""


@pytest.mark.slow
def test_sigterm_during_a_long_command_ends_it_as_ctrl_c_does(tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    out = tmp_path / "demo.wav"
    proc = subprocess.Popen([sys.executable, "-m", "voice_coach", "demo", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    assert proc.stdout.readline()  # the session is under way
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # no half-written WAV, no temp folders


def test_an_intent_the_dialogue_does_not_handle_is_named_at_start(tmp_path, capsys):
    folder = _with_dance(tmp_path)
    assert main(["simulate", str(_script(tmp_path)), "--intents", str(folder)]) == 0
    err = capsys.readouterr().err
    assert "warning: the dialogue does not handle the intent(s) dance" in err
