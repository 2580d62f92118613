"""An engine stand-in for front-end tests: it records what reaches it and keeps what the
front end tells it; it recognises nothing (the tests that use it test the front end only)."""

from __future__ import annotations

from voice_coach.recognition import Result


class Ears:
    name = "ears"

    def __init__(self) -> None:
        self.heard: list[bytes] = []
        self.noisy_input = False
        self.wideband_input: bool | None = None

    def accept(self, chunk: bytes) -> list[Result]:
        self.heard.append(chunk)
        return []

    def finish(self) -> Result | None:
        return None

    def new_speaker(self) -> None: ...

    def learn(self, text: str) -> None: ...
