"""What several commands share: the coach's data, its speech, notices on stderr."""

from __future__ import annotations

import argparse
import sys
import threading

from ..app.data import CoachData
from ..app.playback import texts_to_prerender
from ..recognition import Recognizer, make_recognizer, phrase_meanings
from ..speech import Pyttsx3Synthesizer


def unhandled(data: CoachData) -> str | None:
    """What is wrong if the intent files define intents the dialogue gives no meaning."""
    unknown = data.unhandled_intents()
    if not unknown:
        return None
    return (f"the dialogue does not handle the intent(s) {', '.join(unknown)}; saying them "
            "gets \"Sorry, I didn't catch that\". Remove them from the intent files, or give "
            "them a meaning in voice_coach/dialogue/manager.py")


def load(args: argparse.Namespace) -> CoachData:
    """The coach's data; intents the dialogue does not handle are named on stderr (the
    coach still runs: `check` is where they are an error)."""
    data = CoachData.load(args.intents)
    problem = unhandled(data)
    if problem and args.command != "check":
        notice(f"voice-coach: warning: {problem} (see 'voice-coach check')")
    return data


def recognizer(args: argparse.Namespace, data: CoachData, background: bool = False,
               ) -> Recognizer:
    """The engine the options choose, for the intents' phrases; says which on stderr."""
    choice = make_recognizer(args.engine, phrase_meanings(data.intents), args.model,
                             background=background, denoise=args.denoise)
    notice(choice.notice)
    return choice.recognizer


def synthesizer(args: argparse.Namespace) -> Pyttsx3Synthesizer:
    return Pyttsx3Synthesizer(voice=args.voice, rate=args.rate)


def prerender(synth: Pyttsx3Synthesizer, data: CoachData) -> None:
    """Render what the coach may say in a background thread, so answers start at once."""
    threading.Thread(target=synth.prerender, args=(texts_to_prerender(data.content),),
                     name="prerender", daemon=True).start()


def notice(text: str) -> None:
    """A message about the run, not part of the transcript: to stderr."""
    print(text, file=sys.stderr, flush=True)
