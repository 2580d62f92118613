"""The hands-free coach: microphone -> recognizer -> dialogue -> speech, in one loop.

`LiveCoach` is the loop body and knows nothing of devices or real time: it takes audio
chunks and a clock. `run_live` drives it from an audio source in real time and survives
devices that vanish and come back. Tests drive `LiveCoach` with a `ScheduledSource` on a
virtual clock, so wake-up, barge-in, echo and counting run without hardware.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np

from ..audio.clip import CLIPPED_SHARE, RATE, count_clipped
from ..audio.sources import AudioSource, SourceLost
from ..dialogue import Clock
from ..dialogue.counting import COUNT_TIMER
from ..intents import Heard
from ..recognition import Recognizer, Result
from .data import CoachData
from .echo import EchoGate
from .playback import Playback
from .runner import SessionRunner
from .transcript import TranscriptEvent
from .understand import learn_from
from .wake import WAKE_INTENT, WakeGate, wake_confidence

log = logging.getLogger(__name__)

SPEECH_LEAD_SECONDS = 0.4
"""How long before its first partial result an utterance is taken to have started."""
TOO_LOUD_EVERY = 30.0
"""Seconds between two "your microphone is too loud" notices."""
NOTE_SECONDS = 3.0
"""How long the status line shows what was last ignored."""
COUNT_WAIT_SECONDS = 1.5
"""The longest a count number waits for an utterance to be decided, from when it was
first noticed (see `tick`)."""
REPROMPT_SECONDS = 0.6
"""Speech at least this long that matches nothing gets "sorry, I didn't catch that" when
the coach is waiting for an answer (shorter sounds, and speech while the coach talks or
counts, are ignored: a cough or a passer-by should not make it talk)."""
SORRY_AGAIN_SECONDS = 30.0
"""After "sorry, I didn't catch that", more speech that matches nothing gets it again only
once a command has been understood, or after this long: a running partner who goes on
talking must not have the coach apologise, and repeat the step, after every sentence. The
status line still shows that speech was not understood."""


class LiveCoach:
    """Feeds audio to the recognizer and what it hears to the dialogue."""

    def __init__(self, data: CoachData, recognizer: Recognizer, voice: Playback, clock: Clock,
                 gate: EchoGate | None = None,
                 on_event: Callable[[TranscriptEvent], None] = lambda e: None,
                 on_status: Callable[[str], None] = lambda s: None,
                 tones: bool = False) -> None:
        self.data = data
        self.recognizer = recognizer
        self.clock = clock
        self.matcher = data.matcher()
        self.manager = data.manager(clock)
        self.gate = gate or EchoGate()
        self._on_event = on_event
        self._on_status = on_status
        self.tones = tones
        """A soft tone before each answer to a command, and alone after a wake phrase not
        heard surely enough (TONE in playback.py)."""
        self.runner = SessionRunner(self.manager, clock, voice, self._coach_event)
        self.wake = WakeGate(wake_confidence(recognizer))
        """Whether a wake phrase heard while idle starts a session (wake.py)."""
        self._utterance_start: float | None = None
        self._levels: deque[tuple[float, int, int]] = deque(maxlen=1000)
        """(end time, clipped samples, samples) of recent chunks, ~20 s."""
        self._told_too_loud = float("-inf")
        self._sorry_at: float | None = None
        """When the coach last said it did not catch something (None: not since the last
        command it understood)."""
        self._note: tuple[str, float] = ("", 0.0)
        self.understood: list[TranscriptEvent] = []
        """What the user said that was acted on (intent None: asked to say it again)."""
        self.ignored: list[TranscriptEvent] = []
        """What was heard and not acted on (idle speech, echo), for status and tests."""

    # --- inputs --------------------------------------------------------------------------
    def feed(self, chunk: bytes, captured_until: float | None = None) -> None:
        """One chunk of 16 kHz mono int16 audio, recorded until clock time `captured_until`
        (default: just now). A loop busy decoding reads chunks late; their own time keeps
        them lined up with what the coach was playing as they were recorded."""
        now = self.clock.now()
        end = now if captured_until is None else min(captured_until, now)
        samples = np.frombuffer(chunk, dtype=np.int16)
        self._levels.append((end, count_clipped(samples), len(samples)))
        chunk = self.gate.microphone(end - len(chunk) / 2 / RATE, end, chunk)
        for result in self.recognizer.accept(chunk):
            if result.final:
                self._heard(result, end)
            else:
                if self._utterance_start is None:
                    self._utterance_start = end - SPEECH_LEAD_SECONDS
                self._on_status(f'hearing "{result.text}"' if result.text else "hearing ...")
        self.tick()

    def tick(self) -> None:
        """Deliver what is due now: count numbers, ends of speech; keep the status true.

        While the user is speaking, a count number that falls due waits (up to
        COUNT_WAIT_SECONDS) until what they said is known: after "pause" or "stop" no
        number is said; after anything else it comes late and the count goes on from it."""
        start = self._utterance_start
        waiting = (start is not None and self.clock.now() - start
                   < SPEECH_LEAD_SECONDS + COUNT_WAIT_SECONDS)
        self.runner.advance(hold=frozenset({COUNT_TIMER}) if waiting else frozenset())
        if self._utterance_start is None:  # while someone speaks it says "hearing ..."
            self._show_status()

    def flush(self) -> None:
        """The audio stream ended: decide on whatever was being said."""
        result = self.recognizer.finish()
        if result is not None:
            self._heard(result, self.clock.now())
        self.tick()

    def device_lost(self, device: str) -> None:
        """Keep the user's place: a running count is paused until they say resume."""
        self.recognizer.finish()  # half an utterance cut off by the loss is not a command
        self._utterance_start = None
        if self.manager.active and not self.manager.state.paused:
            self.runner.user(Heard(f"({device} lost)", "pause"))
        self.runner.announce(self.data.content.message("device_lost", device=device))

    def device_back(self, device: str) -> None:
        if self.manager.active:
            self.runner.announce(self.data.content.message("device_back", device=device))

    # --- queries -------------------------------------------------------------------------
    def next_deadline(self) -> float | None:
        return self.runner.next_deadline()

    def status(self) -> str:
        if self.runner.speaking:
            state = self.manager.status()
            return state if state.startswith("counting") else "speaking"
        if not self.manager.active:
            return 'listening for "cramp help"'
        return f"listening ({self.manager.status()})"

    # --- internals -----------------------------------------------------------------------
    def _show_status(self) -> None:
        """What the coach is doing now, with a recent note (what was ignored) for a while."""
        note, until = self._note
        self._on_status(f"{self.status()}; {note}" if note and self.clock.now() < until
                        else self.status())

    def _heard(self, result: Result, end: float) -> None:
        """`result` of an utterance whose audio ended being recorded at `end`."""
        start = self._utterance_start if self._utterance_start is not None else end - 1.0
        self._utterance_start = None
        if not result.text:
            if self._too_loud(start, end):
                return
            if (self.manager.active and self.runner.waiting_for_user()
                    and end - start >= REPROMPT_SECONDS + SPEECH_LEAD_SECONDS
                    and not self.gate.is_echo(start, end)):
                self._not_understood(end)
            self._show_status()
            return
        heard = self.matcher.understand(result.text, result.confidence)
        t = self.clock.now() - self.runner.origin
        if self.gate.is_echo(start, end):
            self._ignore(TranscriptEvent.user(t, heard, "echo"))
            return
        if not self.manager.active and not self.wake.wakes(heard, t):
            # An unsure wake phrase: a second one soon after starts the session.
            kind = "unsure" if heard.intent == WAKE_INTENT else "idle"
            if kind == "unsure" and self.tones:
                self.runner.voice.tone()  # heard, but not surely: say it again
            self._ignore(TranscriptEvent.user(t, heard, kind))
            return
        learn_from(self.recognizer, heard)
        if heard.intent is not None:
            self._sorry_at = None
            if self.tones:
                self.runner.voice.cue()
        self.runner.user(heard)
        self._on_status(self.status())

    def _not_understood(self, end: float) -> None:
        """Speech meant for nothing the coach knows, while it waits: "sorry" and the step's
        prompt, unless it said so recently (SORRY_AGAIN_SECONDS)."""
        if self._sorry_at is not None and end - self._sorry_at < SORRY_AGAIN_SECONDS:
            log.info("not understood (already said sorry at %.1f s)", self._sorry_at)
            self._note = ("not understood", self.clock.now() + NOTE_SECONDS)
            return
        self._sorry_at = end
        self.runner.user(Heard("(not understood)", None))

    def _too_loud(self, start: float, end: float) -> bool:
        """Say so (now and then) when speech was not understood because it was clipped."""
        spans = [(c, n) for t, c, n in self._levels if start <= t <= end]
        clipped, total = sum(c for c, _ in spans), sum(n for _, n in spans)
        if not total or clipped / total <= CLIPPED_SHARE:
            return False
        if end - self._told_too_loud >= TOO_LOUD_EVERY:
            self._told_too_loud = end
            self.runner.announce(self.data.content.message("too_loud"))
        return True

    def _ignore(self, event: TranscriptEvent) -> None:
        self.ignored.append(event)
        log.info("ignored (%s): %r", event.kind, event.text)
        note = (f'not sure I heard "{event.text}": say it again' if event.kind == "unsure"
                else f'ignored "{event.text}" ({event.kind})')
        self._note = (note, self.clock.now() + NOTE_SECONDS)
        self._show_status()

    def _coach_event(self, event: TranscriptEvent) -> None:
        if event.who == "user":
            self.understood.append(event)
        self._on_event(event)
        self._on_status(self.status())


