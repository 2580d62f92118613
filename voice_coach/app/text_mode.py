"""`voice-coach --text`: the coach in real time, typed input, printed (and spoken) output."""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

from ..dialogue import Clock, MonotonicClock
from .data import CoachData
from .playback import Playback
from .runner import SessionRunner
from .transcript import TranscriptEvent, printer

_EOF = object()


def _read_lines(stream: TextIO, inbox: queue.Queue[object]) -> None:
    try:
        for line in stream:
            inbox.put(line.rstrip("\n"))
    except (OSError, ValueError):
        pass
    inbox.put(_EOF)


def run_text(data: CoachData, voice: Playback, stdin: TextIO = sys.stdin,
             print_event: Callable[[TranscriptEvent], None] | None = None,
             banner: Callable[[str], None] | None = None,
             clock: Clock | None = None, sleep: Callable[[float], object] = time.sleep) -> int:
    """Until EOF or Ctrl-C. Returns the exit code. (Tests pass a virtual `clock` and a
    `sleep` that advances it.)"""
    banner = banner or _print
    clock = clock or MonotonicClock()
    manager = data.manager(clock)
    understand = data.matcher().understand
    runner = SessionRunner(manager, clock, voice,
                           print_event or printer(timed=False, users=False))
    inbox: queue.Queue[object] = queue.Queue()
    threading.Thread(target=_read_lines, args=(stdin, inbox), daemon=True).start()
    try:  # from the banner on, Ctrl-C (or SIGTERM) ends with "Bye."
        banner("voice-coach (text mode). Type 'cramp help' to start, 'what can I say' for "
               "commands; Ctrl-D or Ctrl-C to quit.")
        while True:
            deadline = runner.next_deadline()
            timeout = None if deadline is None else max(0.0, deadline - clock.now())
            try:
                item = inbox.get(timeout=timeout)
            except queue.Empty:
                runner.advance()
                continue
            if item is _EOF:  # the coach finishes what it is saying (not a count), then quits
                while runner.speaking:
                    sleep(max(0.0, (runner.next_deadline() or 0.0) - clock.now()))
                    runner.advance()
                break
            text = str(item).strip()
            if text:
                runner.user(understand(text))
            runner.advance()
    except KeyboardInterrupt:
        pass
    voice.stop()
    banner("Bye.")
    return 0


def _print(text: str) -> None:
    print(text, flush=True)
