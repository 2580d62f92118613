"""What several commands share: the coach's data, its speech, notices on stderr."""

from __future__ import annotations

import argparse
import sys

from ..app.data import CoachData
from ..speech import Pyttsx3Synthesizer


def load(args: argparse.Namespace) -> CoachData:
    return CoachData.load(args.intents)


def synthesizer(args: argparse.Namespace) -> Pyttsx3Synthesizer:
    return Pyttsx3Synthesizer(voice=args.voice, rate=args.rate)


def notice(text: str) -> None:
    """A message about the run, not part of the transcript: to stderr."""
    print(text, file=sys.stderr, flush=True)
