"""`voice-coach demo`: a canned session through the whole pipeline, written to a WAV."""

from __future__ import annotations

import argparse
import functools

from ..app.demo import ScriptedUser, demo_lines, demo_mix, run_scripted
from ..app.live import LiveCoach
from ..app.playback import Playback
from ..app.transcript import printer
from ..audio import write_audio
from ..audio.sinks import TimelineSink
from ..audio.sources import ScheduledSource
from ..dialogue import VirtualClock
from ..errors import check_output_path
from ..speech import synthesize
from .common import load, notice, recognizer, synthesizer


def run(args: argparse.Namespace) -> int:
    out = check_output_path(args.out)
    data = load(args)
    synth = synthesizer(args)
    engine = recognizer(args, data)
    clock = VirtualClock()
    sink = TimelineSink(clock)
    coach = LiveCoach(data, engine, Playback(synth, sink), clock,
                      on_event=printer(json_lines=args.json), tones=args.tones)
    mic = ScheduledSource(clock)
    user_voice = functools.lru_cache(maxsize=None)(lambda text: synthesize(text, "en-us", 160))
    user = ScriptedUser(demo_lines(), user_voice)
    run_scripted(coach, mic, user)
    write_audio(out, demo_mix(sink, mic, user, user_voice))
    notice(f"wrote {out} ({clock.now() - mic.origin:.0f} s); play it with: aplay {out}")
    return 0
