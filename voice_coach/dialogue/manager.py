"""The dialogue manager: a pure state machine, handle(event) -> actions, no I/O.

Time comes only from the injected clock; timers are requested with SetTimer actions and come
back as TimerFired events, so any runner (virtual-time simulation, text, live audio) can drive
it. Every word it says comes from Content.

Instructions are never lost: a step's text or a question that an answer or a command cut
off (the runner reports each sentence played in full with Spoken) is said again, whole,
after the answer; "yes" and "no" answer only a question that has been heard; after
every answer the coach says what it is waiting for; and "cramp help" soon after "stop"
carries on where the session stopped (settings.keep_place_seconds).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NamedTuple

from .clock import Clock
from .content import Content, Step
from .counting import COUNT_TIMER, Counting
from .events import (
    Action,
    CancelTimer,
    Event,
    Say,
    SessionEnded,
    SpeechFinished,
    Spoken,
    StopSpeech,
    TimerFired,
    UserSaid,
)
from .state import INFO_INTENTS, DialogueState, commands_now

# The intents this manager acts on; the intent files must define them all.
INTENTS = (
    "cramp_help", "next", "previous", "repeat", "pause", "resume", "stop", "yes", "no",
    "start_hold", "time_left", "prevention_tips", "equipment", "see_doctor", "list_commands",
)


class Kept(NamedTuple):
    """A stopped session's place: its step, the steps before it, and when it stopped."""

    node: str
    history: list[str]
    at: float


