from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.pulse import PrivatePulse
from dialogue_driver import Driver
from voice_coach.app.data import CoachData
from voice_coach.dialogue import VirtualClock

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def coach_data() -> CoachData:
    return CoachData.load(ROOT / "intents" / "en")


@pytest.fixture
def drv(coach_data: CoachData) -> Driver:
    """The dialogue manager, idle, driven by hand in virtual time."""
    clock = VirtualClock(1000.0)
    return Driver(coach_data.manager(clock), clock)


@pytest.fixture
def pulse(tmp_path: Path) -> Iterator[PrivatePulse]:
    """A private PulseAudio server with a virtual microphone and speaker (bench/pulse.py)."""
    server = PrivatePulse(tmp_path)
    server.start()
    yield server
    server.stop()
