"""Telling the coach's own voice, picked up by the microphone, from the user's commands.

Earbuds leak a little of the coach's speech into the microphone, a loudspeaker a lot, and
a grammar-bound recognizer turns that leak into commands ("what things do I need"). The
coach knows what it is playing, so the gate compares, for each utterance the recognizer
heard, the microphone's power with the power being played at the same time:

- The leak gain (microphone power / played power) is learnt continuously from the chunks
  recorded while the coach plays; the median is used, so the user talking over the coach
  now and then does not inflate it.
- Chunk by chunk, while the coach plays, microphone audio the leak explains is replaced
  by silence before the recognizer sees it (with a short hangover once the user's voice
  shows), so the coach's voice neither starts utterances nor runs into the user's. Until
  the leak has been estimated, chunks pass unchanged: replacing them then cut the start of
  commands said just as the coach began to speak.
- An utterance heard while the coach played is echo unless the microphone held clearly
  more than the leak explains (`MARGIN_DB`): that surplus is the user's voice.

With no playback at all (the coach silent) nothing is ever judged echo.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import numpy as np

from ..audio.clip import mean_square

MARGIN_DB = 6.0
"""How far above the expected leak the microphone must be for an utterance to count."""
PLAYING_POWER = 1e4
"""Mean square (int16 units) above which the coach counts as audibly playing (~-35 dBFS)."""
HISTORY_SECONDS = 30.0
"""How much microphone history is kept to judge utterances."""
LEAK_PERCENTILE = 50.0
HANGOVER_SECONDS = 0.3
"""After a chunk louder than the leak, this much audio passes unchanged (soft phonemes)."""
ALIGN_SECONDS = 0.08
"""Playback power is taken over the chunk widened by this much (device latency slack)."""

PlayedPower = Callable[[float, float], float]
"""(start, end) clock times -> mean square of what the coach played in that span."""


class EchoGate:
    """Decides whether what the recognizer heard was the coach's own voice."""

    def __init__(self, played: PlayedPower | None = None) -> None:
        self.played = played
        self._mic: deque[tuple[float, float, float]] = deque()
        """(start, end, mean square) of recent microphone chunks."""
        self._ratios: deque[float] = deque(maxlen=500)
        self._open_until = float("-inf")

    def microphone(self, start: float, end: float, chunk: bytes) -> bytes:
        """Take a chunk captured between clock times `start` and `end`; returns it, or
        silence of the same length where it held only the coach's voice."""
        mic = mean_square(chunk)
        self._mic.append((start, end, mic))
        while self._mic and self._mic[0][1] < end - HISTORY_SECONDS:
            self._mic.popleft()
        if self.played is None:
            return chunk
        play = self.played(start, end)
        if play > PLAYING_POWER:
            self._ratios.append(mic / play)
        play = max(play, self.played(start - ALIGN_SECONDS, end + ALIGN_SECONDS))
        leak = self.leak
        if play <= PLAYING_POWER or leak is None:
            # With no estimate of the leak yet (the coach's first fifth of a second), the
            # chunk passes: the user may be talking as the coach starts, and `is_echo`
            # judges the whole utterance when it ends, by then with an estimate.
            return chunk
        if mic >= self._expected(play, leak):
            self._open_until = end + HANGOVER_SECONDS
        if end <= self._open_until:
            return chunk
        return bytes(len(chunk))

    def _expected(self, play: float, leak: float | None) -> float:
        """Microphone power above which there is more than the coach's voice."""
        if leak is None:  # no estimate yet: a voice below the playback level is taken as echo
            leak = 1.0
        return leak * play * 10 ** (MARGIN_DB / 10)

    @property
    def leak(self) -> float | None:
        """Estimated microphone/played power ratio; None until the coach has played."""
        if len(self._ratios) < 10:
            return None
        return float(np.percentile(self._ratios, LEAK_PERCENTILE))

    def is_echo(self, start: float, end: float) -> bool:
        """Was the utterance heard between `start` and `end` explained by the coach's voice?"""
        if self.played is None:
            return False
        play = self.played(start, end)
        if play <= PLAYING_POWER:
            return False
        chunks = [p for s, e, p in self._mic if e > start and s < end]
        if not chunks:
            return False
        return float(np.mean(chunks)) < self._expected(play, self.leak)
