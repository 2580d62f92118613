"""`voice-coach check`: validate the intent and dialogue files."""

from __future__ import annotations

import argparse

from ..errors import UsageError
from .common import load


def run(args: argparse.Namespace) -> int:
    data = load(args)
    unknown = data.unhandled_intents()
    if unknown:
        raise UsageError(
            f"the dialogue does not handle the intent(s) {', '.join(unknown)} "
            f"(defined in {', '.join(str(p) for p in data.intents.files)}); a user saying "
            "them would only hear \"Sorry, I didn't catch that\". Remove them, or give them "
            "a meaning in voice_coach/dialogue/manager.py")
    files = ", ".join(str(p) for p in data.intents.files)
    print(f"ok: {len(data.intents.names)} intents from {files}; "
          f"{len(data.content.steps)} steps in {data.content.path}")
    return 0
