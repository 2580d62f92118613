"""The session transcript: one event per line said, and the one printer every mode uses."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from ..intents import Heard


@dataclass(frozen=True)
class TranscriptEvent:
    """One line of the session transcript."""

    t: float
    """Seconds since the session runner started."""
    who: str
    """"coach" or "user"."""
    text: str
    kind: str
    """Coach: "say" or "count"; user: "utterance" (or "echo"/"idle" when ignored);
    "session" for start/end notes."""
    intent: str | None = None
    """User lines: the matched intent name, or None when nothing matched."""
    slots: dict[str, Any] = field(default_factory=dict)
    number: int | None = None
    """Coach counts: the number of the hold (the text may say "15 to go" instead)."""

    @staticmethod
    def user(t: float, heard: Heard, kind: str = "utterance") -> TranscriptEvent:
        return TranscriptEvent(t, "user", heard.text, kind, heard.intent, dict(heard.slots))

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"t": round(self.t, 3), "who": self.who, "text": self.text,
                                "intent": self.intent, "kind": self.kind}
        if self.slots:
            data["slots"] = self.slots
        if self.number is not None:
            data["count"] = self.number
        return data


def format_event(event: TranscriptEvent, timed: bool = True) -> str:
    """One readable line: `timed` (simulate, demo) shows the time and the matched intent;
    otherwise (typing, talking) it reads like a conversation."""
    if timed:
        stamp = f"[{event.t:8.2f}]"
        if event.who == "user":
            slots = "".join(f" {k}={v}" for k, v in event.slots.items())
            return f"{stamp} user:  {event.text}   -> {event.intent or 'not understood'}{slots}"
        return f"{stamp} coach: {event.text}"
    if event.who == "user":
        return f'you:   "{event.text}"' + ("" if event.intent else "  (not understood)")
    if event.kind == "count":
        return f"  {event.text}"
    if event.kind == "session":
        return event.text
    return f"coach: {event.text}"


def printer(json_lines: bool = False, timed: bool = True, users: bool = True,
            before: Callable[[], None] = lambda: None,
            stream: TextIO | None = None) -> Callable[[TranscriptEvent], None]:
    """A transcript printer: JSON Lines or readable lines, flushed as they happen.
    `users` False leaves out the user's lines (they typed them: no need to echo);
    `before` runs first (e.g. clearing a status line)."""

    def emit(event: TranscriptEvent) -> None:
        if event.who == "user" and not users:
            return
        before()
        line = json.dumps(event.to_json()) if json_lines else format_event(event, timed)
        print(line, file=stream or sys.stdout, flush=True)

    return emit
