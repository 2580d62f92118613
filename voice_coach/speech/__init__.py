"""Speech output: text -> audio clips (pyttsx3) for the coach, espeak-ng for a
scripted user."""

from .espeak import synthesize
from .tts import Pyttsx3Synthesizer, SpeechError, Synthesizer

__all__ = ["Pyttsx3Synthesizer", "SpeechError", "Synthesizer", "synthesize"]
