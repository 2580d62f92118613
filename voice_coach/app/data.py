"""Assemble the coach from its data files: intents, dialogue content, manager."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..dialogue import INTENTS, Clock, Content, DialogueManager, load_content
from ..intents import IntentMatcher, IntentSet, load_intents, resolve_intents_dir


@dataclass(frozen=True)
class CoachData:
    """The validated data a coach is built from (loaded once, at start-up)."""

    intents: IntentSet
    content: Content

    @staticmethod
    def load(intents_dir: str | os.PathLike[str] | None = None,
             content_path: Path | None = None) -> CoachData:
        """Validate everything up front, so a bad edit fails before a session, not in one."""
        intent_set = load_intents(resolve_intents_dir(intents_dir), required=INTENTS)
        return CoachData(intents=intent_set, content=load_content(content_path))

    def examples(self) -> dict[str, str]:
        """Intent -> the phrase "what can I say" offers for it (the intent files' example)."""
        return {name: self.intents.example(name) for name in self.intents.names}

    def unhandled_intents(self) -> list[str]:
        """Intents in the files that the dialogue gives no meaning (a typo, or a new intent
        without dialogue code): saying them would only get "Sorry, I didn't catch that"."""
        return [name for name in self.intents.names if name not in INTENTS]

    def manager(self, clock: Clock) -> DialogueManager:
        return DialogueManager(self.content, clock, examples=self.examples())

    def matcher(self) -> IntentMatcher:
        return IntentMatcher(self.intents)

