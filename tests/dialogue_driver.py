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
    Spoken,
    StopSpeech,
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
        self._playing: list[str] = []
        """What the coach is saying or has queued (cut by StopSpeech)."""

    def _apply(self, actions: list[Action]) -> list[Action]:
        for action in actions:
            if isinstance(action, SetTimer):
                self.timers[action.name] = action.at
            elif isinstance(action, CancelTimer):
                self.timers.pop(action.name, None)
            elif isinstance(action, StopSpeech):
                self._playing.clear()
            elif isinstance(action, Say):
                self._playing.append(action.text)
        self.log.extend(actions)
        return actions

    def say(self, intent: str | None, text: str = "", barge_in: bool = False,
            **slots: Any) -> list[Action]:
        """The user says `intent`: after the coach has finished talking (what it said was
        heard in full), or, with `barge_in`, over it."""
        if not barge_in:
            self.speech_done()
        return self._apply(self.manager.handle(UserSaid(text or str(intent), intent, slots)))

    def speech_done(self) -> list[Action]:
        """The coach has said everything queued, in full, as a runner would report it."""
        playing, self._playing = self._playing, []
        for text in playing:
            self._apply(self.manager.handle(Spoken(text)))
        return self._apply(self.manager.handle(SpeechFinished()))

    def fire(self, name: str = "count") -> list[Action]:
        self.clock.advance_to(self.timers.pop(name))
        return self._apply(self.manager.handle(TimerFired(name)))

    def start_counting(self, sit: bool = True) -> None:
        """From idle to a running count: cramp help, next, yes (or no), ready, and the
        hold's intro has been said."""
        self.say("cramp_help")
        self.say("next")
        self.say("yes" if sit else "no")
        self.say("next")  # "ready"
        self.speech_done()

    def count_to(self, n: int) -> list[str]:
        """Fire count timers until number n has been said; returns the numbers said."""
        said: list[str] = []
        while not said or said[-1] != str(n):
            said += counts(self.fire())
        return said


def texts(actions: list[Action]) -> list[str]:
    return [a.text for a in actions if isinstance(a, Say)]


def counts(actions: list[Action]) -> list[str]:
    """The numbers counted, as digits (whatever was said for them, e.g. "15 to go")."""
    return [str(a.number) for a in actions if isinstance(a, Say) and a.kind == "count"]


def spoken_counts(actions: list[Action]) -> list[str]:
    """What was said for each number of a count."""
    return [a.text for a in actions if isinstance(a, Say) and a.kind == "count"]