class Devices:
    """Opens the microphone and the coach's audio output, and reopens them after a loss."""

    def __init__(self, open_source: Callable[[], AudioSource],
                 open_output: Callable[[], Any] | None, voice: Playback,
                 reset: Callable[[], None] = lambda: None) -> None:
        self._open_source = open_source
        self._open_output = open_output
        self._reset = reset
        self.voice = voice
        self.source: AudioSource | None = None

    def open(self) -> None:
        self.source = self._open_source()
        if self._open_output is not None:
            self.voice.out = self._open_output()

    def output_lost(self) -> bool:
        return bool(getattr(self.voice.out, "lost", False))

    def close(self) -> None:
        if self.source is not None:
            self.source.close()
            self.source = None
        out, self.voice.out = self.voice.out, None
        if out is not None and hasattr(out, "close"):
            out.close()

    def reopen(self, wait: Callable[[float], object], notice: Callable[[str], None],
               retry_seconds: float = 2.0, should_stop: Callable[[], bool] = lambda: False,
               ) -> bool:
        """Close everything, then try to open it again until that works (True) or
        `should_stop()` (False)."""
        self.close()
        while not should_stop():
            try:
                self._reset()
                self.open()
                return True
            except Exception as err:  # DeviceError, or PortAudio failing to restart
                self.close()
                notice(f"still waiting for the audio devices ({err})")
                wait(retry_seconds)
        return False


def run_live(coach: LiveCoach, devices: Devices, notice: Callable[[str], None],
             wait: Callable[[float], object] = time.sleep,
             should_stop: Callable[[], bool] = lambda: False) -> None:
    """Listen and coach until `should_stop()` or Ctrl-C (KeyboardInterrupt propagates).

    Opens the devices unless the caller already has."""
    if devices.source is None:
        devices.open()
    coach.tick()
    try:
        while not should_stop():
            deadline = coach.next_deadline()
            timeout = 0.05
            if deadline is not None:
                timeout = min(timeout, max(0.0, deadline - coach.clock.now()))
            assert devices.source is not None
            try:
                chunk = devices.source.read(timeout)
                lost = "earbuds or speaker" if devices.output_lost() else None
            except SourceLost:
                lost = "microphone"
                chunk = None
            if chunk:
                coach.feed(chunk, devices.source.captured_until)
            else:
                coach.tick()
            if lost:
                notice(f"the {lost} stopped working; keeping your place and waiting for it "
                       "(Ctrl-C to quit)")
                coach.device_lost(lost)
                if not devices.reopen(wait, notice, should_stop=should_stop):
                    break
                notice(f"the {lost} is back")
                coach.device_back(lost)
    finally:
        devices.close()
