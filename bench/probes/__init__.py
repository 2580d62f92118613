"""Probes: one-off measurements behind docs/recognition-experiments.md, kept so that its
tables can be produced again. They patch the recognizer from outside; nothing in
voice_coach uses them."""

from __future__ import annotations

from voice_coach.app.data import CoachData
from voice_coach.recognition import make_recognizer, phrase_meanings
from voice_coach.recognition.frontend import Denoised
from voice_coach.recognition.second_opinion import SecondOpinion


def checked_front(data: CoachData) -> tuple[Denoised, SecondOpinion]:
    """The coach's front end on PocketSphinx, as `make_recognizer` builds it, and its
    Whisper second opinion; exits where Whisper is not installed."""
    front = make_recognizer("pocketsphinx", phrase_meanings(data.intents)).recognizer
    if not isinstance(front, Denoised) or front.second is None:
        raise SystemExit("Whisper's second opinion is not installed")
    return front, front.second
