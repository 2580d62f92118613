from __future__ import annotations

from pathlib import Path

import pytest

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
