"""A worker process for the decoder with the speaker's transform, both ends of it.

`Worker` starts `python -m voice_coach.recognition.sphinx_worker` with one end of a
socket pair and sends it calls (`load`, `hear`, `fit`), pickled; each answer comes back
as a Future, so the caller decodes with the plain model meanwhile (sphinx_adapted.py).
A process started this way runs only this module: not the program that started it
(which multiprocessing's "spawn" would import again) and not a copy of it ("fork", unsafe
with the audio threads running). The worker ends when its socket closes, that is, when
this side closes it or exits.
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

from .sphinx_decoder import NO_RIVAL, Rivals, hear, load_with_transform, phrase_scores


class WorkerError(RuntimeError):
    """The worker process stopped or could not be started."""


class Worker:
    """One worker process; `call(name, *args)` runs `_Decoder.<name>(*args)` there."""

    def __init__(self, setup: tuple[Any, ...]) -> None:
        ours, theirs = socket.socketpair()
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", __name__, str(theirs.fileno())],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL)
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
                                        name="sphinx-worker-replies", daemon=True)
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


# --- in the worker process -------------------------------------------------------------------
class _Decoder:
    """What the worker holds: the grammar's setup and the newest transform's decoder."""

    def __init__(self) -> None:
        self._setup: tuple[Any, ...] = ()
        self._decoder: Any = None
        self._rivals: Rivals | None = None

    def start(self, *setup: Any) -> None:
        self._setup = setup
        *_, meanings = setup
        self._rivals = Rivals(meanings) if meanings else None

    def load(self, matrix: bytes) -> None:
        files, grammar, extra, _, _, dictionary, _ = self._setup
        self._decoder = None  # the old one's memory first
        self._decoder = load_with_transform(files, grammar, extra, matrix, dictionary)

    def hear(self, *args: Any) -> Any:
        _, _, _, phrases, phones_of, _, _ = self._setup
        return hear(self._decoder, phrases, phones_of, *args)

    def lead(self, *args: Any) -> float:
        if self._rivals is None:
            return NO_RIVAL
        return self._rivals.lead(self._decoder, *args)

    def fit(self, *args: Any) -> Any:
        return phrase_scores(self._decoder, *args)


def serve(connection: socket.socket) -> None:
    """Answers calls until the other end closes."""
    calls, replies = connection.makefile("rb"), connection.makefile("wb")
    decoder = _Decoder()
    while True:
        try:
            name, args = pickle.load(calls)
        except (EOFError, OSError):
            return
        try:
            reply = (True, getattr(decoder, name)(*args))
        except Exception as err:  # said there (WorkerError)
            reply = (False, f"{type(err).__name__}: {err}")
        try:
            pickle.dump(reply, replies, protocol=pickle.HIGHEST_PROTOCOL)
            replies.flush()
        except OSError:
            return


if __name__ == "__main__":
    serve(socket.socket(fileno=int(sys.argv[1])))
