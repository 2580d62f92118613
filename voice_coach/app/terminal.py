"""The terminal around a running coach: a status line, and Ctrl-C / SIGTERM as a request."""

from __future__ import annotations

import signal
import sys
import threading
from typing import TextIO


class StatusLine:
    """One self-overwriting line on a terminal (listening / heard / counting 12 of 30)."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self._last = ""

    def show(self, text: str) -> None:
        if self.enabled and text != self._last:
            self._last = text
            self.stream.write(f"\r\x1b[K[{text}]")
            self.stream.flush()

    def clear(self) -> None:
        if self.enabled and self._last:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._last = ""


class StopRequest:
    """Ctrl-C and SIGTERM as a flag the loops look at between chunks or lines.

    Raising KeyboardInterrupt from wherever the main thread happens to be can leave a lock
    held (inside a queue the microphone's audio thread also uses, or the speaker's), and
    closing the streams then waits for that thread for ever. The loop notices the flag
    within a chunk or a decode; a second Ctrl-C raises KeyboardInterrupt at once."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def __call__(self, _signum: int, _frame: object) -> None:
        if self.event.is_set():
            raise KeyboardInterrupt
        self.event.set()

    def install(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self)
