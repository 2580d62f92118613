"""Simulation scripts: one user utterance per line, said as soon as the coach waits, or at
"@T" seconds from the start, or "+T" seconds after the line before (over the coach)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_TIMED = re.compile(r"^(?P<mark>[@+])\s*(?P<t>[0-9]+(?:\.[0-9]+)?)\s*s?\s+(?P<text>.+)$")


class ScriptError(Exception):
    """A script line that cannot be used; str() names the file and line."""


@dataclass(frozen=True)
class ScriptLine:
    text: str
    at: float | None
    """Seconds from the start at which the user speaks; None: see `after`."""
    line: int
    """1-based line number in the script file."""
    after: float | None = None
    """Seconds after the line before at which the user speaks; both None: as soon as the
    coach waits for an answer."""


def parse_script(text: str, name: str = "<script>") -> list[ScriptLine]:
    """Blank lines and lines starting with '#' are skipped; times must not go backwards."""
    lines: list[ScriptLine] = []
    last_t = 0.0
    text = text.removeprefix("\ufeff")  # a byte-order mark some editors put first
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith(("@", "+")):
            match = _TIMED.match(stripped)
            if not match:
                raise ScriptError(f"{name}:{number}: expected '@SECONDS text' or '+SECONDS "
                                  f"text', e.g. '@12.5 how much longer', got {stripped!r}")
            if match["mark"] == "+":
                lines.append(ScriptLine(match["text"].strip(), None, number,
                                        after=float(match["t"])))
                continue
            at = float(match["t"])
            if at < last_t:
                raise ScriptError(f"{name}:{number}: time @{at:g} is earlier than the line "
                                  f"before (@{last_t:g}); times must not go backwards")
            last_t = at
            lines.append(ScriptLine(match["text"].strip(), at, number))
        else:
            lines.append(ScriptLine(stripped, None, number))
    return lines


def read_script(path: Path | str) -> list[ScriptLine]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise ScriptError(f"{path}: no such file") from err
    except (OSError, UnicodeDecodeError) as err:
        raise ScriptError(f"{path}: cannot read: {err}") from err
    return parse_script(text, str(path))
