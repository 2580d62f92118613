"""PocketSphinx's files: where its en-us model is, which words its dictionary knows, the
pronunciations this project adds, and the calibrated cepstral mean."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .base import ModelError

PRONUNCIATIONS = (Path(__file__).resolve().parent.parent / "data" / "recognition"
                  / "pronunciations.dict")
"""Intent words that PocketSphinx's dictionary lacks, with their phones."""


def model_dir() -> Path:
    import pocketsphinx

    return Path(pocketsphinx.get_model_path()) / "en-us"


def sphinx_vocabulary(folder: Path | None = None) -> frozenset[str]:
    """Words the pronunciation dictionary knows."""
    path = (folder or model_dir()) / "cmudict-en-us.dict"
    try:
        with open(path, encoding="utf-8") as f:
            return frozenset(line.split(maxsplit=1)[0] for line in f if line.strip())
    except OSError as err:
        raise ModelError(f"PocketSphinx dictionary {path} cannot be read ({err.strerror}); "
                         "reinstall it with: pip install --force-reinstall pocketsphinx") from err


def extra_pronunciations(path: Path = PRONUNCIATIONS) -> dict[str, str]:
    """Word -> phones from `path`, in the dictionary's own format ("unpause AH N P AO Z";
    "#" starts a comment line)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise ModelError(f"{path} cannot be read ({err.strerror}); reinstall voice-coach") from err
    words: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split()
        if len(parts) < 2:
            raise ModelError(f"{path}, line {number}: a word needs its phones "
                             f"(like 'unpause AH N P AO Z'), got {line.strip()!r}")
        words[parts[0]] = " ".join(parts[1:])
    return words


def load_cmn_prior(doc: dict[str, Any]) -> tuple[float, ...] | None:
    """The typical cepstral mean of a clean command in a calibration
    (`rejection.read_calibration`), or None if there is none."""
    try:
        return tuple(float(v) for v in doc["cmn_prior"])
    except (KeyError, TypeError, ValueError):
        return None
