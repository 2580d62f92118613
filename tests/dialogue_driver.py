"""A tiny driver for the pure dialogue manager: plays the runner's part by hand."""

from __future__ import annotations

from typing import Any

from voice_coach.dialogue import (
    Action,
    CancelTimer,
    DialogueManager,
    Say,
    SetTimer,
    SpeechFinished,
    TimerFired,
    UserSaid,
    VirtualClock,
)


class Driver:
    """Sends events, remembers timers, and lets tests read what was said."""

    def __init__(self, manager: DialogueManager, clock: VirtualClock) -> None:
        self.manager = manager
        self.clock = clock
        self.timers: dict[str, float] = {}
        self.log: list[Action] = []

    def _apply(self, actions: list[Action]) -> list[Action]:
        for action in actions:
            if isinstance(action, SetTimer):
                self.timers[action.name] = action.at
            elif isinstance(action, CancelTimer):
                self.timers.pop(action.name, None)
        self.log.extend(actions)
        return actions

    def say(self, intent: str | None, text: str = "", **slots: Any) -> list[Action]:
        return self._apply(self.manager.handle(UserSaid(text or str(intent), intent, slots)))

    def speech_done(self) -> list[Action]:
        return self._apply(self.manager.handle(SpeechFinished()))

    def fire(self, name: str = "count") -> list[Action]:
        self.clock.advance_to(self.timers.pop(name))
        return self._apply(self.manager.handle(TimerFired(name)))

    def count_to(self, n: int) -> list[str]:
        """Fire count timers until number n has been said; returns the numbers said."""
        said: list[str] = []
        while not said or said[-1] != str(n):
            said += counts(self.fire())
        return said


def texts(actions: list[Action]) -> list[str]:
    return [a.text for a in actions if isinstance(a, Say)]


def counts(actions: list[Action]) -> list[str]:
    return [a.text for a in actions if isinstance(a, Say) and a.kind == "count"]
