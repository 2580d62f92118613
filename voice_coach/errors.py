"""Errors the user must act on; each renders as one line naming the file and, if known, line."""

from __future__ import annotations

from pathlib import Path


class DataFileError(Exception):
    """A data file (intents, dialogue text, model) is missing or wrong; str() is one line."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line else f"{path}"
        super().__init__(f"{where}: {message}")
