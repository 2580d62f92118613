"""Command line: `voice-coach [--text] | simulate | recognize | check | model | devices`."""

from __future__ import annotations

import argparse
import importlib
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from . import __version__
from .app.script import ScriptError
from .app.simulate import SimulationTooLong
from .audio.devices import DeviceError
from .errors import DataFileError, UsageError
from .recognition import ENGINES, ModelError
from .speech import SpeechError

EXIT_USAGE = 2
log = logging.getLogger("voice_coach")

COMMANDS = {None: "coach", "simulate": "simulate", "recognize": "recognize", "check": "check",
            "model": "model", "devices": "devices", "demo": "demo"}
"""Command name -> its module in voice_coach.commands (imported only when run)."""
USER_ERRORS = (DataFileError, ScriptError, UsageError, DeviceError, SpeechError, ModelError)
"""Errors the user can fix: one line on stderr, exit code 2."""


def _options(suppress: bool) -> argparse.ArgumentParser:
    """The options every command takes, declared once. They may come before or after the
    command: the top-level parser sets the defaults, and the commands' copies
    (`suppress`) only set what is given after the command name."""
    parent = argparse.ArgumentParser(add_help=False)

    def default(value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    parent.add_argument("-v", "--verbose", action="store_true", default=default(False),
                        help="log details to stderr")
    parent.add_argument("--intents", metavar="DIR", default=default(None),
                        help="folder of intent *.yaml files (default: $VOICE_COACH_INTENTS, "
                             "else the built-in ones)")
    parent.add_argument("--voice", default=default(None),
                        help="text-to-speech voice id or name (default: en)")
    parent.add_argument("--rate", type=int, metavar="WPM", default=default(None),
                        help="speaking rate in words per minute (default: 175)")
    parent.add_argument("--engine", choices=ENGINES, default=default("auto"),
                        help="speech recognizer (default auto: Vosk when a model is "
                             "installed, else the built-in PocketSphinx)")
    parent.add_argument("--model", metavar="PATH", default=default(None),
                        help="Vosk model directory")
    parent.add_argument("--no-denoise", dest="denoise", action="store_false",
                        default=default(True),
                        help="no front end: no noise suppression (RNNoise), no second "
                             "opinion (Whisper) on what the recognizer turns down")
    parent.add_argument("--no-tones", dest="tones", action="store_false",
                        default=default(True),
                        help="no soft tone when a spoken command is heard (live and demo)")
    parent.add_argument("--input-device", metavar="NAME|INDEX", default=default(None),
                        help="microphone (see 'voice-coach devices'; default: the system's)")
    parent.add_argument("--output-device", metavar="NAME|INDEX", default=default(None),
                        help="earbuds or speaker (default: the system's)")
    return parent


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="voice-coach", parents=[_options(suppress=False)],
        usage="%(prog)s [OPTIONS] [--text [--mute]] [COMMAND [ARGS]]",
        description="Offline, hands-free voice coach for a hamstring cramp. "
                    "Nothing you say leaves this device. Options may come before or after "
                    "the command.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--text", action="store_true",
                        help="type instead of speaking (the coach still talks, unless --mute)")
    parser.add_argument("--mute", action="store_true", help="print only, no speech output")
    common = [_options(suppress=True)]
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sim = sub.add_parser("simulate", parents=common, prog="voice-coach simulate",
                         help="run a scripted session in virtual time, instantly",
                         description="SCRIPT: one user utterance per line; a plain line is "
                                     "said as soon as the coach waits for an answer, '@T "
                                     "text' at T seconds from the start, '+T text' T seconds "
                                     "after the line before; '#' starts a comment.")
    sim.add_argument("script", metavar="SCRIPT")
    sim.add_argument("--json", action="store_true", help="JSON Lines, one object per event")
    sim.add_argument("--audio", action="store_true",
                     help="speak each user line and send it through the recognizer")
    sim.add_argument("--wav", metavar="OUT.wav", help="write the coach's speech timeline")

    rec = sub.add_parser("recognize", parents=common, prog="voice-coach recognize",
                         help="recognise intents in audio files",
                         description="Each audio file (any sample rate or channel count) goes "
                                     "through the recognizer and the intent matcher; the "
                                     "model loads once for all files. PocketSphinx adapts "
                                     "to the voice of the first files: give one speaker's "
                                     "files per call.")
    rec.add_argument("files", nargs="+", metavar="FILE")
    rec.add_argument("--json", action="store_true", help="one JSON object per file")

    model = sub.add_parser("model", parents=common, prog="voice-coach model",
                           help="Vosk models: list what is installed, download one")
    model_sub = model.add_subparsers(dest="model_command", metavar="ACTION", required=True)
    model_sub.add_parser("list", help="installed models and where they are")
    download = model_sub.add_parser(
        "download", help="download a Vosk model into the user data directory",
        description="The only command that uses the network. The archive is checked (size, "
                    "zip CRCs, the files Vosk needs, and --sha256 if given) before it is "
                    "installed.")
    download.add_argument("name", nargs="?", metavar="NAME",
                          help="model name (default: vosk-model-small-en-us-0.15)")
    download.add_argument("--url", metavar="BASE",
                          help="where models are served (default: alphacephei.com; NAME.zip "
                               "is fetched from there)")
    download.add_argument("--sha256", metavar="HEX", help="expected SHA-256 of the archive")

    devices = sub.add_parser("devices", parents=common, prog="voice-coach devices",
                             help="list the audio devices (for --input/--output-device)")
    devices.add_argument("--check", action="store_true",
                         help="instead, try the microphone and speaker chosen by "
                              "--input-device/--output-device; exit code 2 if unusable")

    demo = sub.add_parser("demo", parents=common, prog="voice-coach demo",
                          help="a canned session through the whole pipeline, to a WAV",
                          description="Synthesized user speech -> recognizer -> dialogue -> "
                                      "coach speech, in virtual time; both voices are "
                                      "written to one WAV file, the transcript to stdout.")
    demo.add_argument("--out", metavar="OUT.wav", default="demo-session.wav",
                      help="where to write the session audio (default: demo-session.wav)")
    demo.add_argument("--json", action="store_true", help="JSON Lines transcript")

    sub.add_parser("check", parents=common, prog="voice-coach check",
                   help="validate the intent and dialogue files")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="voice-coach: %(levelname)s: %(message)s")
    if args.verbose:  # the coach's own details (and the audio libraries' messages)
        log.setLevel(logging.DEBUG)
    command = importlib.import_module(f".commands.{COMMANDS[args.command]}", __package__)
    previous = _sigterm_as_ctrl_c()
    try:
        return int(command.run(args))
    except USER_ERRORS as err:
        print(f"voice-coach: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except SimulationTooLong as err:
        print(f"voice-coach: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _sigterm_as_ctrl_c() -> Any:
    """SIGTERM (a service manager, `kill`) ends every command as Ctrl-C does: cleanly, files
    removed, exit 130 (the live coach asks its loop to stop instead, see StopRequest).
    Returns the handler to restore, or None off the main thread (where it cannot be set)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _interrupt)


if __name__ == "__main__":
    sys.exit(main())
