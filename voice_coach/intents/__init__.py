"""Intents: the templates in intents/<lang>/*.yaml, loaded, validated, matched and expanded."""

from .heard import Heard
from .loader import IntentFileError, IntentSet, load_intents, resolve_intents_dir
from .matcher import IntentMatcher
from .phrases import expand_phrases, spoken_form

WAKE_INTENT = "cramp_help"
"""The intent that starts a session (the wake phrase): while none runs, the only one acted
on (app/wake.py), and the one Whisper always checks (recognition/second_opinion.py)."""

__all__ = [
    "WAKE_INTENT",
    "Heard",
    "IntentFileError",
    "IntentMatcher",
    "IntentSet",
    "expand_phrases",
    "load_intents",
    "resolve_intents_dir",
    "spoken_form",
]
