"""Probes: one-off measurements behind docs/recognition-experiments.md, kept so that its
tables can be produced again. They patch the recognizer from outside; nothing in
voice_coach uses them."""

from __future__ import annotations

from bench import noises
from voice_coach.app.data import CoachData
from voice_coach.audio.clip import AudioClip
from voice_coach.recognition import make_recognizer, phrase_meanings
from voice_coach.recognition.frontend import Denoised
from voice_coach.recognition.second_opinion import SecondOpinion
from voice_coach.speech import synthesize

WORDS_PER_MINUTE = 170
"""The probes' speaking rate for every voice (calibration itself gives each voice its own,
150 to 175: bench.evaluate.CALIBRATION_VOICES)."""


def said(text: str, voice: str, condition: str, seed: int,
         rate: int = WORDS_PER_MINUTE) -> AudioClip:
    """`text` by espeak-ng `voice` at `rate`, as heard in a probe's `condition`
    (noises.in_condition)."""
    samples = noises.in_condition(synthesize(text, voice, rate).samples, condition, seed)
    return AudioClip(samples, noises.RATE)


def checked_front(data: CoachData) -> tuple[Denoised, SecondOpinion]:
    """The coach's front end on PocketSphinx, as `make_recognizer` builds it, and its
    Whisper second opinion; exits where Whisper is not installed."""
    front = make_recognizer("pocketsphinx", phrase_meanings(data.intents)).recognizer
    if not isinstance(front, Denoised) or front.second is None:
        raise SystemExit("Whisper's second opinion is not installed")
    return front, front.second
