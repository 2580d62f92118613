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


DEFAULT_RATE = 175
"""Words per minute (espeak-ng's own default)."""
DEFAULT_VOICE = "en"

# pyttsx3.init() hands every caller the same engine object, so access is serialised here and
# each render sets its own voice and rate first.
_ENGINE_LOCK = threading.Lock()


def _set_property(engine: Any, name: str, value: object) -> None:
    """Apply a voice/rate setting so that the next render uses it.

    pyttsx3 2.99 queues Engine.setProperty and then sometimes renders the next text with the
    previous rate. Its espeak driver's setProperty is a static method that sets the value in
    espeak-ng at once, so that is used when espeak is the driver (Linux); other platforms go
    through the engine's queue.
    """
    driver: Any = getattr(engine.proxy, "_driver", None)
    if type(driver).__module__ == "pyttsx3.drivers.espeak":
        type(driver).setProperty(name, value)
    else:
        engine.setProperty(name, value)


class Pyttsx3Synthesizer:
    """pyttsx3 rendering to WAV in a private temp folder, read back into memory.

    `voice` is a pyttsx3 voice id or a substring of its name ("en-us", "English (Great
    Britain)"); `rate` is words per minute.
    """

    def __init__(self, voice: str | None = None, rate: int | None = None,
                 cache_size: int = 256) -> None:
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
        self.voice = self._find_voice(voice or DEFAULT_VOICE)
        self.rate = int(rate or DEFAULT_RATE)
        if not 40 <= self.rate <= 500:
            raise SpeechError(f"speaking rate {self.rate} is out of range (40 to 500 words "
                              "per minute)")

    def _find_voice(self, wanted: str) -> str:
        voices = self._engine.getProperty("voices") or []
        key = wanted.lower()
        tests = (
            lambda v: key == str(v.id).lower(),
            lambda v: key == str(v.id).lower().rsplit("/", 1)[-1],
            lambda v: key == str(v.name).lower(),
            lambda v: key in str(v.name).lower(),
        )
        for test in tests:
            for v in voices:
                if test(v):
                    return str(v.id)
        names = ", ".join(sorted(str(v.id).rsplit("/", 1)[-1] for v in voices)[:12])
        raise SpeechError(f"no voice matches '{wanted}' (some voices: {names} ...)")

    def render(self, text: str) -> AudioClip:
        with _ENGINE_LOCK:
            if text in self._cache:
                self._cache.move_to_end(text)
                return self._cache[text]
            path = Path(self._tmp.name) / "speech.wav"
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    # Voice, then rate twice: espeak-ng through pyttsx3 drops a single rate
                    # change now and then (tests/test_speech.py checks a rate sequence).
                    _set_property(self._engine, "voice", self.voice)
                    _set_property(self._engine, "rate", self.rate)
                    _set_property(self._engine, "rate", self.rate)
                    self._engine.save_to_file(text, str(path))
                    self._engine.runAndWait()
                clip = read_wav(path, rate=None).trimmed()
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
