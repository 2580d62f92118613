"""What several commands share: the coach's data, its speech, notices on stderr."""

from __future__ import annotations

import argparse
import sys
import threading

from ..app.data import CoachData
from ..app.playback import texts_to_prerender
from ..speech import Pyttsx3Synthesizer


def load(args: argparse.Namespace) -> CoachData:
    return CoachData.load(args.intents)


def synthesizer(args: argparse.Namespace) -> Pyttsx3Synthesizer:
    return Pyttsx3Synthesizer(voice=args.voice, rate=args.rate)


def prerender(synth: Pyttsx3Synthesizer, data: CoachData) -> None:
    """Render what the coach may say in a background thread, so answers start at once."""
    threading.Thread(target=synth.prerender, args=(texts_to_prerender(data.content),),
                     name="prerender", daemon=True).start()


def notice(text: str) -> None:
    """A message about the run, not part of the transcript: to stderr."""
    print(text, file=sys.stderr, flush=True)
