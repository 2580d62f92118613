"""`voice-coach recognize FILE...`: the intent in each audio file."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Iterator
from typing import Any

from ..app.understand import understand_files
from ..intents import IntentMatcher
from ..recognition import Recognizer
from .common import load, recognizer


def rows(paths: Iterable[str], recognizer: Recognizer, matcher: IntentMatcher,
         ) -> Iterator[dict[str, Any]]:
    """One JSON-ready dict per file; unreadable files get an "error" key, the rest go on."""
    for path, heard in understand_files(paths, recognizer, matcher):
        if isinstance(heard, Exception):
            yield {"file": path, "error": str(heard), "engine": recognizer.name}
        else:
            yield {"file": path, "text": heard.text, "intent": heard.intent,
                   "slots": heard.slots, "confidence": round(heard.confidence, 3),
                   "engine": recognizer.name}


def run(args: argparse.Namespace) -> int:
    data = load(args)
    failed = 0
    for row in rows(args.files, recognizer(args, data), data.matcher()):
        failed += "error" in row
        if args.json:
            print(json.dumps(row), flush=True)
        elif "error" in row:
            print(f"{row['file']}: error: {row['error']}", flush=True)
        else:
            slots = "".join(f" {k}={v}" for k, v in row["slots"].items())
            print(f"{row['file']}: {row['intent'] or 'no intent'}{slots}  "
                  f"(heard {row['text']!r}, confidence {row['confidence']:.2f})", flush=True)
    return 1 if failed else 0
