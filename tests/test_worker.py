"""The worker process (voice_coach/worker.py): calls, errors, Ctrl-C and closing."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from voice_coach.worker import Worker, WorkerError

MODULE = "voice_coach.recognition.sphinx_worker"
"""A real worker module whose `start` only stores its arguments."""


@pytest.fixture
def worker() -> Iterator[Worker]:
    started = Worker(MODULE, (None,) * 7)
    yield started
    started.close()


def test_a_failing_call_comes_back_as_worker_error(worker: Worker):
    with pytest.raises(WorkerError, match="AttributeError"):
        worker.call("no_such_method").result(timeout=30)
    assert worker.call("lead", None).result(timeout=30) is not None  # still serving


CTRL_C = """
import os, signal, sys, time
from voice_coach.worker import Worker
worker = Worker(sys.argv[1], (None,) * 7)
worker.call("lead", None).result(timeout=30)
signal.signal(signal.SIGINT, signal.SIG_IGN)  # the coach handles it; here: ignore
os.killpg(0, signal.SIGINT)  # what the terminal does on Ctrl-C
time.sleep(0.5)
print(worker.alive, worker.call("lead", None).result(timeout=30))
worker.close()
"""


def test_ctrl_c_at_the_terminal_is_left_to_the_coach():
    """The terminal sends Ctrl-C's SIGINT to its foreground process group: the worker is
    not in it, so it neither dies nor prints a traceback while the coach says "Bye."
    (run in a session of its own, so the test's SIGINT reaches nothing else)."""
    done = subprocess.run([sys.executable, "-c", CTRL_C, MODULE], capture_output=True,
                          text=True, timeout=120, start_new_session=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "100.0"]
    assert "Traceback" not in done.stderr and "KeyboardInterrupt" not in done.stderr


def test_closing_ends_the_process_and_fails_later_calls(worker: Worker):
    worker.close()
    assert not worker.alive
    with pytest.raises(WorkerError, match="closed"):
        worker.call("lead", None).result(timeout=1)
