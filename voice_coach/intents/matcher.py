"""Text -> intent + slots, with hassil's matcher."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from hassil import recognize_best

from .loader import IntentSet


@dataclass(frozen=True)
class IntentMatch:
    """What the user meant."""

    intent: str
    """Intent name, e.g. "start_hold"."""
    slots: dict[str, Any] = field(default_factory=dict)
    """Slot values, numbers as int (e.g. {"seconds": 30})."""
    text: str = ""
    """The text that was matched."""


def _slot_value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class IntentMatcher:
    """Matches typed or recognised text against the intent templates."""

    def __init__(self, intent_set: IntentSet) -> None:
        self.intent_set = intent_set

    def match(self, text: str) -> IntentMatch | None:
        """The best matching intent, or None when the text is not a known command."""
        cleaned = re.sub(r"\s+", " ", text.replace("[unk]", " ")).strip()
        if not cleaned:
            return None
        result = recognize_best(cleaned, self.intent_set.intents,
                                language=self.intent_set.intents.language)
        if result is None:
            return None
        slots = {name: _slot_value(entity.value) for name, entity in result.entities.items()}
        return IntentMatch(intent=result.intent.name, slots=slots, text=cleaned)
