"""Speech output: text -> audio clips (pyttsx3), and speech durations for timing."""

from .tts import Pyttsx3Synthesizer, SpeechError, Synthesizer

__all__ = ["Pyttsx3Synthesizer", "SpeechError", "Synthesizer"]
