"""Where a session is, and which commands do something there ("what can I say")."""

from __future__ import annotations

from dataclasses import dataclass, field

from .content import Step
from .hold import Hold


@dataclass
class DialogueState:
    """Where the session is. `phase` is one of: idle, await, counting, eased."""

    phase: str = "idle"
    node: str | None = None
    """Current step id (None while idle)."""
    history: list[str] = field(default_factory=list)
    """Steps visited before the current one, for "go back"."""
    hold: Hold | None = None
    """The hold being counted (phase "counting")."""
    paused: bool = False
    """The user said "pause"."""
    resume_after_speech: bool = False
    """The hold is frozen only while the coach talks; it runs on at SpeechFinished."""
    unheard: str | None = None
    """The last sentence of an instruction (a step's text, a question) that has not been
    played in full yet: until it has, the instruction is said again after an answer, and
    a question is not answered by "yes" or "no"."""


INFO_INTENTS = {"prevention_tips": "prevention", "equipment": "equipment",
                "see_doctor": "see_doctor"}
"""Intents answered with an info text of the dialogue file (intent -> its key)."""
INFO = tuple(INFO_INTENTS)


def commands_now(state: DialogueState, step: Step | None) -> list[str]:
    """The intents that do something in `state` at `step`, most useful first."""
    if state.phase == "idle":
        return ["cramp_help", *INFO]
    if state.phase == "counting":
        if state.paused:
            return ["resume", "time_left", "stop"]
        return ["pause", "time_left", "stop"]
    if state.paused:
        return ["resume", "stop"]
    if state.phase == "eased" or (step is not None and step.kind == "question"):
        return ["yes", "no", "repeat", "stop"]
    if step is not None and step.kind == "hold":
        return ["next", "start_hold", "repeat", "previous", "stop"]
    return ["next", "repeat", "previous", "pause", *INFO, "stop"]
