"""Noise suppression in front of recognition: RNNoise, streaming, 16 kHz int16 in and out.

RNNoise (Xiph's recurrent network, weights compiled into the library that the `pyrnnoise`
wheel ships) works on 10 ms frames at 48 kHz. `Denoiser.process` takes any length of
16 kHz audio, resamples it up with soxr's streaming resampler, runs RNNoise frame by frame,
resamples back down and returns what is ready: the output lags the input by about 20 ms
(one RNNoise frame plus the resamplers' delay), and `flush` returns the rest.

Measured on held-out synthesized voices (docs/recognition.md): commands understood in noise
rise a lot (RNNoise was chosen over DeepFilterNet, WebRTC NS and speexdsp for that, and its
cost: about 3% of one core). It does nothing against other people talking.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import importlib.util
import platform
from pathlib import Path
from typing import Any

import numpy as np
import soxr

from .clip import RATE, to_int16

_RNNOISE_RATE = 48000
_FRAME = 480
"""RNNoise's frame: 10 ms at 48 kHz."""


@functools.cache
def _library() -> Any:
    """librnnoise from the pyrnnoise wheel, bound with ctypes. The package itself is not
    imported: its __init__ pulls in audio-file and plotting libraries (about 50 MB of
    memory) that the coach does not need."""
    spec = importlib.util.find_spec("pyrnnoise")
    folders = list(spec.submodule_search_locations or []) if spec else []
    names = {"Linux": "librnnoise.so", "Darwin": "librnnoise.dylib", "Windows": "rnnoise.dll"}
    paths = [Path(f) / names.get(platform.system(), "librnnoise.so") for f in folders]
    path = next((p for p in paths if p.exists()), None)
    if path is None:
        raise OSError("RNNoise is not installed (pip install pyrnnoise), or has no library "
                      "for this system; run with --no-denoise")
    lib = ctypes.CDLL(str(path))
    lib.rnnoise_create.argtypes = [ctypes.c_void_p]
    lib.rnnoise_create.restype = ctypes.c_void_p
    lib.rnnoise_destroy.argtypes = [ctypes.c_void_p]
    lib.rnnoise_process_frame.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_float),
                                          ctypes.POINTER(ctypes.c_float)]
    lib.rnnoise_process_frame.restype = ctypes.c_float
    lib.rnnoise_get_frame_size.restype = ctypes.c_int
    if lib.rnnoise_get_frame_size() != _FRAME:
        raise OSError(f"{path}: unexpected RNNoise frame size")
    return lib


class Denoiser:
    """Streaming RNNoise for one audio stream; `reset` before an unrelated one."""

    def __init__(self) -> None:
        self._lib = _library()
        self._state: Any = None
        self.reset()

    def reset(self) -> None:
        """Forget the last stream (its noise estimate and the resamplers' history)."""
        self._close_state()
        self._state = self._lib.rnnoise_create(None)
        self._up = soxr.ResampleStream(RATE, _RNNOISE_RATE, 1, dtype="float32")
        self._down = soxr.ResampleStream(_RNNOISE_RATE, RATE, 1, dtype="float32")
        self._pending = np.zeros(0, dtype=np.float32)

    def process(self, chunk: bytes, last: bool = False) -> bytes:
        """Denoised audio for `chunk` (16 kHz mono int16): what is ready so far."""
        x = np.frombuffer(chunk, dtype="<i2").astype(np.float32)
        up = self._up.resample_chunk(x, last=last)
        self._pending = np.concatenate([self._pending, up])
        if last and len(self._pending) % _FRAME:
            pad = _FRAME - len(self._pending) % _FRAME
            self._pending = np.concatenate([self._pending, np.zeros(pad, np.float32)])
        whole = len(self._pending) // _FRAME * _FRAME
        frames, self._pending = self._pending[:whole], self._pending[whole:]
        out = np.empty_like(frames)
        for i in range(0, whole, _FRAME):
            frame = np.ascontiguousarray(frames[i:i + _FRAME])
            ptr = frame.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
            self._lib.rnnoise_process_frame(self._state, ptr, ptr)
            out[i:i + _FRAME] = frame
        down = self._down.resample_chunk(out, last=last)
        return to_int16(down).astype("<i2").tobytes()

    def flush(self) -> bytes:
        """The end of the stream: everything still held back; then ready for a new one."""
        tail = self.process(b"", last=True)
        self.reset()
        return tail

    def _close_state(self) -> None:
        if self._state is not None:
            self._lib.rnnoise_destroy(self._state)
            self._state = None

    def __del__(self) -> None:
        # At interpreter shutdown the library may be gone already.
        with contextlib.suppress(Exception):
            self._close_state()


def denoise(samples: np.ndarray) -> np.ndarray:
    """A whole 16 kHz int16 signal, denoised, with the same length."""
    d = Denoiser()
    out = d.process(samples.astype("<i2").tobytes()) + d.flush()
    y = np.frombuffer(out, dtype="<i2")
    return np.pad(y, (0, max(0, len(samples) - len(y))))[:len(samples)].astype(np.int16)
