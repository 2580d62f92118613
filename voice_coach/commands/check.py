"""`voice-coach check`: validate the intent and dialogue files."""

from __future__ import annotations

import argparse

from ..errors import UsageError
from .common import load, unhandled


def run(args: argparse.Namespace) -> int:
    data = load(args)
    files = ", ".join(str(p) for p in data.intents.files)
    problem = unhandled(data)
    if problem:
        raise UsageError(f"{problem} (intent files: {files})")
    print(f"ok: {len(data.intents.names)} intents from {files}; "
          f"{len(data.content.steps)} steps in {data.content.path}")
    return 0
