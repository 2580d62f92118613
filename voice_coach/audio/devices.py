"""Real audio devices through sounddevice (PortAudio): listing, microphone, speaker.

Both streams notice when their device stops working (a PortAudio error, or no callback
for `STALL_SECONDS`: an unplugged USB or Bluetooth device, a sound server that went away)
and report it instead of dying; `reset_portaudio()` lets them be reopened afterwards.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import queue
import threading
import time
from collections import deque
from typing import Any

import numpy as np

from .clip import RATE, AudioClip
from .sources import SourceLost

log = logging.getLogger(__name__)

STALL_SECONDS = 2.0
"""A running stream whose callback has not run for this long has lost its device."""
BLOCK = 512
"""Samples per speaker callback (23 ms at 22.05 kHz): the device's buffer, and so the delay
before an answer is heard, is about two of them (1024 made it 93 ms, 512 makes it 46 ms)."""
START_SECONDS = 5.0
"""A new stream may take this long to deliver its first block (PulseAudio takes ~1 s)."""


def silent_too_long(opened: float, last: float | None) -> bool:
    """Whether a stream opened at monotonic time `opened`, whose callback last ran at
    `last` (None: not yet), has lost its device."""
    if last is None:
        return time.monotonic() - opened > START_SECONDS
    return time.monotonic() - last > STALL_SECONDS


def _stalled(stream: Any, opened: float, last: float | None) -> bool:
    return not stream.active or silent_too_long(opened, last)


class DeviceError(Exception):
    """No usable audio device, or it failed; str() says what happened and what to do."""


def _sd() -> Any:
    if not logging.getLogger("voice_coach").isEnabledFor(logging.DEBUG):
        quiet_audio_libraries()
    try:
        import sounddevice
    except OSError as err:  # PortAudio library missing
        raise DeviceError("PortAudio is not installed (sudo apt-get install libportaudio2); "
                          "use --text --mute or 'voice-coach simulate' instead") from err
    return sounddevice


def _portaudio_says(err: Exception, kind: str) -> str:
    """PortAudio's error in the user's words ("Error querying device -1": no default)."""
    text = str(err)
    if "querying device -1" in text:
        return f"there is no default {kind} (the system reports none)"
    return text


@functools.cache
def quiet_audio_libraries() -> Any:
    """Keep ALSA's own messages ("ALSA lib pcm.c: underrun occurred", probing of absent
    cards) out of the terminal; the coach reports what matters itself. Done once, on first
    use of the audio devices, unless the coach logs details (-v). Returns the handler (the
    cache keeps it alive while ALSA may call it), or None without a usable libasound."""
    name = ctypes.util.find_library("asound")
    if name is None:
        return None
    try:
        alsa = ctypes.CDLL(name)
        handler_type = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int,
                                        ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p)
        handler = handler_type(lambda *_: None)
        alsa.snd_lib_error_set_handler(handler)
    except (OSError, AttributeError):  # no usable libasound: nothing to quieten
        return None
    return handler


def reset_portaudio() -> None:
    """Re-scan devices (after one appeared or vanished); call with no stream open."""
    sd = _sd()
    try:
        sd._terminate()
        sd._initialize()
    except Exception as err:  # PortAudio itself failed to start
        raise DeviceError(f"the audio system cannot be started: {err}") from err


def list_devices() -> list[dict[str, Any]]:
    """[{index, name, inputs, outputs, default_input, default_output}] for every device."""
    sd = _sd()
    default_in, default_out = sd.default.device
    return [{"index": i, "name": d["name"], "inputs": d["max_input_channels"],
             "outputs": d["max_output_channels"], "default_input": i == default_in,
             "default_output": i == default_out}
            for i, d in enumerate(sd.query_devices())]


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


class Microphone:
    """A 16 kHz mono int16 input stream; `read` hands out its chunks in order.

    PortAudio converts the rate when the device cannot record at 16 kHz itself (ALSA's
    plug and PulseAudio devices can). A stream that stops delivering raises SourceLost.
    """

    def __init__(self, device: str | int | None = None, chunk_seconds: float = 0.02) -> None:
        sd = _sd()
        self._chunks: queue.Queue[tuple[bytes, float]] = queue.Queue(maxsize=500)
        self._opened = time.monotonic()
        self._last: float | None = None
        self.captured_until: float | None = None
        """When PortAudio handed over the chunk `read` last returned (monotonic time)."""
        self.dropped = 0
        """Chunks dropped because nobody read them in time (logged as they are found)."""
        self._dropped_logged = 0
        self._chunk_ms = round(chunk_seconds * 1000)
        try:
            self._stream = sd.RawInputStream(
                samplerate=RATE, channels=1, dtype="int16",
                blocksize=round(chunk_seconds * RATE), device=find_device(device, "input"),
                callback=self._callback, latency="low")
            self._stream.start()
        except (sd.PortAudioError, ValueError) as err:
            raise DeviceError(f"cannot open the microphone: {_portaudio_says(err, 'microphone')}. "
                              "Check it is connected "
                              "(see 'voice-coach devices'), or use --text to type") from err

    def _callback(self, data: Any, _frames: int, _time: Any, _status: Any) -> None:
        self._last = time.monotonic()
        try:
            self._chunks.put_nowait((bytes(data), self._last))
        except queue.Full:
            self.dropped += 1

    def read(self, timeout: float) -> bytes | None:
        try:
            chunk, self.captured_until = self._chunks.get(timeout=timeout)
        except queue.Empty:
            pass
        else:
            if self.dropped > self._dropped_logged:
                log.info("%d ms of microphone audio were lost: the coach fell behind",
                            (self.dropped - self._dropped_logged) * self._chunk_ms)
                self._dropped_logged = self.dropped
            return chunk
        if _stalled(self._stream, self._opened, self._last):
            raise SourceLost("the microphone stopped sending audio")
        return None

    def close(self) -> None:
        _close(self._stream)


def _close(stream: Any) -> None:
    try:
        stream.abort()
        stream.close()
    except Exception:  # a stream whose device is gone may fail to close; it is dropped
        pass


class Speaker:
    """Plays clips one after another on an output device; `stop()` cuts off at once."""

    def __init__(self, device: str | int | None = None, rate: int = 22050,
                 blocksize: int = BLOCK) -> None:
        sd = _sd()
        self.rate = rate
        self._queue: deque[tuple[np.ndarray, bool]] = deque()
        """(samples still to play, whether the clip has started)."""
        self._lock = threading.Lock()
        self.underflows = 0
        """Blocks PortAudio reported as late: the device ran dry (a gap or click)."""
        self._opened = time.monotonic()
        self._last: float | None = None
        try:
            self._stream = sd.OutputStream(samplerate=rate, channels=1, dtype="int16",
                                           device=find_device(device, "output"),
                                           callback=self._callback, blocksize=blocksize)
            self._stream.start()
        except (sd.PortAudioError, ValueError) as err:
            raise DeviceError(f"cannot open the speaker: {_portaudio_says(err, 'speaker')}. "
                              "Use --mute to print only, "
                              "or 'voice-coach simulate'") from err

    def _callback(self, outdata: np.ndarray, frames: int, _time: Any, status: Any) -> None:
        now = time.monotonic()
        self._last = now
        if status.output_underflow:
            self.underflows += 1
        out = outdata[:, 0]
        filled = 0
        with self._lock:
            while filled < frames and self._queue:
                head, started = self._queue[0]
                if not started:
                    self.started(now + self._latency + filled / self.rate)
                take = min(frames - filled, len(head))
                out[filled:filled + take] = head[:take]
                filled += take
                if take == len(head):
                    self._queue.popleft()
                else:
                    self._queue[0] = (head[take:], True)
        out[filled:] = 0
        start = now + self._latency
        power = 0.0
        if filled:
            block = out[:filled].astype(np.float64)
            power = float(np.dot(block, block)) / frames
        self.played(start, start + frames / self.rate, power)

    def played(self, start: float, end: float, power: float) -> None:
        """A block reaches the device between monotonic times `start` and `end` with mean
        square `power`. Called from the audio thread; the speaker's process keeps these for
        the echo gate (speaker_process.py)."""

    @property
    def _latency(self) -> float:
        try:
            return float(self._stream.latency)
        except Exception:  # before the stream exists (first callback races the constructor)
            return 0.0

    def play(self, clip: AudioClip) -> None:
        with self._lock:
            self._queue.append((clip.resampled(self.rate).samples, False))

    def started(self, at: float) -> None:
        """A clip's first sample reaches the device at monotonic time `at` (PortAudio's
        latency estimate included). Called from the audio thread; for measuring."""

    def cut(self, at: float) -> None:
        """`stop()` silenced a clip that was playing, at monotonic time `at` at the device.
        For measuring."""

    def stop(self) -> None:
        with self._lock:
            playing = bool(self._queue and self._queue[0][1])
            self._queue.clear()
        if playing:
            self.cut(time.monotonic() + self._latency)

    @property
    def busy(self) -> bool:
        with self._lock:
            return bool(self._queue)

    @property
    def lost(self) -> bool:
        """The stream stopped pulling audio: its device is gone."""
        return _stalled(self._stream, self._opened, self._last)

    def close(self) -> None:
        self.stop()
        _close(self._stream)
