"""The one record of what the user said: the words, and the command they are (if any)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Heard:
    """What was heard or typed, and what it means. Made by `IntentMatcher.understand` for
    typed text and recognised speech alike; it is also the dialogue's "user said" event."""

    text: str
    """What was heard or typed."""
    intent: str | None
    """Matched intent name (e.g. "start_hold"), or None when it matched nothing."""
    slots: dict[str, Any] = field(default_factory=dict)
    """Slot values, numbers as int (e.g. {"seconds": 30})."""
    confidence: float = 1.0
    """The recognizer's confidence in the words (1.0 for typed text)."""
