"""Drives the dialogue manager in time: timers, the coach's speech queue, the transcript.

The same runner serves virtual time (`simulate`: the caller jumps the clock to the next
deadline) and real time (`--text`, live: the caller waits until the deadline or input).
The speech channel is modelled from each utterance's length, so barge-in, counts and
"speech finished" happen at the same moments in both.
"""

from __future__ import annotations

import copy
import logging
from collections import deque
from collections.abc import Callable

from ..dialogue import (
    Action,
    CancelTimer,
    Clock,
    DialogueManager,
    Event,
    Say,
    SessionEnded,
    SetTimer,
    SpeechFinished,
    Spoken,
    StopSpeech,
    TimerFired,
)
from ..intents import Heard
from .playback import Playback
from .transcript import TranscriptEvent

log = logging.getLogger(__name__)


class SessionRunner:
    """Applies the manager's actions and feeds back timer and speech events."""

    def __init__(self, manager: DialogueManager, clock: Clock, voice: Playback,
                 on_event: Callable[[TranscriptEvent], None] = lambda e: None) -> None:
        self.manager = manager
        self.clock = clock
        self.voice = voice
        self.on_event = on_event
        self.origin = clock.now()
        self.timers: dict[str, float] = {}
        self._queue: deque[tuple[Say, float]] = deque()
        self._speech_end: float | None = None
        self._current: Say | None = None
        """What is being said now."""
        self._held: set[str] = set()
        """Timers held back past their time by `advance(hold=...)`."""
        self.ended: list[str] = []
        """Reasons of SessionEnded actions seen, in order."""

    # --- inputs --------------------------------------------------------------------------
    def user(self, heard: Heard) -> None:
        self._emit(TranscriptEvent.user(self._t(), heard))
        self._handle(heard)

    def announce(self, text: str) -> None:
        """Say something outside the dialogue (device notices), after what is queued."""
        self._apply(Say(text))

    def advance(self, hold: frozenset[str] = frozenset()) -> None:
        """Deliver everything that is due at the clock's current time, in time order;
        timers named in `hold` wait (they are delivered late, at a later call)."""
        while True:
            now = self.clock.now()
            self._held |= {name for name, at in self.timers.items()
                           if name in hold and at <= now + 1e-9}
            due_timer = min(((name, at) for name, at in self.timers.items()
                             if name not in hold), key=lambda kv: kv[1], default=None)
            speech_due = self._speech_end is not None and self._speech_end <= now + 1e-9
            timer_due = due_timer is not None and due_timer[1] <= now + 1e-9
            if speech_due and (not timer_due or self._speech_end <= due_timer[1]):  # type: ignore[index,operator]
                self._finish_utterance()
            elif timer_due and due_timer is not None:
                del self.timers[due_timer[0]]
                held = due_timer[0] in self._held
                self._held.discard(due_timer[0])
                self._handle(TimerFired(due_timer[0], held=held))
            else:
                return

    # --- queries -------------------------------------------------------------------------
    @property
    def speaking(self) -> bool:
        return self._speech_end is not None

    def next_deadline(self) -> float | None:
        times = list(self.timers.values())
        if self._speech_end is not None:
            times.append(self._speech_end)
        return min(times) if times else None

    def waiting_for_user(self) -> bool:
        """Nothing more will happen until the user speaks."""
        return not self.speaking and self.manager.awaiting_input

    # --- internals -----------------------------------------------------------------------
    def _t(self) -> float:
        return self.clock.now() - self.origin

    def _emit(self, event: TranscriptEvent) -> None:
        self.on_event(event)

    def _handle(self, event: Event) -> None:
        was_speaking = self.speaking
        saved = copy.deepcopy(self.manager.state)
        try:
            actions = self.manager.handle(event)
        except Exception:  # a bug must not end a session mid-cramp: log it, keep the state
            log.exception("the dialogue failed on %r in state %s; the state is restored",
                          event, saved)
            self.manager.state = saved
            actions = [StopSpeech(), Say(self.manager.content.message("internal_error"))]
        for action in actions:
            self._apply(action)
        if was_speaking and not self.speaking:
            self._handle(SpeechFinished())

    def _apply(self, action: Action) -> None:
        if isinstance(action, Say):
            self._queue.append((action, self.voice.duration(action)))
            if self._speech_end is None:
                self._start_next(self.clock.now())
        elif isinstance(action, StopSpeech):
            if self._speech_end is not None:
                self.voice.stop()
            self._queue.clear()
            self._speech_end = None
            self._current = None
        elif isinstance(action, SetTimer):
            self.timers[action.name] = action.at
            self._held.discard(action.name)
        elif isinstance(action, CancelTimer):
            self.timers.pop(action.name, None)
        elif isinstance(action, SessionEnded):
            self.ended.append(action.reason)
            self._emit(TranscriptEvent(self._t(), "coach", f"(session {action.reason})",
                                       "session"))

    def _start_next(self, at: float) -> None:
        say, seconds = self._queue.popleft()
        self._speech_end = at + seconds
        self._current = say
        self._emit(TranscriptEvent(at - self.origin, "coach", say.text, say.kind,
                                   number=say.number))
        self.voice.start(say)

    def _finish_utterance(self) -> None:
        end = self._speech_end
        assert end is not None
        if self._current is not None:  # played in full
            said, self._current = self._current, None
            self._handle(Spoken(said.text))
            if self._speech_end != end:  # the dialogue said something new meanwhile
                return
        if self._queue:
            self._start_next(end)
            return
        self._speech_end = None
        self._handle(SpeechFinished())
