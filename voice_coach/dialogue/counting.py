"""Counted stretch holds, for the dialogue manager: starting, counting, pausing, asides
said over a count, and the "has the cramp eased?" question that ends one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .content import Content, Step
from .events import Action, CancelTimer, Say, SetTimer, TimerFired, UserSaid
from .hold import Hold
from .state import DialogueState

COUNT_TIMER = "count"


class Counting:
    """The hold part of DialogueManager (a mixin: it uses the manager's state and helpers)."""

    state: DialogueState
    content: Content
    hold_seconds: int

    if TYPE_CHECKING:
        from .clock import Clock

        clock: Clock

        def _msg(self, key: str, **values: object) -> Say: ...
        def _where(self) -> list[Action]: ...
        def _step(self) -> Step: ...

    def _on_timer(self, event: TimerFired) -> list[Action]:
        hold = self.state.hold
        if event.name != COUNT_TIMER or self.state.phase != "counting" or hold is None:
            return []
        if hold.frozen or hold.finished:
            return []
        if event.held:  # held back while the user spoke: pace on from this number
            hold.started_at += max(0.0, self.clock.now() - hold.next_due())
        hold.said += 1
        out: list[Action] = [Say(self._number(hold), kind="count", number=hold.said)]
        if hold.finished:
            return out + self._finish_hold()
        return [*out, SetTimer(COUNT_TIMER, hold.next_due())]

    def _number(self, hold: Hold) -> str:
        """The number said; with `count_seconds_left`, the seconds to go at the half-way
        mark (the same number) and five before the end, instead of the number."""
        left = hold.total - hold.said
        if self.content.settings.count_seconds_left and (
                (hold.said * 2 == hold.total and hold.total >= 10)
                or (left == 5 and hold.total >= 15)):
            return self._msg("count_to_go", seconds=left).text
        return str(hold.said)

    def _on_speech_finished(self) -> list[Action]:
        state = self.state
        if not (state.resume_after_speech and state.hold and state.phase == "counting"):
            return []
        state.resume_after_speech = False
        state.hold.thaw(self.clock.now())
        return [SetTimer(COUNT_TIMER, state.hold.next_due())]

    def _paused_count(self) -> Say:
        hold = self.state.hold
        if hold is None or hold.said == 0:
            return self._msg("paused_before_count")
        return self._msg("paused_count", count=hold.said)

    def _pause(self) -> list[Action]:
        state = self.state
        state.paused = True
        if state.phase == "counting" and state.hold:
            state.hold.freeze(self.clock.now())
            state.resume_after_speech = False
            return [CancelTimer(COUNT_TIMER), self._paused_count()]
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
        return [*left, self._msg("hold_end"), *self._ask_eased()]

    def _ask_eased(self) -> list[Action]:
        question = self._msg("eased_question")
        self.state.unheard = question.text
        return [question]

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
