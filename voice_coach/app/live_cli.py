"""Command-line wiring of the live coach (`voice-coach`) and the demo (`voice-coach demo`)."""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from ..audio import write_wav
from ..audio.devices import DeviceError, Microphone, Speaker, reset_portaudio
from ..audio.sinks import TimelineSink
from ..audio.sources import ScheduledSource
from ..dialogue import MonotonicClock, VirtualClock
from ..recognition import make_recognizer, phrase_list
from ..recognition.evaluate import synthesize
from ..speech import Pyttsx3Synthesizer
from .coach import CoachData
from .demo import ScriptedUser, demo_lines, demo_mix, run_scripted
from .echo import EchoGate
from .live import Devices, LiveCoach, run_live
from .runner import TranscriptEvent
from .voice import Voice

NO_DEVICE_HELP = ("no usable microphone or speaker: {error}. Without audio devices you can "
                  "type with 'voice-coach --text', run a script with 'voice-coach simulate', "
                  "or hear a whole session with 'voice-coach demo'")


class StatusLine:
    """One self-overwriting line on a terminal (listening / heard / counting 12 of 30)."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self._last = ""

    def show(self, text: str) -> None:
        if self.enabled and text != self._last:
            self._last = text
            self.stream.write(f"\r\x1b[K[{text}]")
            self.stream.flush()

    def clear(self) -> None:
        if self.enabled and self._last:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._last = ""


def _print_event(status: StatusLine) -> Callable[[TranscriptEvent], None]:
    def emit(event: TranscriptEvent) -> None:
        status.clear()
        if event.who == "user":
            print(f'you:   "{event.text}"' + ("" if event.intent else "  (not understood)"),
                  flush=True)
        elif event.kind == "count":
            print(f"  {event.text}", flush=True)
        else:
            print(f"coach: {event.text}", flush=True)

    return emit


class StopRequest:
    """Ctrl-C and SIGTERM as a flag the live loop looks at between chunks.

    Raising KeyboardInterrupt from wherever the main thread happens to be can leave a lock
    held (inside a queue the microphone's audio thread also uses, or the speaker's), and
    closing the streams then waits for that thread for ever. The loop notices the flag
    within a chunk or a decode; a second Ctrl-C raises KeyboardInterrupt at once."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def __call__(self, _signum: int, _frame: object) -> None:
        if self.event.is_set():
            raise KeyboardInterrupt
        self.event.set()

    def install(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self)


def _played(voice: Voice, start: float, end: float) -> float:
    out = voice.out
    return out.power(start, end) if isinstance(out, Speaker) else 0.0


def run_live_command(args: argparse.Namespace, data: CoachData,
                     synth: Pyttsx3Synthesizer) -> int:
    status = StatusLine()
    voice = Voice(None if args.mute else synth)
    devices = Devices(
        open_source=lambda: Microphone(args.input_device),
        open_output=None if args.mute else (lambda: Speaker(args.output_device)),
        voice=voice, reset=reset_portaudio)
    choice = make_recognizer(args.engine, phrase_list(data.intents), args.model,
                             background=True, denoise=args.denoise)
    print(choice.notice, file=sys.stderr)
    try:  # opened once, here, so a missing device gives its own message; run_live uses them
        devices.open()
    except DeviceError as err:
        devices.close()
        raise DeviceError(NO_DEVICE_HELP.format(error=err)) from err
    coach = LiveCoach(data, choice.recognizer, voice, MonotonicClock(),
                      gate=EchoGate(played=lambda start, end: _played(voice, start, end)),
                      on_event=_print_event(status), on_status=status.show)

    def notice(text: str) -> None:
        status.clear()
        print(f"voice-coach: {text}", file=sys.stderr, flush=True)

    print('Listening. Say "cramp help" to start; Ctrl-C to quit. Nothing you say leaves '
          "this device.", flush=True)
    stop = StopRequest()
    stop.install()
    with contextlib.suppress(KeyboardInterrupt):
        run_live(coach, devices, notice, wait=stop.event.wait, should_stop=stop.event.is_set)
    status.clear()
    print("Bye.", flush=True)
    return 0


def run_demo_command(args: argparse.Namespace, data: CoachData, synth: Pyttsx3Synthesizer,
                     format_event: Callable[[TranscriptEvent], str]) -> int:
    choice = make_recognizer(args.engine, phrase_list(data.intents), args.model,
                             denoise=args.denoise)
    print(choice.notice, file=sys.stderr)
    clock = VirtualClock()
    sink = TimelineSink(clock)

    def emit(event: TranscriptEvent) -> None:
        print(json.dumps(event.to_json()) if args.json else format_event(event), flush=True)

    coach = LiveCoach(data, choice.recognizer, Voice(synth, sink), clock, on_event=emit)
    mic = ScheduledSource(clock)
    user_voice = functools.lru_cache(maxsize=None)(lambda text: synthesize(text, "en-us", 160))
    user = ScriptedUser(demo_lines(), user_voice)
    run_scripted(coach, mic, user)
    write_wav(Path(args.out), demo_mix(sink, mic, user, user_voice))
    print(f"wrote {args.out} ({clock.now() - mic.origin:.0f} s); play it with: "
          f"aplay {args.out}", file=sys.stderr)
    return 0
