"""`voice-coach [--text]`: the coach, hands-free on the microphone, or typed."""

from __future__ import annotations

import argparse
import contextlib
import sys

from ..app.data import CoachData
from ..app.echo import EchoGate
from ..app.live import Devices, LiveCoach, run_live
from ..app.playback import Playback
from ..app.terminal import StatusLine, StopRequest
from ..app.text_mode import run_text
from ..audio.devices import DeviceError, Microphone, Speaker, reset_portaudio
from ..audio.speaker_process import SpeakerProcess
from ..dialogue import MonotonicClock
from ..speech import SpeechError
from .common import load, notice, prerender, recognizer, synthesizer

NO_DEVICE_HELP = ("no usable microphone or speaker: {error}. Without audio devices you can "
                  "type with 'voice-coach --text', run a script with 'voice-coach simulate', "
                  "or hear a whole session with 'voice-coach demo'")


def run(args: argparse.Namespace) -> int:
    data = load(args)
    return run_typed(args, data) if args.text else run_hands_free(args, data)


def _played(voice: Playback, start: float, end: float) -> float:
    out = voice.out
    return out.power(start, end) if isinstance(out, SpeakerProcess) else 0.0


def run_hands_free(args: argparse.Namespace, data: CoachData) -> int:
    from ..app.transcript import printer

    status = StatusLine()
    synth = None if args.mute else synthesizer(args)
    if synth is not None:
        prerender(synth, data)
    voice = Playback(synth)
    devices = Devices(
        open_source=lambda: Microphone(args.input_device),
        open_output=None if args.mute else (lambda: SpeakerProcess(args.output_device)),
        voice=voice, reset=reset_portaudio)
    engine = recognizer(args, data, background=True)
    try:  # opened once, here, so a missing device gives its own message; run_live uses them
        devices.open()
    except DeviceError as err:
        devices.close()
        raise DeviceError(NO_DEVICE_HELP.format(error=err)) from err
    coach = LiveCoach(data, engine, voice, MonotonicClock(),
                      gate=EchoGate(played=lambda start, end: _played(voice, start, end)),
                      on_event=printer(timed=False, before=status.clear),
                      on_status=status.show, tones=args.tones)

    def device_notice(text: str) -> None:
        status.clear()
        notice(f"voice-coach: {text}")

    print('Listening. Say "cramp help" to start; Ctrl-C to quit. Nothing you say leaves '
          "this device.", flush=True)
    stop = StopRequest()
    stop.install()
    with contextlib.suppress(KeyboardInterrupt):
        run_live(coach, devices, device_notice, wait=stop.event.wait,
                 should_stop=stop.event.is_set)
    status.clear()
    print("Bye.", flush=True)
    return 0


def run_typed(args: argparse.Namespace, data: CoachData) -> int:
    """Typing; Ctrl-C and SIGTERM (see cli.main) end it with "Bye.", speech stopped."""
    speaker = None
    synth = None
    if not args.mute:
        try:
            synth = synthesizer(args)
            speaker = Speaker(args.output_device)
        except (DeviceError, SpeechError) as err:
            notice(f"voice-coach: no speech output ({err}); printing only")
    try:
        return run_text(data, Playback(synth, speaker), stdin=sys.stdin)
    finally:
        if speaker is not None:
            speaker.close()
