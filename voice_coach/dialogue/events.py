"""What flows into the dialogue manager (events) and out of it (actions)."""

from __future__ import annotations

from dataclasses import dataclass

from ..intents.heard import Heard

# --- events -------------------------------------------------------------------------------
UserSaid = Heard
"""The user spoke or typed something: the event is the record of what was heard."""


@dataclass(frozen=True)
class TimerFired:
    """A timer the manager set with SetTimer is due."""

    name: str
    held: bool = False
    """The runner held it back past its time (the user was speaking)."""


@dataclass(frozen=True)
class Spoken:
    """One sentence (a Say's text) was played in full, not cut off."""

    text: str


@dataclass(frozen=True)
class SpeechFinished:
    """Everything the coach was asked to say has been played (or cut off)."""


Event = UserSaid | TimerFired | Spoken | SpeechFinished


# --- actions ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Say:
    """Speak (and print) this text, after anything already queued."""

    text: str
    kind: str = "say"
    """"say" for sentences, "count" for a number of a counted hold."""
    number: int | None = None
    """For a count: the number it stands for (the text may say "15 to go" instead)."""


@dataclass(frozen=True)
class StopSpeech:
    """Cut off what is being said now and drop what is queued (barge-in)."""


@dataclass(frozen=True)
class SetTimer:
    """Deliver TimerFired(name) when the clock reaches `at` (replaces a timer of that name)."""

    name: str
    at: float
    """Clock time in seconds."""


@dataclass(frozen=True)
class CancelTimer:
    """Forget the timer of this name, if any."""

    name: str


@dataclass(frozen=True)
class SessionEnded:
    """The treatment session is over; the coach goes back to waiting for "cramp help"."""

    reason: str
    """"finished" or "stopped"."""


Action = Say | StopSpeech | SetTimer | CancelTimer | SessionEnded
