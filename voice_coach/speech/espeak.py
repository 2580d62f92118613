"""A second voice, straight from espeak-ng: the user's lines in the demo and the tests."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np

from ..audio.clip import RATE, AudioClip
from ..audio.files import read_audio


def synthesize(text: str, voice: str = "en-us", rate: int = 160) -> AudioClip:
    """espeak-ng speech for `text`, 16 kHz mono, with half a second of silence each side."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "speech.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate), "-w", str(out), text],
                       check=True, capture_output=True)
        clip = read_audio(out, rate=RATE)
    pad = np.zeros(RATE // 2, dtype=np.int16)
    return AudioClip(np.concatenate([pad, clip.samples, pad]), RATE)
