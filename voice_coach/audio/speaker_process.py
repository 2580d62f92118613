"""The coach's speaker in a process of its own, so nothing the coach computes can starve it.

PocketSphinx holds Python's lock while it decodes, for up to 1.7 s on a slow machine. A
speaker in the coach's process then misses its PortAudio callbacks: the device runs dry,
and through ALSA's pulse plugin it then plays nothing for about two seconds (a gap in the
coach's speech, an answer heard late; docs/live.md). Here the stream and its callback live
in a worker process (worker.py) with an interpreter of their own.

The coach sends it clips and stops (one-way calls, answered in the background); what the
echo gate and `lost` need at every microphone chunk is read, without a round trip, from a
small memory map both processes share: the speaker's process writes the power of each
block it plays, when its callback last ran, its underflows and queue, and when clips
started and were cut.
"""

from __future__ import annotations

import mmap
import socket
import sys
import tempfile
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import numpy as np

from ..worker import Worker, WorkerError, serve
from .clip import AudioClip
from .devices import BLOCK, DeviceError, Speaker, silent_too_long

_MODULE = "voice_coach.audio.speaker_process"
PLAYED_HISTORY_SECONDS = 40.0
"""How far back the speaker remembers what it played (the echo gate looks back 30 s)."""
OPEN_SECONDS = 20.0
"""How long the speaker's process may take to start and open its device."""
RECENT_BLOCKS = 64
"""`power` looks at this many of the newest blocks (1.5 s) first: the echo gate's spans
are mostly recent, and the whole ring (40 s) takes ~20 times as long."""
EVENTS = 1024
"""How many clip starts and cuts are remembered (for measuring: bench/live.py)."""

# The shared map: float64 slots. A header, then rings of played blocks and of events.
_BLOCKS, _LAST, _UNDERFLOWS, _QUEUED, _STARTS, _CUTS, _SOUNDED = range(7)
_HEADER = 8


def _blocks(rate: int, blocksize: int) -> int:
    return round(PLAYED_HISTORY_SECONDS * rate / blocksize) + 1


class _Shared:
    """Views of the shared map; one process writes, the other reads."""

    def __init__(self, buffer: Any, blocks: int) -> None:
        slots = np.frombuffer(buffer, dtype=np.float64)
        self.head = slots[:_HEADER]
        end = _HEADER + 3 * blocks
        self.blocks = slots[_HEADER:end].reshape(blocks, 3)
        self.starts = slots[end:end + EVENTS]
        self.cuts = slots[end + EVENTS:end + 2 * EVENTS]

    @staticmethod
    def size(blocks: int) -> int:
        return 8 * (_HEADER + 3 * blocks + 2 * EVENTS)

    def newest(self, ring: np.ndarray, count_slot: int, n: int) -> np.ndarray:
        """The last `n` entries written to `ring` (or all it holds), oldest first; its
        count is in head[count_slot], and the entry being written is not among them."""
        count = int(self.head[count_slot])
        n = min(n, count, len(ring))
        first, last = (count - n) % len(ring), count % len(ring)
        if first < last or n == 0:
            return ring[first:first + n]
        return np.concatenate([ring[first:], ring[:last]])

    def append(self, ring: np.ndarray, count_slot: int, entry: Any) -> None:
        """Writes `entry` to `ring`, then counts it in head[count_slot]: a reader never
        sees half an entry."""
        count = int(self.head[count_slot])
        ring[count % len(ring)] = entry
        self.head[count_slot] = count + 1

    def played(self, start: float, end: float, power: float) -> None:
        """Records a block played from `start` to `end` with mean square `power`."""
        if power > 0.0:  # before the block is counted: a reader never skips a counted one
            self.head[_SOUNDED] = end
        self.append(self.blocks, _BLOCKS, (start, end, power))

    def events(self, ring: np.ndarray, count_slot: int) -> list[float]:
        """The times in an event ring, oldest first."""
        return [float(t) for t in self.newest(ring, count_slot, EVENTS)]


