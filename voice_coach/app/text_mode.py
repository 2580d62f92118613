"""`voice-coach --text`: the coach in real time, typed input, printed (and spoken) output."""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable
from typing import TextIO

from ..dialogue import MonotonicClock
from .coach import CoachData, text_understander
from .runner import SessionRunner, TranscriptEvent
from .voice import Voice

_EOF = object()


def _read_lines(stream: TextIO, inbox: queue.Queue[object]) -> None:
    try:
        for line in stream:
            inbox.put(line.rstrip("\n"))
    except (OSError, ValueError):
        pass
    inbox.put(_EOF)


def run_text(data: CoachData, voice: Voice, stdin: TextIO = sys.stdin,
             print_event: Callable[[TranscriptEvent], None] | None = None,
             banner: Callable[[str], None] = print) -> int:
    """Until EOF or Ctrl-C. Returns the exit code."""
    clock = MonotonicClock()
    manager = data.manager(clock)
    understand = text_understander(data.matcher())
    runner = SessionRunner(manager, clock, voice, print_event or _print_coach)
    inbox: queue.Queue[object] = queue.Queue()
    threading.Thread(target=_read_lines, args=(stdin, inbox), daemon=True).start()
    banner("voice-coach (text mode). Type 'cramp help' to start, 'what can I say' for "
           "commands; Ctrl-D or Ctrl-C to quit.")
    try:
        while True:
            deadline = runner.next_deadline()
            timeout = None if deadline is None else max(0.0, deadline - clock.now())
            try:
                item = inbox.get(timeout=timeout)
            except queue.Empty:
                runner.advance()
                continue
            if item is _EOF:
                break
            text = str(item).strip()
            if text:
                heard = understand(text)
                runner.user(heard.text, heard.intent, heard.slots)
            runner.advance()
    except KeyboardInterrupt:
        pass
    voice.stop()
    banner("Bye.")
    return 0


def _print_coach(event: TranscriptEvent) -> None:
    if event.who != "coach":
        return
    if event.kind == "count":
        print(f"  {event.text}", flush=True)
    elif event.kind == "session":
        print(event.text, flush=True)
    else:
        print(f"coach: {event.text}", flush=True)
