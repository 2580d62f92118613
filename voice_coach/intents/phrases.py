"""Expand the intent templates into the spoken phrases a recognizer grammar accepts."""

from __future__ import annotations

import re

from hassil import sample_intents

from .loader import IntentSet

_SPOKEN = re.compile(r"^[a-z' ]+$")


def spoken_form(text: str) -> str:
    """Lower-case words only, the way a recognizer writes them ("twenty-five" -> "twenty five")."""
    text = text.lower().replace("-", " ")
    text = re.sub(r"[^a-z' ]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def expand_phrases(intent_set: IntentSet) -> dict[str, list[str]]:
    """Intent name -> every distinct spoken sentence its templates allow (digits dropped:
    "30" is typed, "thirty" is spoken)."""
    phrases: dict[str, dict[str, None]] = {name: {} for name in intent_set.names}
    for intent_name, text in sample_intents(intent_set.intents,
                                            language=intent_set.intents.language):
        if any(ch.isdigit() for ch in text):
            continue
        spoken = spoken_form(text)
        if spoken and _SPOKEN.match(spoken):
            phrases[intent_name][spoken] = None
    return {name: list(found) for name, found in phrases.items()}

