"""`voice-coach simulate`: a whole session in virtual time, as fast as the CPU allows."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence

from ..dialogue import DialogueManager, VirtualClock
from .playback import Playback
from .runner import SessionRunner
from .script import ScriptLine
from .transcript import TranscriptEvent
from .understand import Understand

MAX_SECONDS = 4 * 3600.0
"""A script that would run longer than this in virtual time is cut short (a safety net)."""


class SimulationTooLong(Exception):
    pass


def simulate(lines: Sequence[ScriptLine], manager: DialogueManager, clock: VirtualClock,
             voice: Playback, understand: Understand,
             on_event: Callable[[TranscriptEvent], None]) -> SessionRunner:
    """Play the script against the coach; every event goes to `on_event` as it happens."""
    runner = SessionRunner(manager, clock, voice, on_event)
    pending = deque(lines)
    last_said = clock.now()

    def speak(line: ScriptLine) -> None:
        nonlocal last_said
        last_said = clock.now()
        runner.user(understand(line.text))

    while True:
        if clock.now() - runner.origin > MAX_SECONDS:
            raise SimulationTooLong(f"the session ran past {MAX_SECONDS:.0f} s of virtual time")
        deadline = runner.next_deadline()
        line = pending[0] if pending else None
        if line is not None:
            at = (runner.origin + line.at if line.at is not None
                  else last_said + line.after if line.after is not None else None)
            if at is None and (runner.waiting_for_user() or deadline is None):
                speak(pending.popleft())
                continue
            if at is not None and (deadline is None or at <= deadline):
                clock.advance_to(max(clock.now(), at))
                speak(pending.popleft())
                continue
        if deadline is None:
            return runner
        clock.advance_to(max(clock.now(), deadline))
        runner.advance()
