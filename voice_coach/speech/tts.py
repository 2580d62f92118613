"""Text to speech with pyttsx3 (espeak-ng on Linux), rendered to in-memory clips.

Rendering to buffers (instead of pyttsx3's own playback) lets the player cut speech off
mid-word for barge-in, and lets count numbers be rendered once and started on schedule.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from ..audio.clip import AudioClip, read_wav


class SpeechError(Exception):
    """The text-to-speech engine is missing or failed; str() says what to do."""


class Synthesizer(Protocol):
    """Turns text into audio."""

    def render(self, text: str) -> AudioClip: ...


class Pyttsx3Synthesizer:
    """pyttsx3 rendering to WAV in a private temp folder, read back into memory.

    `voice` is a pyttsx3 voice id or a substring of its name ("en-us", "English (Great
    Britain)"); `rate` is words per minute.
    """

    def __init__(self, voice: str | None = None, rate: int | None = None,
                 cache_size: int = 256) -> None:
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, AudioClip] = OrderedDict()
        self._cache_size = cache_size
        self._tmp = tempfile.TemporaryDirectory(prefix="voice-coach-tts-")
        try:
            import pyttsx3

            with contextlib.redirect_stdout(io.StringIO()):
                self._engine: Any = pyttsx3.init()
        except Exception as err:  # pyttsx3 raises RuntimeError/OSError/ImportError variously
            raise SpeechError(f"text-to-speech is not available ({err}); on Debian/Ubuntu "
                              "install it with: sudo apt-get install espeak-ng") from err
        if voice:
            self._engine.setProperty("voice", self._find_voice(voice))
        if rate:
            self._engine.setProperty("rate", int(rate))

    def _find_voice(self, wanted: str) -> str:
        voices = self._engine.getProperty("voices") or []
        for v in voices:
            if wanted in (v.id, v.name):
                return str(v.id)
        for v in voices:
            if wanted.lower() in f"{v.id} {v.name}".lower():
                return str(v.id)
        names = ", ".join(sorted(str(v.id) for v in voices)[:12])
        raise SpeechError(f"no voice matches '{wanted}' (some voices: {names} ...)")

    def render(self, text: str) -> AudioClip:
        with self._lock:
            if text in self._cache:
                self._cache.move_to_end(text)
                return self._cache[text]
            path = Path(self._tmp.name) / "speech.wav"
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    self._engine.save_to_file(text, str(path))
                    self._engine.runAndWait()
                clip = read_wav(path, rate=None)
            except Exception as err:
                raise SpeechError(f"text-to-speech failed for {text[:40]!r}: {err}") from err
            finally:
                with contextlib.suppress(OSError):
                    os.unlink(path)
            self._cache[text] = clip
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            return clip

    def prerender(self, texts: Iterable[str]) -> None:
        """Render now so later calls return at once (count numbers, for exact pacing)."""
        for text in texts:
            self.render(text)
