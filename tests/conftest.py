from __future__ import annotations

from pathlib import Path

import pytest

from voice_coach.app.data import CoachData

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def coach_data() -> CoachData:
    return CoachData.load(ROOT / "intents" / "en")
