"""Command line: `voice-coach [--text] | simulate | recognize | check | model | devices`."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__
from .app.coach import CoachData, text_understander
from .app.runner import TranscriptEvent
from .app.script import ScriptError, read_script
from .app.simulate import SimulationTooLong, simulate
from .app.voice import Voice
from .audio import write_wav
from .audio.devices import DeviceError, Speaker
from .audio.sinks import TimelineSink
from .dialogue import VirtualClock
from .errors import DataFileError
from .recognition import ENGINES, ModelError
from .speech import Pyttsx3Synthesizer, SpeechError

EXIT_USAGE = 2
log = logging.getLogger("voice_coach")


class UserError(Exception):
    """Something the user can fix; printed as one line, exit code 2."""


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
                        help="no noise suppression (RNNoise) in front of the recognizer")
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

    sim = sub.add_parser("simulate", parents=common,
                         help="run a scripted session in virtual time, instantly",
                         description="SCRIPT: one user utterance per line; '@T text' speaks "
                                     "at T seconds from the start, a plain line as soon as "
                                     "the coach waits for an answer; '#' starts a comment.")
    sim.add_argument("script", metavar="SCRIPT")
    sim.add_argument("--json", action="store_true", help="JSON Lines, one object per event")
    sim.add_argument("--audio", action="store_true",
                     help="speak each user line and send it through the recognizer")
    sim.add_argument("--wav", metavar="OUT.wav", help="write the coach's speech timeline")

    rec = sub.add_parser("recognize", parents=common, help="recognise intents in audio files",
                         description="Each WAV file (any sample rate or channel count) goes "
                                     "through the recognizer and the intent matcher; the "
                                     "model loads once for all files. PocketSphinx adapts "
                                     "to the voice of the first files: give one speaker's "
                                     "files per call.")
    rec.add_argument("files", nargs="+", metavar="FILE")
    rec.add_argument("--json", action="store_true", help="one JSON object per file")

    model = sub.add_parser("model", parents=common,
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

    devices = sub.add_parser("devices", parents=common,
                             help="list the audio devices (for --input/--output-device)")
    devices.add_argument("--check", action="store_true",
                         help="instead, try the microphone and speaker chosen by "
                              "--input-device/--output-device; exit code 1 if unusable")

    demo = sub.add_parser("demo", parents=common,
                          help="a canned session through the whole pipeline, to a WAV",
                          description="Synthesized user speech -> recognizer -> dialogue -> "
                                      "coach speech, in virtual time; both voices are "
                                      "written to one WAV file, the transcript to stdout.")
    demo.add_argument("--out", metavar="OUT.wav", default="demo-session.wav",
                      help="where to write the session audio (default: demo-session.wav)")
    demo.add_argument("--json", action="store_true", help="JSON Lines transcript")

    sub.add_parser("check", parents=common, help="validate the intent and dialogue files")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="voice-coach: %(levelname)s: %(message)s")
    if args.verbose:  # the coach's own details, not every library's
        log.setLevel(logging.DEBUG)
    commands: dict[str | None, Callable[[argparse.Namespace], int]] = {
        None: cmd_coach, "simulate": cmd_simulate, "check": cmd_check,
        "recognize": cmd_recognize, "model": cmd_model, "devices": cmd_devices,
        "demo": cmd_demo,
    }
    try:
        return commands[args.command](args)
    except (DataFileError, ScriptError, UserError, DeviceError, SpeechError,
            ModelError) as err:
        print(f"voice-coach: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except SimulationTooLong as err:
        print(f"voice-coach: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def cmd_check(args: argparse.Namespace) -> int:
    data = CoachData.load(args.intents)
    files = ", ".join(str(p) for p in data.intents.files)
    print(f"ok: {len(data.intents.names)} intents from {files}; "
          f"{len(data.content.steps)} steps in {data.content.path}")
    return 0


def _synth(args: argparse.Namespace) -> Pyttsx3Synthesizer:
    return Pyttsx3Synthesizer(voice=args.voice, rate=args.rate)


def cmd_simulate(args: argparse.Namespace) -> int:
    data = CoachData.load(args.intents)
    lines = read_script(args.script)
    clock = VirtualClock()
    need_speech = bool(args.wav or args.audio)
    synth = _synth(args) if need_speech else None
    sink = TimelineSink(clock) if args.wav else None
    voice = Voice(synth, sink)
    if args.audio:
        from .app.heard import audio_understander  # imports the recognizer engines
        assert synth is not None
        understand = audio_understander(data, synth, engine=args.engine, model=args.model,
                                        notice=lambda text: print(text, file=sys.stderr),
                                        denoise=args.denoise)
    else:
        understand = text_understander(data.matcher())

    def emit(event: TranscriptEvent) -> None:
        if args.json:
            print(json.dumps(event.to_json()), flush=True)
        else:
            print(_format_event(event), flush=True)

    simulate(lines, data.manager(clock), clock, voice, understand, emit)
    if sink is not None:
        write_wav(Path(args.wav), sink.render())
        print(f"wrote {args.wav}", file=sys.stderr)
    return 0


def cmd_recognize(args: argparse.Namespace) -> int:
    from .app.heard import recognize_files
    from .recognition import make_recognizer, phrase_list

    data = CoachData.load(args.intents)
    choice = make_recognizer(args.engine, phrase_list(data.intents), args.model,
                             denoise=args.denoise)
    print(choice.notice, file=sys.stderr)
    failed = 0
    for row in recognize_files(args.files, choice.recognizer, data.matcher()):
        failed += "error" in row
        if args.json:
            print(json.dumps(row), flush=True)
        elif "error" in row:
            print(f"{row['file']}: error: {row['error']}", flush=True)
        else:
            slots = "".join(f" {k}={v}" for k, v in row["slots"].items())
            print(f"{row['file']}: {row['intent'] or 'no intent'}{slots}  "
                  f"(heard {row['text']!r}, confidence {row['confidence']:.2f})", flush=True)
    return 1 if failed else 0


def cmd_model(args: argparse.Namespace) -> int:
    from .recognition.models import DEFAULT_MODEL, installed_models, search_dirs

    if args.model_command == "download":
        from .recognition.download import BASE_URL, download_model, progress_bar

        name = args.name or DEFAULT_MODEL
        print(f"downloading {name} from {args.url or BASE_URL} ...", file=sys.stderr)
        path = download_model(name, base_url=args.url or BASE_URL, sha256=args.sha256,
                              progress=progress_bar())
        print(f"installed {name} in {path}; the coach uses it from now on "
              f"(--engine auto)")
        return 0

    models = installed_models()
    for path in models:
        print(f"{path.name}\t{path}")
    if not models:
        print(f"no Vosk model installed; looked in: "
              f"{', '.join(str(d) for d in search_dirs())}. Put {DEFAULT_MODEL} in one of "
              f"them (see models/README.md); the built-in PocketSphinx engine is used "
              f"meanwhile.")
    return 0


def _format_event(event: TranscriptEvent) -> str:
    stamp = f"[{event.t:8.2f}]"
    if event.who == "user":
        intent = event.intent or "not understood"
        slots = "".join(f" {k}={v}" for k, v in event.slots.items())
        return f"{stamp} user:  {event.text}   -> {intent}{slots}"
    return f"{stamp} coach: {event.text}"


def cmd_coach(args: argparse.Namespace) -> int:
    data = CoachData.load(args.intents)
    if args.text:
        return _coach_text(args, data)
    from .app.live_cli import run_live_command

    return run_live_command(args, data, _synth(args))


def _coach_text(args: argparse.Namespace, data: CoachData) -> int:
    from .app.text_mode import run_text

    speaker = None
    synth = None
    if not args.mute:
        try:
            synth = _synth(args)
            speaker = Speaker(args.output_device)
        except (DeviceError, SpeechError) as err:
            print(f"voice-coach: no speech output ({err}); printing only", file=sys.stderr)
    try:
        return run_text(data, Voice(synth, speaker))
    finally:
        if speaker is not None:
            speaker.close()


def cmd_devices(args: argparse.Namespace) -> int:
    from .audio.devices import Microphone, list_devices

    if args.check:
        try:
            Microphone(args.input_device).close()
            Speaker(args.output_device).close()
        except DeviceError as err:
            print(f"voice-coach: {err}", file=sys.stderr)
            return 1
        print("microphone and speaker: ok")
        return 0

    devices = list_devices()
    if not devices:
        print("no audio devices found; use --text, 'voice-coach simulate' or "
              "'voice-coach demo' instead")
        return 0
    for d in devices:
        marks = ("  [default input]" if d["default_input"] else "") + (
            "  [default output]" if d["default_output"] else "")
        print(f"{d['index']:3d}  {d['name']}  ({d['inputs']} in, {d['outputs']} out){marks}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .app.live_cli import run_demo_command

    data = CoachData.load(args.intents)
    return run_demo_command(args, data, _synth(args), _format_event)


if __name__ == "__main__":
    sys.exit(main())