class DialogueManager(Counting):
    """Runs one treatment session after another for a single user."""

    def __init__(self, content: Content, clock: Clock,
                 examples: Mapping[str, str] | None = None) -> None:
        self.content = content
        self.clock = clock
        self.examples = dict(examples or {})
        """Intent name -> the phrase "what can I say" offers for it."""
        self.hold_seconds = content.settings.hold_seconds
        self.state = DialogueState()
        self.kept: Kept | None = None
        """Where a session was stopped and when: "cramp help"
        within `keep_place_seconds` carries on there, so a "stop" heard by mistake (or
        said too soon) loses nothing."""

    # --- queries used by runners ---------------------------------------------------------
    @property
    def active(self) -> bool:
        return self.state.phase != "idle"

    @property
    def awaiting_input(self) -> bool:
        """True when nothing will happen until the user speaks (no count is running)."""
        state = self.state
        return state.phase != "counting" or state.paused

    def status(self) -> str:
        """A short description for a status line: "idle", "step massage", "counting 12 of 30"."""
        state = self.state
        if state.phase == "counting" and state.hold:
            prefix = "paused, " if state.paused else ""
            return f"{prefix}counting {state.hold.said} of {state.hold.total}"
        if state.phase == "idle":
            return "idle"
        return ("paused, " if state.paused else "") + f"step {state.node}"

    # --- the one entry point -------------------------------------------------------------
    def handle(self, event: Event) -> list[Action]:
        if isinstance(event, UserSaid):
            return self._on_user(event)
        if isinstance(event, TimerFired):
            return self._on_timer(event)
        if isinstance(event, Spoken):
            if event.text == self.state.unheard:
                self.state.unheard = None
            return []
        if isinstance(event, SpeechFinished):
            return self._on_speech_finished()
        raise TypeError(f"unknown event {event!r}")

    # --- events ----------------------------------------------------------------------------
    def _on_user(self, event: UserSaid) -> list[Action]:
        out: list[Action] = [StopSpeech()]
        intent = event.intent
        if intent == "stop":
            return out + ([] if not self.active else self._end("stopped"))
        if self.state.phase == "idle":
            return out + self._idle(intent)
        if intent in INFO_INTENTS:
            return out + self._aside([Say(self.content.info[INFO_INTENTS[intent]])])
        if intent == "list_commands":
            return out + self._aside([self._commands()])
        handler = self._handlers().get(intent or "", self._not_understood)
        return out + handler(event)

    # --- intents -------------------------------------------------------------------------
    def _handlers(self) -> dict[str, Callable[[UserSaid], list[Action]]]:
        return {
            "cramp_help": lambda e: [self._msg("already_running"), *self._where()],
            "next": lambda e: self._next(),
            "previous": lambda e: self._previous(),
            "repeat": lambda e: self._repeat(),
            "pause": lambda e: self._pause(),
            "resume": lambda e: self._resume(),
            "yes": lambda e: self._answer(True),
            "no": lambda e: self._answer(False),
            "start_hold": self._start_hold_intent,
            "time_left": lambda e: self._time_left(),
        }

    def _idle(self, intent: str | None) -> list[Action]:
        if intent == "cramp_help":
            kept, self.kept = self.kept, None
            if kept and self.clock.now() - kept.at <= self.content.settings.keep_place_seconds:
                self.state = DialogueState(phase="await", history=kept.history)
                return [self._msg("welcome_back"), *self._enter(kept.node, remember=False)]
            # The instruction to stop comes first; the safety line and the hint after it.
            self.state = DialogueState(phase="await")
            *instruction, prompt = self._enter(self.content.start)
            return [*instruction, self._msg("safety"), self._msg("hint"), prompt]
        if intent in INFO_INTENTS:
            return [Say(self.content.info[INFO_INTENTS[intent]])]
        if intent == "list_commands":
            return [self._commands()]
        return [self._msg("idle_hint")]

    def _next(self) -> list[Action]:
        state, step = self.state, self._step()
        if state.phase == "counting":
            return self._finish_hold()
        if state.phase == "eased" or step.kind == "step":
            return self._go(step.next)
        if step.kind == "hold":
            return self._begin_hold()
        return self._where()  # a question wants yes or no

    def _previous(self) -> list[Action]:
        state = self.state
        if not state.history:
            return [self._msg("first_step"), *self._where()]
        left = self._leave_hold()
        return left + self._enter(state.history.pop(), remember=False)

    def _repeat(self) -> list[Action]:
        step = self._step()
        if self.state.phase == "counting":
            return self._aside([Say(step.say)])
        if self.state.phase == "eased":
            return self._ask_eased()
        self.state.paused = False
        return self._enter(step.id, remember=False)

    def _answer(self, yes: bool) -> list[Action]:
        """Only a question that has been heard is answered; otherwise the coach says (again)
        what it is waiting for, and nothing is skipped."""
        state, step = self.state, self._step()
        if state.phase == "counting":
            return self._not_understood(None)
        if state.unheard is not None or state.paused:
            return self._where()
        if state.phase == "eased":
            if yes:
                return [self._msg("eased_yes"), *self._go(step.next)]
            return [self._msg("eased_no"), *self._begin_hold()]
        if step.kind == "question":
            return self._enter(step.yes if yes else step.no)  # type: ignore[arg-type]
        return ([] if yes else [self._msg("waiting")]) + self._where()

    def _not_understood(self, _event: UserSaid | None) -> list[Action]:
        if self.state.phase == "counting":
            return self._aside([self._msg("not_understood")])
        return [self._msg("not_understood"), *self._where()]

    # --- moving between steps --------------------------------------------------------------
    def _enter(self, node: str, remember: bool = True) -> list[Action]:
        state = self.state
        if remember and state.node is not None and state.node != node:
            state.history.append(state.node)
        state.node, state.phase, state.paused = node, "await", False
        return self._instruction()

    def _instruction(self) -> list[Action]:
        """The current step's text (and info), then its prompt; until its last sentence has
        been played in full it counts as unheard."""
        step = self._step()
        out: list[Action] = [Say(step.say)]
        if step.info:
            out.append(Say(self.content.info[step.info]))
        self.state.unheard = out[-1].text  # type: ignore[union-attr]
        if step.kind != "question":
            out.append(Say(step.prompt))
        return out

    def _go(self, node: str | None) -> list[Action]:
        left = self._leave_hold()
        if node is None:
            return self._end("finished")
        return left + self._enter(node)

    def _end(self, reason: str) -> list[Action]:
        state = self.state
        self.kept = None
        if reason == "stopped" and state.node is not None:
            self.kept = Kept(state.node, list(state.history), self.clock.now())
        self.state = DialogueState()
        message = "closing" if reason == "finished" else "stopped"
        return [self._msg(message), CancelTimer(COUNT_TIMER), SessionEnded(reason)]

    def _where(self) -> list[Action]:
        """Say what the coach is waiting for: the instruction itself if it was cut off."""
        state = self.state
        if state.phase == "counting" and state.hold:
            if state.paused:
                return [self._paused_count()]
            return [self._msg("keep_holding")]
        if state.paused:
            return [self._msg("paused")]
        if state.phase == "eased":
            return [self._msg("eased_prompt")] if state.unheard is None else self._ask_eased()
        if state.unheard is not None:
            return self._instruction()
        return [Say(self._step().prompt)]

    # --- helpers ---------------------------------------------------------------------------
    def _step(self) -> Step:
        assert self.state.node is not None, "no current step while idle"
        return self.content.steps[self.state.node]

    def _msg(self, key: str, **values: object) -> Say:
        return Say(self.content.message(key, **values))

    def _commands(self) -> Say:
        """The commands that do something now (not all of them)."""
        step = self._step() if self.state.node is not None else None
        names = [n for n in commands_now(self.state, step) if n in self.examples]
        return self._msg("commands", commands=", ".join(self.examples[n] for n in names))
