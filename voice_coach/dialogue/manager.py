"""The dialogue manager: a pure state machine, handle(event) -> actions, no I/O.

Time comes only from the injected clock; timers are requested with SetTimer actions and come
back as TimerFired events, so any runner (virtual-time simulation, text, live audio) can drive
it. Every word it says comes from Content.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .clock import Clock
from .content import Content, Step
from .events import (
    Action,
    CancelTimer,
    Event,
    Say,
    SessionEnded,
    SetTimer,
    SpeechFinished,
    StopSpeech,
    TimerFired,
    UserSaid,
)
from .hold import Hold

COUNT_TIMER = "count"
INFO_INTENTS = {"prevention_tips": "prevention", "equipment": "equipment",
                "see_doctor": "see_doctor"}
# The intents this manager acts on; the intent files must define them all.
INTENTS = (
    "cramp_help", "next", "previous", "repeat", "pause", "resume", "stop", "yes", "no",
    "start_hold", "time_left", "prevention_tips", "equipment", "see_doctor", "list_commands",
)


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


class DialogueManager:
    """Runs one treatment session after another for a single user."""

    def __init__(self, content: Content, clock: Clock, commands: Sequence[str] = ()) -> None:
        self.content = content
        self.clock = clock
        self.commands = list(commands)
        """Example phrases for "what can I say", in order."""
        self.hold_seconds = content.settings.hold_seconds
        self.state = DialogueState()

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

    def _on_timer(self, event: TimerFired) -> list[Action]:
        hold = self.state.hold
        if event.name != COUNT_TIMER or self.state.phase != "counting" or hold is None:
            return []
        if hold.frozen or hold.finished:
            return []
        hold.said += 1
        out: list[Action] = [Say(str(hold.said), kind="count")]
        if hold.finished:
            return out + self._finish_hold()
        return [*out, SetTimer(COUNT_TIMER, hold.next_due())]

    def _on_speech_finished(self) -> list[Action]:
        state = self.state
        if not (state.resume_after_speech and state.hold and state.phase == "counting"):
            return []
        state.resume_after_speech = False
        state.hold.thaw(self.clock.now())
        return [SetTimer(COUNT_TIMER, state.hold.next_due())]

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
            self.state = DialogueState(phase="await")
            return [self._msg("safety"), self._msg("welcome"), *self._enter(self.content.start)]
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
        return [Say(step.prompt)]  # a question wants yes or no

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
            return [self._msg("eased_question")]
        self.state.paused = False
        return self._enter(step.id, remember=False)

    def _pause(self) -> list[Action]:
        state = self.state
        state.paused = True
        if state.phase == "counting" and state.hold:
            state.hold.freeze(self.clock.now())
            state.resume_after_speech = False
            return [CancelTimer(COUNT_TIMER), self._msg("paused_count", count=state.hold.said)]
        return [self._msg("paused")]

    def _resume(self) -> list[Action]:
        state = self.state
        if not state.paused:
            return self._where()
        state.paused = False
        if state.phase == "counting":
            state.resume_after_speech = True
            return [self._msg("resumed_count")]
        return [self._msg("resumed"), *self._where()]

    def _answer(self, yes: bool) -> list[Action]:
        state, step = self.state, self._step()
        if state.phase == "counting":
            return self._not_understood(None)
        if state.phase == "eased":
            if yes:
                return [self._msg("eased_yes"), *self._go(step.next)]
            return [self._msg("eased_no"), *self._begin_hold()]
        if step.kind == "question":
            return self._enter(step.yes if yes else step.no)  # type: ignore[arg-type]
        if not yes:
            return [self._msg("waiting")]
        return self._next()

    def _start_hold_intent(self, event: UserSaid) -> list[Action]:
        state, step, settings = self.state, self._step(), self.content.settings
        seconds = event.slots.get("seconds")
        if seconds is not None:
            seconds = int(seconds)
            if not settings.hold_min_seconds <= seconds <= settings.hold_max_seconds:
                return [self._msg("hold_range", min=settings.hold_min_seconds,
                                  max=settings.hold_max_seconds), *self._where()]
            self.hold_seconds = seconds
        if state.phase in ("counting", "eased") or step.kind == "hold":
            if state.phase == "counting" and seconds is None:
                return self._time_left()
            return self._begin_hold()
        if seconds is not None:
            return [self._msg("hold_length_set", seconds=seconds), *self._where()]
        return [self._msg("no_hold_here"), *self._where()]

    def _time_left(self) -> list[Action]:
        state = self.state
        if state.phase == "counting" and state.hold:
            left = state.hold.seconds_left(self.clock.now())
            if state.paused:
                return [self._msg("time_left_paused", seconds=left)]
            return self._aside([self._msg("time_left", seconds=left)], keep_holding=False)
        return [self._msg("step_position", step=self._step().number,
                          steps=self.content.step_count), *self._where()]

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
        step = self._step()
        out: list[Action] = [Say(step.say)]
        if step.info:
            out.append(Say(self.content.info[step.info]))
        if step.kind != "question":
            out.append(Say(step.prompt))
        return out

    def _go(self, node: str | None) -> list[Action]:
        left = self._leave_hold()
        if node is None:
            return self._end("finished")
        return left + self._enter(node)

    def _end(self, reason: str) -> list[Action]:
        self.state = DialogueState()
        message = "closing" if reason == "finished" else "stopped"
        return [self._msg(message), CancelTimer(COUNT_TIMER), SessionEnded(reason)]

    def _where(self) -> list[Action]:
        """Remind the user where they are and what to say."""
        state = self.state
        if state.phase == "counting" and state.hold:
            if state.paused:
                return [self._msg("paused_count", count=state.hold.said)]
            return [self._msg("keep_holding")]
        if state.paused:
            return [self._msg("paused")]
        if state.phase == "eased":
            return [self._msg("eased_prompt")]
        return [Say(self._step().prompt)]

    # --- holds -----------------------------------------------------------------------------
    def _begin_hold(self) -> list[Action]:
        state = self.state
        now = self.clock.now()
        state.phase, state.paused = "counting", False
        state.hold = Hold(total=self.hold_seconds,
                          interval=self.content.settings.count_interval_seconds,
                          started_at=now, frozen_elapsed=0.0)
        state.resume_after_speech = True  # the count starts once the intro has been said
        return [CancelTimer(COUNT_TIMER), self._msg("hold_start", seconds=self.hold_seconds)]

    def _finish_hold(self) -> list[Action]:
        left = self._leave_hold()
        self.state.phase = "eased"
        return [*left, self._msg("hold_end"), self._msg("eased_question")]

    def _leave_hold(self) -> list[Action]:
        """Drop any hold (and its timer); back to waiting at the current step."""
        state = self.state
        had_hold = state.hold is not None
        state.hold, state.resume_after_speech, state.paused = None, False, False
        if state.phase in ("counting", "eased"):
            state.phase = "await"
        return [CancelTimer(COUNT_TIMER)] if had_hold else []

    def _aside(self, said: list[Action], keep_holding: bool = True) -> list[Action]:
        """Say something without losing the place; a running count freezes meanwhile."""
        state = self.state
        if state.phase == "counting" and state.hold and not state.paused:
            state.hold.freeze(self.clock.now())
            state.resume_after_speech = True
            tail = [self._msg("keep_holding")] if keep_holding else []
            return [CancelTimer(COUNT_TIMER), *said, *tail]
        return [*said, *self._where()]

    # --- helpers ---------------------------------------------------------------------------
    def _step(self) -> Step:
        assert self.state.node is not None, "no current step while idle"
        return self.content.steps[self.state.node]

    def _msg(self, key: str, **values: object) -> Say:
        return Say(self.content.message(key, **values))

    def _commands(self) -> Say:
        return self._msg("commands", commands=", ".join(self.commands))
