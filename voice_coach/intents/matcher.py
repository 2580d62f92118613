"""Text -> intent + slots, with hassil's matcher."""

from __future__ import annotations

import re
from typing import Any

from hassil import recognize_best

from .heard import Heard
from .loader import IntentSet


def _slot_value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class IntentMatcher:
    """Matches typed or recognised text against the intent templates."""

    def __init__(self, intent_set: IntentSet) -> None:
        self.intent_set = intent_set

    def understand(self, text: str, confidence: float = 1.0) -> Heard:
        """What `text` (typed, or recognised with `confidence`) means: the best matching
        intent and its slots, or intent None when it is not a known command."""
        cleaned = re.sub(r"\s+", " ", text.replace("[unk]", " ")).strip()
        result = None
        if cleaned:
            result = recognize_best(cleaned, self.intent_set.intents,
                                    language=self.intent_set.intents.language)
        if result is None:
            return Heard(text=cleaned, intent=None, confidence=confidence)
        slots = {name: _slot_value(entity.value) for name, entity in result.entities.items()}
        return Heard(text=cleaned, intent=result.intent.name, slots=slots,
                     confidence=confidence)