class SpeakerProcess:
    """Plays clips one after another on an output device, from a process of its own;
    `stop()` cuts off at once. The interface of devices.Speaker."""

    def __init__(self, device: str | int | None = None, rate: int = 22050,
                 blocksize: int = BLOCK) -> None:
        self.rate = rate
        blocks = _blocks(rate, blocksize)
        with tempfile.NamedTemporaryFile(prefix="voice-coach-speaker-") as file:
            file.truncate(_Shared.size(blocks))
            self._map = mmap.mmap(file.fileno(), _Shared.size(blocks))
            self._shared = _Shared(self._map, blocks)
            try:
                self._worker = Worker(_MODULE, (device, rate, blocksize, file.name))
                error = self._worker.call("opened").result(timeout=OPEN_SECONDS)
            except (WorkerError, FutureTimeout) as err:
                self.close()
                raise DeviceError(f"the speaker's process did not start ({err}). "
                                  "Use --mute to print only") from err
        if error is not None:
            self.close()
            raise DeviceError(error)
        self._opened = time.monotonic()
        self._sent: Future[Any] | None = None

    def play(self, clip: AudioClip) -> None:
        self._sent = self._worker.call("play", clip)

    def stop(self) -> None:
        self._sent = None
        self._worker.call("stop")

    @property
    def busy(self) -> bool:
        """A clip is playing or waiting to (the last one sent may still be on its way)."""
        sent = self._sent
        return bool(self._shared.head[_QUEUED]) or (sent is not None and not sent.done())

    @property
    def lost(self) -> bool:
        """The device stopped pulling audio (it is gone), or the process ended."""
        if not self._worker.alive:
            return True
        last = float(self._shared.head[_LAST])
        return silent_too_long(self._opened, last or None)

    @property
    def underflows(self) -> int:
        """Blocks PortAudio reported as late: the device ran dry (a gap or click)."""
        return int(self._shared.head[_UNDERFLOWS])

    def power(self, start: float, end: float) -> float:
        """Mean square of what reached the speaker between monotonic times start and end."""
        shared = self._shared
        if shared.head[_SOUNDED] <= start:  # silent since before the span: idle listening
            return 0.0
        blocks = shared.newest(shared.blocks, _BLOCKS, RECENT_BLOCKS)
        if len(blocks) == RECENT_BLOCKS and blocks[0, 1] > start:  # a span further back
            blocks = shared.newest(shared.blocks, _BLOCKS, len(shared.blocks))
        overlap = (blocks[:, 1] > start) & (blocks[:, 0] < end)
        return float(np.mean(blocks[overlap, 2])) if overlap.any() else 0.0

    @property
    def onsets(self) -> list[float]:
        """When recent clips' first samples reached the device (monotonic; for measuring)."""
        return self._shared.events(self._shared.starts, _STARTS)

    @property
    def cuts(self) -> list[float]:
        """When recent `stop()`s silenced a playing clip at the device (for measuring)."""
        return self._shared.events(self._shared.cuts, _CUTS)

    def close(self) -> None:
        worker = getattr(self, "_worker", None)
        if worker is not None:
            worker.close()  # its stream closes as its socket does


class _SharedSpeaker(Speaker):
    """(In the speaker's process.) devices.Speaker writing what it does to the shared map."""

    def __init__(self, shared: _Shared, device: str | int | None, rate: int,
                 blocksize: int) -> None:
        self._shared = shared
        super().__init__(device, rate, blocksize)

    def played(self, start: float, end: float, power: float) -> None:
        self._shared.played(start, end, power)
        head = self._shared.head
        head[_LAST] = time.monotonic()
        head[_UNDERFLOWS] = self.underflows
        head[_QUEUED] = len(self._queue)

    def started(self, at: float) -> None:
        self._shared.append(self._shared.starts, _STARTS, at)

    def cut(self, at: float) -> None:
        self._shared.append(self._shared.cuts, _CUTS, at)

    def play(self, clip: AudioClip) -> None:
        super().play(clip)
        self._shared.head[_QUEUED] = 1

    def stop(self) -> None:
        super().stop()
        self._shared.head[_QUEUED] = 0


class _Server:
    """(In the speaker's process.) What the worker serves."""

    def __init__(self) -> None:
        self.speaker: _SharedSpeaker | None = None
        self._error: str | None = None

    def start(self, device: str | int | None, rate: int, blocksize: int, path: str) -> None:
        with open(path, "r+b") as file:
            shared = _Shared(mmap.mmap(file.fileno(), 0), _blocks(rate, blocksize))
        try:
            self.speaker = _SharedSpeaker(shared, device, rate, blocksize)
        except DeviceError as err:
            self._error = str(err)

    def opened(self) -> str | None:
        """None once the device plays, else what went wrong."""
        if self.speaker is None:
            return self._error or "the speaker did not open"
        return None

    def play(self, clip: AudioClip) -> None:
        if self.speaker is not None:
            self.speaker.play(clip)

    def stop(self) -> None:
        if self.speaker is not None:
            self.speaker.stop()


if __name__ == "__main__":
    server = _Server()
    try:
        serve(socket.socket(fileno=int(sys.argv[1])), server)
    finally:
        if server.speaker is not None:
            server.speaker.close()
