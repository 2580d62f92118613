"""Errors the user must act on; each renders as one line naming the file and, if known, line."""

from __future__ import annotations

import os
from pathlib import Path


class DataFileError(Exception):
    """A data file (intents, dialogue text, model) is missing or wrong; str() is one line."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line else f"{path}"
        super().__init__(f"{where}: {message}")


class UsageError(Exception):
    """A bad argument or output path, found before anything runs; str() is one line."""


def check_output_path(path: str | Path) -> Path:
    """`path` as a file that can be written, or UsageError saying why not: checked before a
    session starts, so its work is not lost at the end."""
    out = Path(path)
    folder = out.parent
    if out.is_dir():
        raise UsageError(f"{out} is a folder; give a file name, e.g. {out / 'session.wav'}")
    if not folder.is_dir():
        raise UsageError(f"cannot write {out}: the folder {folder} does not exist")
    if (out.exists() and not os.access(out, os.W_OK)) or not os.access(folder, os.W_OK):
        raise UsageError(f"cannot write {out}: permission denied")
    return out
