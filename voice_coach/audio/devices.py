"""Real audio devices through sounddevice (PortAudio): listing them and a speaker sink."""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

import numpy as np

from .clip import AudioClip


class DeviceError(Exception):
    """No usable audio device, or it failed; str() says what happened and what to do."""


def _sd() -> Any:
    try:
        import sounddevice
    except OSError as err:  # PortAudio library missing
        raise DeviceError("PortAudio is not installed (sudo apt-get install libportaudio2); "
                          "use --text --mute or 'voice-coach simulate' instead") from err
    return sounddevice


def find_device(spec: str | int | None, kind: str) -> int | None:
    """Device index for a name (substring, case-insensitive) or index; None = the default."""
    if spec is None or spec == "":
        return None
    sd = _sd()
    devices = sd.query_devices()
    channels = "max_input_channels" if kind == "input" else "max_output_channels"
    if isinstance(spec, int) or str(spec).isdigit():
        index = int(spec)
        if 0 <= index < len(devices) and devices[index][channels] > 0:
            return index
        raise DeviceError(f"no {kind} device with index {index} (see 'voice-coach devices')")
    matches = [i for i, d in enumerate(devices)
               if str(spec).lower() in d["name"].lower() and d[channels] > 0]
    if not matches:
        raise DeviceError(f"no {kind} device matches '{spec}' (see 'voice-coach devices')")
    return int(matches[0])


class Speaker:
    """Plays clips one after another on an output device; `stop()` cuts off at once."""

    def __init__(self, device: str | int | None = None, rate: int = 22050) -> None:
        sd = _sd()
        self.rate = rate
        self._queue: deque[np.ndarray] = deque()
        self._lock = threading.Lock()
        try:
            self._stream = sd.OutputStream(samplerate=rate, channels=1, dtype="int16",
                                           device=find_device(device, "output"),
                                           callback=self._callback, blocksize=1024)
            self._stream.start()
        except sd.PortAudioError as err:
            raise DeviceError(f"cannot open the speaker: {err}. Use --mute to print only, "
                              "or 'voice-coach simulate'") from err

    def _callback(self, outdata: np.ndarray, frames: int, _time: Any, _status: Any) -> None:
        out = outdata[:, 0]
        filled = 0
        with self._lock:
            while filled < frames and self._queue:
                head = self._queue[0]
                take = min(frames - filled, len(head))
                out[filled:filled + take] = head[:take]
                filled += take
                if take == len(head):
                    self._queue.popleft()
                else:
                    self._queue[0] = head[take:]
        out[filled:] = 0

    def play(self, clip: AudioClip) -> None:
        with self._lock:
            self._queue.append(clip.resampled(self.rate).samples)

    def stop(self) -> None:
        with self._lock:
            self._queue.clear()

    @property
    def busy(self) -> bool:
        with self._lock:
            return bool(self._queue)

    def close(self) -> None:
        self.stop()
        try:
            self._stream.stop()
            self._stream.close()
        except Exception:
            pass
