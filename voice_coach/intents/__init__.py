"""Intents: the templates in intents/<lang>/*.yaml, loaded, validated, matched and expanded."""

from .loader import IntentFileError, IntentSet, load_intents, resolve_intents_dir
from .matcher import IntentMatch, IntentMatcher
from .phrases import expand_phrases, spoken_form, vocabulary

__all__ = [
    "IntentFileError",
    "IntentMatch",
    "IntentMatcher",
    "IntentSet",
    "expand_phrases",
    "load_intents",
    "resolve_intents_dir",
    "spoken_form",
    "vocabulary",
]
