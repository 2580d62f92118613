"""`voice-coach demo`: a canned session through the real pipeline, in virtual time.

Synthesized user speech goes into a virtual microphone, through the recognizer and the
dialogue, and the coach's rendered speech comes out; both voices are mixed into one WAV
a listener can play. The same driver runs the live loop in tests.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..audio.clip import AudioClip
from ..audio.sinks import TimelineSink
from ..audio.sources import ScheduledSource
from ..dialogue import VirtualClock
from .live import LiveCoach
from .script import ScriptLine, parse_script

REPLY_DELAY = 0.6
"""Seconds a scripted user waits after the coach stops before answering."""
RETRIES = 2
"""Times a scripted user says a line again after "sorry, I didn't catch that"."""
SETTLE_SECONDS = 3.0
"""Audio kept running after the last line, so its answer is heard."""
MAX_SECONDS = 2 * 3600.0

DEMO_SCRIPT = """\
# The canned demo: a runner with a cramp, hands-free.
cramp help
next step
# "can you sit down?"
no
ready
@58 how much longer
@62 pause
@66 resume
yes
next step
next step
what do I need
next step
next step
when should I see a doctor
next step
next step
"""


@dataclass
class ScriptedUser:
    """Says each script line into a virtual microphone at its time.

    A plain line is said REPLY_DELAY after the coach falls silent and waits; "@T" lines at
    T seconds from the start, whatever the coach is doing (barge-in). Like a person, the
    user says a plain line again (up to RETRIES times) when the coach did not catch it.
    """

    lines: Sequence[ScriptLine]
    voice: Callable[[str], AudioClip]
    said: list[tuple[float, str]] = field(default_factory=list)
    """(clock time, text) of each line said."""

    def __post_init__(self) -> None:
        self._pending = deque(self.lines)
        self._waiting_since: float | None = None
        self._last: tuple[ScriptLine, int, int] | None = None
        """(last line said, retries used, how many utterances the coach had heard then)."""

    @property
    def done(self) -> bool:
        return not self._pending

    def step(self, coach: LiveCoach, mic: ScheduledSource) -> None:
        """Say the next line into `mic` if it is due."""
        if mic.busy_until > coach.clock.now():
            return
        self._retry_if_not_caught(coach)
        if not self._pending:
            return
        line, now = self._pending[0], coach.clock.now()
        waiting = coach.runner.waiting_for_user()
        if not waiting:
            self._waiting_since = None
        elif self._waiting_since is None:
            self._waiting_since = now
        if line.at is not None:
            due = coach.runner.origin + line.at
        elif line.after is not None:
            due = (self.said[-1][0] if self.said else coach.runner.origin) + line.after
        elif self._waiting_since is not None:
            due = self._waiting_since + REPLY_DELAY
        else:
            return
        if due > now + 1e-6:
            return
        self._pending.popleft()
        self._waiting_since = None
        mic.say(self.voice(line.text), now)
        self.said.append((now, line.text))
        retries = self._last[1] + 1 if self._last and self._last[0] is line else 0
        self._last = (line, retries, len(coach.understood))

    def _retry_if_not_caught(self, coach: LiveCoach) -> None:
        if self._last is None:
            return
        line, retries, heard_before = self._last
        heard = coach.understood[heard_before:]
        if (line.at is None and line.after is None and retries < RETRIES and heard
                and heard[0].intent is None):
            self._pending.appendleft(line)
            self._last = (line, retries, len(coach.understood))


def run_scripted(coach: LiveCoach, mic: ScheduledSource, user: ScriptedUser,
                 until: float | None = None) -> None:
    """Run the live loop on the virtual microphone until the script is done and settled."""
    clock = mic.clock
    finished_at: float | None = None
    while clock.now() - coach.runner.origin < (until or MAX_SECONDS):
        user.step(coach, mic)
        coach.feed(mic.read(0.02) or b"", mic.captured_until)
        if until is None and user.done and mic.busy_until <= clock.now():
            if finished_at is None:
                finished_at = clock.now()
            quiet = not coach.runner.speaking and coach.manager.awaiting_input
            if clock.now() - finished_at > SETTLE_SECONDS and (quiet or not
                                                                coach.manager.active):
                break
    coach.flush()


def demo_mix(coach_sink: TimelineSink, mic: ScheduledSource, user: ScriptedUser,
             voice: Callable[[str], AudioClip]) -> AudioClip:
    """The coach's speech and the user's lines on one track, as a listener would hear."""
    track = TimelineSink(VirtualClock(), rate=coach_sink.rate)
    track.pieces = list(coach_sink.pieces)
    for at, text in user.said:
        track.pieces.append((at - mic.origin, voice(text).resampled(coach_sink.rate)))
    return track.render()


def demo_lines() -> list[ScriptLine]:
    return parse_script(DEMO_SCRIPT, "<demo>")
