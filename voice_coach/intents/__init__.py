"""Intents: the templates in intents/<lang>/*.yaml, loaded, validated, matched and expanded."""

from .heard import Heard
from .loader import IntentFileError, IntentSet, load_intents, resolve_intents_dir
from .matcher import IntentMatcher
from .phrases import expand_phrases, spoken_form

__all__ = [
    "Heard",
    "IntentFileError",
    "IntentMatcher",
    "IntentSet",
    "expand_phrases",
    "load_intents",
    "resolve_intents_dir",
    "spoken_form",
]
