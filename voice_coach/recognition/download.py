"""`voice-coach model download`: fetch a Vosk model into the user data directory.

The only code in voice-coach that touches the network, and it runs only when the user
types that command. The archive is streamed to a partial file with a progress bar, then
checked before anything is installed: the byte count against the server's Content-Length,
the SHA-256 against `--sha256` when given (alphacephei.com publishes no checksums to pin),
every member's CRC-32 in the zip, no member escaping the target folder, and the unpacked
folder against what Vosk needs (`check_model_dir`). Only then is it moved into place, so
an interrupted or corrupt download never leaves a half model where the coach looks.
"""

from __future__ import annotations

import hashlib
import re
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from .base import ModelError
from .models import user_models_dir
from .vosk_engine import check_model_dir

BASE_URL = "https://alphacephei.com/vosk/models"
_NAME = re.compile(r"^vosk-model-[a-z0-9.-]+$")
_CHUNK = 1 << 16

Progress = Callable[[int, int | None], None]
"""(bytes so far, total bytes or None)."""


def progress_bar(stream: Any = None) -> Progress:
    """A one-line progress bar on stderr: [#####.....]  42% 17.1/40.5 MB."""
    def show(done: int, total: int | None) -> None:
        out = stream or sys.stderr
        mb = done / 1e6
        if total:
            filled = int(30 * done / total)
            out.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {100 * done // total:3d}% "
                         f"{mb:.1f}/{total / 1e6:.1f} MB")
        else:
            out.write(f"\r{mb:.1f} MB")
        if total and done >= total:
            out.write("\n")
        out.flush()

    return show


def download_model(name: str, base_url: str = BASE_URL, sha256: str | None = None,
                   dest: Path | None = None, progress: Progress | None = None,
                   timeout: float = 30.0) -> Path:
    """Download, check and install model `name`; returns its folder. Raises ModelError."""
    if not _NAME.match(name):
        raise ModelError(f"'{name}' is not a Vosk model name (like vosk-model-small-en-us-0.15)")
    dest = dest or user_models_dir()
    target = dest / name
    if target.exists():
        raise ModelError(f"{target} already exists; delete it first to download again")
    dest.mkdir(parents=True, exist_ok=True)
    url = f"{base_url.rstrip('/')}/{name}.zip"
    with tempfile.TemporaryDirectory(prefix=f".{name}-", dir=dest) as tmp:
        archive = Path(tmp) / f"{name}.zip.part"
        digest = _fetch(url, archive, progress or (lambda done, total: None), timeout)
        if sha256 and digest != sha256.lower():
            raise ModelError(f"{url} is corrupt or not the expected file: SHA-256 {digest}, "
                             f"expected {sha256.lower()}; nothing was installed")
        unpacked = _unpack(archive, Path(tmp) / "unpacked", name)
        check_model_dir(unpacked)
        unpacked.rename(target)
    return target


def _fetch(url: str, out: Path, progress: Progress, timeout: float) -> str:
    """Stream `url` to `out`; returns the SHA-256. The byte count must match the header."""
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(out, "wb") as f:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            done = _copy(response, f, digest, progress, total)
    except urllib.error.HTTPError as err:
        raise ModelError(f"cannot download {url}: HTTP {err.code} {err.reason}; check the "
                         "model name (see https://alphacephei.com/vosk/models)") from err
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise ModelError(f"cannot download {url}: {reason}. Check the internet connection, "
                         "or download the model by hand (see models/README.md)") from err
    if total is not None and done != total:
        raise ModelError(f"download of {url} stopped at {done} of {total} bytes; try again")
    return digest.hexdigest()


def _copy(response: BinaryIO, f: BinaryIO, digest: Any, progress: Progress,
          total: int | None) -> int:
    done = 0
    while chunk := response.read(_CHUNK):
        f.write(chunk)
        digest.update(chunk)
        done += len(chunk)
        progress(done, total)
    return done


def _unpack(archive: Path, into: Path, name: str) -> Path:
    """Extract after checking every member; returns the model folder inside."""
    try:
        with zipfile.ZipFile(archive) as zf:
            bad = zf.testzip()
            if bad is not None:
                raise ModelError(f"the downloaded archive is corrupt ({bad} fails its CRC "
                                 "check); nothing was installed, try again")
            root = into.resolve()
            for member in zf.namelist():
                if not (root / member).resolve().is_relative_to(root):
                    raise ModelError(f"the downloaded archive has an unsafe path ({member}); "
                                     "nothing was installed")
            zf.extractall(into)
    except zipfile.BadZipFile as err:
        raise ModelError(f"the download is not a zip archive ({err}); nothing was "
                         "installed") from err
    inner = into / name
    if inner.is_dir():
        return inner
    entries = list(into.iterdir())
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return into

