"""Audio files in and out, through libsndfile (`soundfile`): WAV of any subtype (8/16/24/32
bit, float, A-law, mu-law, extensible), FLAC, OGG and whatever else libsndfile reads.

`stream_file` reads a file a block at a time, downmixed to mono and resampled to 16 kHz as
it goes, so a file of any length is recognised in constant memory; `read_audio` reads a
whole (short) file into a clip.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import soundfile
import soxr

from .clip import RATE, AudioClip, AudioFileError, to_int16

BLOCK_SECONDS = 1.0


def _open(path: Path) -> soundfile.SoundFile:
    if not path.exists():
        raise AudioFileError(f"{path}: no such file")
    if path.is_dir():
        raise AudioFileError(f"{path}: is a folder, not an audio file")
    try:
        f = soundfile.SoundFile(str(path))
    except PermissionError as err:
        raise AudioFileError(f"{path}: permission denied") from err
    except (soundfile.LibsndfileError, RuntimeError, OSError) as err:
        reason = str(err).rsplit(": ", 1)[-1].strip().rstrip(".") or type(err).__name__
        raise AudioFileError(f"{path}: not an audio file this program can read "
                             f"({reason[:1].lower() + reason[1:]})") from err
    if f.samplerate < 1000 or f.channels < 1:
        f.close()
        raise AudioFileError(f"{path}: bad header ({f.channels} channels, {f.samplerate} Hz)")
    return f


def stream_file(path: Path | str, rate: int = RATE,
                block_seconds: float = BLOCK_SECONDS) -> Iterator[np.ndarray]:
    """The file's audio as int16 mono blocks at `rate` (AudioFileError if unreadable)."""
    path = Path(path)
    with _open(path) as f:
        resampler = (soxr.ResampleStream(f.samplerate, rate, 1, dtype="float32")
                     if f.samplerate != rate else None)
        block = max(1, int(block_seconds * f.samplerate))
        try:
            for data in f.blocks(blocksize=block, dtype="float32", always_2d=True):
                mono = data.mean(axis=1) * 32768.0
                if resampler is not None:
                    mono = resampler.resample_chunk(mono)
                if len(mono):
                    yield to_int16(mono)
        except (soundfile.LibsndfileError, RuntimeError) as err:
            raise AudioFileError(f"{path}: cannot read ({str(err).strip()})") from err
        if resampler is not None:
            tail = resampler.resample_chunk(np.zeros(0, np.float32), last=True)
            if len(tail):
                yield to_int16(tail)


def read_audio(path: Path | str, rate: int | None = RATE) -> AudioClip:
    """A whole file as one clip, mono, resampled to `rate` (None: the file's own rate)."""
    path = Path(path)
    if rate is None:
        with _open(path) as f:
            rate = f.samplerate
    blocks = list(stream_file(path, rate))
    return AudioClip(np.concatenate(blocks) if blocks else np.zeros(0, np.int16), rate)


def write_audio(path: Path | str, clip: AudioClip) -> None:
    """A 16-bit PCM file (WAV, or what the suffix says: .flac, .ogg)."""
    path = Path(path)
    try:
        soundfile.write(str(path), clip.samples, clip.rate,
                        subtype="PCM_16" if path.suffix.lower() in ("", ".wav", ".flac")
                        else None)
    except (soundfile.LibsndfileError, RuntimeError, OSError) as err:
        raise AudioFileError(f"{path}: cannot write ({str(err).strip()})") from err
