"""Narrowband microphones: telling 8 kHz audio apart, and the transform that fits it.

A Bluetooth headset in its hands-free profile sends audio sampled at 8 kHz: nothing above
4 kHz reaches the coach, however the system resamples it. PocketSphinx's en-us model was
trained on 16 kHz speech, and the empty upper band shifts every feature: held-out voices
were understood 58% of the time through such a channel (bench/runner_world.py).

`is_narrowband` tells such an utterance from its spectrum: loud just below 4 kHz, nothing
above the noise floor above 4.4 kHz. `load_channel` reads the channel transform, one MLLR
transform of the model's means estimated on narrowband speech of the calibration voices
(`python -m bench.narrowband`); the recognizer decodes narrowband utterances with it as
well as without, until it has a transform of the speaker's own (sphinx.py).
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import numpy as np
import yaml

from ..audio.clip import RATE

log = logging.getLogger(__name__)

CHANNEL = Path(__file__).resolve().parent.parent / "data" / "recognition" / "narrowband.yaml"
"""The channel transform and what it was estimated from (bench/narrowband.py)."""
_FRAME = 320  # 20 ms
_HIGH = (4400.0, 7600.0)
"""Hz: empty in 8 kHz audio (its resampling filter ends by ~4.2 kHz)."""
_EDGE = (3000.0, 3800.0)
"""Hz: the top of what an 8 kHz channel carries."""
HIGH_MAX_DB = 33.0
"""The loudest 20 ms of the high band must stay under this (dB of mean power per
frequency bin, int16 units) for narrowband. The recognizer's noise floor alone gives
26-28; espeak-ng's commands at full level 42 and more, at -20 dB 28 and more (hence
EDGE_OVER_HIGH_DB)."""
EDGE_OVER_HIGH_DB = 25.0
"""...and the loudest 20 ms just below 4 kHz must be this much louder: the upper band is
empty, not the speech too quiet to tell (narrowband commands: 28 or more; quiet wideband
ones: under 20)."""


RAW_WIDEBAND_DB = 15.0
"""Raw audio (before the noise floor and noise suppression) whose high band is louder than
this somewhere came from a wideband microphone, whatever RNNoise leaves of it (in rain at
5 dB SNR it wiped the upper band of some commands). An 8 kHz channel's upper band holds
only what resampling leaks: far below one int16 step."""


def band_levels(samples: np.ndarray) -> tuple[float, float]:
    """The loudest 20 ms frame's level just below 4 kHz and above 4.4 kHz (dB of the mean
    power per frequency bin, int16 units); -inf for less than a frame."""
    x = samples.astype(np.float64)
    if len(x) < _FRAME:
        return float("-inf"), float("-inf")
    frames = x[:len(x) // _FRAME * _FRAME].reshape(-1, _FRAME) * np.hanning(_FRAME)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2 / _FRAME
    f = np.fft.rfftfreq(_FRAME, 1 / RATE)

    def loudest(band: tuple[float, float]) -> float:
        inside = (f >= band[0]) & (f < band[1])
        return float(10 * np.log10(power[:, inside].mean(axis=1).max() + 1e-9))

    return loudest(_EDGE), loudest(_HIGH)


def is_narrowband(audio: bytes) -> bool:
    """Whether `audio` (16 kHz int16, the recognizer's noise floor added) came through an
    8 kHz channel. Too short or too quiet to tell: False (the plain model alone then)."""
    if len(audio) < 2 * _FRAME * 5:
        return False
    edge, high = band_levels(np.frombuffer(audio, dtype="<i2"))
    return high <= HIGH_MAX_DB and edge - high >= EDGE_OVER_HIGH_DB


def model_digest(hmm: Path) -> str:
    """A short fingerprint of the acoustic model's means (a transform fits one model)."""
    return hashlib.sha1((hmm / "means").read_bytes()).hexdigest()[:12]


def load_channel(path: Path | None, hmm: Path) -> bytes | None:
    """The channel transform (MLLR matrix file contents) in `path` for the model in `hmm`;
    None, with a warning, if it is missing, unreadable or made for another model."""
    if path is None:
        return None
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        matrix = "".join(f"{line}\n" for line in doc["matrix"])
        made_for = str(doc["model"])
    except (OSError, yaml.YAMLError, KeyError, TypeError) as err:
        log.warning("narrowband microphones get no channel transform: %s cannot be read "
                    "(%s); reinstall voice-coach", path, err)
        return None
    try:
        model = model_digest(hmm)
    except OSError as err:
        log.warning("narrowband microphones get no channel transform: %s", err)
        return None
    if made_for != model:
        log.warning("narrowband microphones get no channel transform: %s was made for "
                    "another PocketSphinx model (run python -m bench.narrowband)", path)
        return None
    return matrix.encode("ascii")
