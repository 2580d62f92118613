"""`voice-coach simulate SCRIPT`: a scripted session in virtual time."""

from __future__ import annotations

import argparse

from ..app.playback import Playback
from ..app.script import read_script
from ..app.simulate import simulate
from ..app.transcript import printer
from ..app.understand import Understand, audio_understander
from ..audio import write_audio
from ..audio.sinks import TimelineSink
from ..dialogue import VirtualClock
from ..errors import check_output_path
from .common import load, notice, recognizer, synthesizer


def run(args: argparse.Namespace) -> int:
    out = check_output_path(args.wav) if args.wav else None
    data = load(args)
    lines = read_script(args.script)
    clock = VirtualClock()
    synth = synthesizer(args) if out or args.audio else None
    sink = TimelineSink(clock) if out else None
    matcher = data.matcher()
    understand: Understand = matcher.understand
    if args.audio:
        assert synth is not None
        understand = audio_understander(recognizer(args, data), matcher, synth)
    simulate(lines, data.manager(clock), clock, Playback(synth, sink), understand,
             printer(json_lines=args.json))
    if sink is not None and out is not None:
        write_audio(out, sink.render())
        notice(f"wrote {out}")
    return 0
