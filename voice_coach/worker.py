"""A worker process, both ends of it: work on the other core, memory of its own.

`Worker(module, setup)` starts `python -m <module>` with one end of a socket pair and sends
it calls, pickled; each answer comes back as a Future, so the caller goes on meanwhile.
The module serves them with `serve` (recognition/sphinx_worker.py: the decoder with the
speaker's transform; recognition/whisper_worker.py: Whisper's second opinion).
A process started this way runs only this module: not the program that started it
(which multiprocessing's "spawn" would import again) and not a copy of it ("fork", unsafe
with the audio threads running). The worker ends when its socket closes, that is, when
this side closes it or exits, and not before: the worker runs in a process group of its
own, so Ctrl-C, which the terminal sends to its foreground group, reaches only the coach,
which handles it (it stops speech and says "Bye.").
"""

from __future__ import annotations

import contextlib
import pickle
import socket
import subprocess
import sys
import threading
from collections import deque
from concurrent.futures import Future
from typing import Any, BinaryIO


class WorkerError(RuntimeError):
    """The worker process stopped or could not be started."""


class Worker:
    """One worker process running `module`; `call(name, *args)` runs the `name` method
    of what it serves there."""

    def __init__(self, module: str, setup: tuple[Any, ...]) -> None:
        ours, theirs = socket.socketpair()
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", module, str(theirs.fileno())],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, process_group=0)
        except OSError as err:
            ours.close()
            raise WorkerError(f"cannot start {sys.executable}: {err}") from err
        finally:
            theirs.close()
        self._socket = ours
        self._out = ours.makefile("wb")
        self._waiting: deque[Future[Any]] = deque()
        self._lock = threading.Lock()
        self._stopped: str | None = None
        self._reader = threading.Thread(target=self._read, args=(ours.makefile("rb"),),
                                        name=f"{module.rsplit('.', 1)[-1]}-replies", daemon=True)
        self._reader.start()
        self.call("start", *setup)

    def call(self, name: str, *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        with self._lock:
            if self._stopped is not None:
                future.set_exception(WorkerError(self._stopped))
                return future
            self._waiting.append(future)
            try:
                pickle.dump((name, args), self._out, protocol=pickle.HIGHEST_PROTOCOL)
                self._out.flush()
            except OSError as err:
                self._stop(f"the worker process stopped ({err})")
        return future

    def _read(self, replies: BinaryIO) -> None:
        while True:
            try:
                ok, value = pickle.load(replies)
            except (EOFError, OSError, pickle.UnpicklingError) as err:
                with self._lock:
                    self._stop(f"the worker process stopped ({type(err).__name__})")
                return
            with self._lock:
                future = self._waiting.popleft()
            if ok:
                future.set_result(value)
            else:
                future.set_exception(WorkerError(value))

    def _stop(self, why: str) -> None:
        """(With the lock held.) Fail every call waiting and every one to come."""
        if self._stopped is None:
            self._stopped = why
        while self._waiting:
            self._waiting.popleft().set_exception(WorkerError(self._stopped))

    @property
    def alive(self) -> bool:
        return self._stopped is None and self._process.poll() is None

    @property
    def pid(self) -> int:
        return self._process.pid

    def close(self) -> None:
        """Ends the worker (it exits when its socket closes) and waits for it briefly."""
        with self._lock:
            self._stop("the worker process was closed")
        with contextlib.suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)
        self._socket.close()
        try:
            self._process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


def serve(connection: socket.socket, server: Any) -> None:
    """(In the worker process.) Answers calls with `server`'s methods until the other end
    closes."""
    calls, replies = connection.makefile("rb"), connection.makefile("wb")
    while True:
        try:
            name, args = pickle.load(calls)
        except (EOFError, OSError):
            return
        try:
            reply = (True, getattr(server, name)(*args))
        except Exception as err:  # said there (WorkerError)
            reply = (False, f"{type(err).__name__}: {err}")
        try:
            pickle.dump(reply, replies, protocol=pickle.HIGHEST_PROTOCOL)
            replies.flush()
        except OSError:
            return
