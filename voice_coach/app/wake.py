"""When "cramp help" may start a session: beyond doubt, or said twice.

While no session runs, the coach hears everything said near the runner: their partner,
passers-by, their own talk. Most of it is rejected, but now and then a sentence passes
for a wake phrase ("I love this park" as "I've got the cramp"), and then the coach would
start talking through a treatment nobody asked for. So a wake phrase starts a session
only if the recognizer is sure of it (its confidence at least the engine's
`wake_confidence`; in quiet, Whisper's check of every wake phrase makes one it doubts
unsure: "crap" heard as "cramp help", recognition/second_opinion.py), or if a wake phrase
was already heard, unsure, a moment before: a runner who gets no answer says it again, a
stray sentence seldom comes twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..intents import WAKE_INTENT, Heard
from ..recognition import Recognizer

__all__ = ["AGAIN_SECONDS", "WAKE_INTENT", "WakeGate", "wake_confidence"]
AGAIN_SECONDS = 10.0
"""How soon after an unsure wake phrase another one starts the session."""


def wake_confidence(recognizer: Recognizer) -> float:
    """The confidence a wake phrase needs to start a session at once (0: any accepted
    one; engines that calibrate their confidence say more, see PocketSphinx's)."""
    return float(getattr(recognizer, "wake_confidence", 0.0))


@dataclass
class WakeGate:
    """Decides, utterance by utterance, whether a wake phrase starts a session."""

    bar: float = 0.0
    """The confidence that starts a session at once."""
    again_seconds: float = AGAIN_SECONDS
    _unsure_at: float = float("-inf")

    def sure(self, heard: Heard) -> bool:
        """Whether `heard` is a wake phrase that starts a session on its own."""
        return heard.intent == WAKE_INTENT and heard.confidence >= self.bar

    def wakes(self, heard: Heard, t: float) -> bool:
        """Whether `heard`, said at time `t`, starts a session; an unsure wake phrase is
        remembered for `again_seconds`."""
        if heard.intent != WAKE_INTENT:
            return False
        if self.sure(heard) or t - self._unsure_at <= self.again_seconds:
            self._unsure_at = float("-inf")
            return True
        self._unsure_at = t
        return False
