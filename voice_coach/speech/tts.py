"""Text to speech with pyttsx3 (espeak-ng on Linux), rendered to in-memory clips.

Rendering to buffers (instead of pyttsx3's own playback) lets the player cut speech off
mid-word for barge-in, and lets count numbers be rendered once and started on schedule.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from ..audio.clip import AudioClip
from ..audio.files import read_audio


class SpeechError(Exception):
    """The text-to-speech engine is missing or failed; str() says what to do."""


class Synthesizer(Protocol):
    """Turns text into audio."""

    def render(self, text: str) -> AudioClip: ...


DEFAULT_RATE = 175
"""Words per minute (espeak-ng's own default)."""
DEFAULT_VOICE = "en"

# One pyttsx3 engine for the process, kept alive here: pyttsx3.init() caches engines only
# weakly, and a collected engine's driver unhooks espeak-ng's process-wide callback as it goes.
# Access is serialised, and each render sets its own voice and rate first.
_ENGINE_LOCK = threading.Lock()
_engine: Any = None
_finished = threading.Event()
FINISH_TIMEOUT = 60.0
"""Seconds to wait for one rendering; espeak-ng needs well under a second for a sentence."""


def _shared_engine() -> Any:
    """pyttsx3's engine, created once, signalling `_finished` at the end of each utterance."""
    global _engine
    with _ENGINE_LOCK:
        if _engine is None:
            import pyttsx3

            with contextlib.redirect_stdout(io.StringIO()):  # once, before any other thread
                engine = pyttsx3.init()
            _silence_driver(engine)
            _mend_espeak_synth()
            engine.connect("finished-utterance", lambda **_: _finished.set())
            _engine = engine
        return _engine


def _silence_driver(engine: Any) -> None:
    """pyttsx3's espeak driver prints "Audio saved to ..." after every render. Its module's
    own `print` is replaced (only there), rather than redirecting sys.stdout around each
    render: that redirection is process-wide, and a render in a background thread (the
    live coach renders ahead) swallowed what the main thread printed meanwhile."""
    driver: Any = getattr(engine.proxy, "_driver", None)
    module = sys.modules.get(type(driver).__module__)
    if module is not None and module.__name__.startswith("pyttsx3.drivers."):
        module.print = lambda *args, **kwargs: None  # type: ignore[attr-defined]


def _mend_espeak_synth() -> None:
    """pyttsx3 2.99 tells espeak-ng that a text is ten times as long as it is (`len(text) *
    10` in `pyttsx3.drivers._espeak.Synth`; pyttsx3 issue #448, not fixed in a release).
    In the asynchronous mode pyttsx3 runs espeak-ng in, `espeak_Synth` copies that many
    bytes, reading far past the end of the text: now and then a segmentation fault, which
    ends the coach mid-session. Its `Synth` is replaced by one passing the text's own size
    with its terminating zero (Python's bytes always end in one). Only with the espeak
    driver, whose module is then loaded already, and only while it has the `cSynth` that
    its `Synth` calls (a later pyttsx3 may not)."""
    espeak = sys.modules.get("pyttsx3.drivers._espeak")
    c_synth = getattr(espeak, "cSynth", None)
    if espeak is None or c_synth is None:
        return

    def synth(text: str | bytes, position: int = 0, position_type: int = 1,
              end_position: int = 0, flags: int = 0, user_data: Any = None) -> Any:
        data = text.encode("utf-8") if isinstance(text, str) else text
        return c_synth(data, len(data) + 1, position, position_type, end_position, flags,
                       None, user_data)

    espeak.Synth = synth  # type: ignore[attr-defined]


_voice_list: list[Any] | None = None


def _voices(engine: Any) -> list[Any]:
    """The engine's voices, listed once and under the lock: espeak-ng's voice listing frees
    and rebuilds the voice table that selecting a voice reads, so it must never run while
    another thread renders."""
    global _voice_list
    with _ENGINE_LOCK:
        if _voice_list is None:
            _voice_list = list(engine.getProperty("voices") or [])
        return _voice_list


def _apply_settings(engine: Any, voice: str, rate: int) -> None:
    """Set voice and rate so that the next render uses them.

    On Linux pyttsx3 2.99 runs espeak-ng asynchronously: a rate change waits in espeak-ng's
    command queue, and runAndWait cancels whatever is still queued when it starts (it stops
    a "playing" engine), so under load a render could come out at the previous rate, empty,
    or not at all. With the espeak driver the settings therefore go straight to espeak-ng and
    its queue is drained before rendering. Other drivers go through the engine's queue.
    """
    driver: Any = getattr(engine.proxy, "_driver", None)
    if type(driver).__module__ == "pyttsx3.drivers.espeak":
        from pyttsx3.drivers import _espeak

        _espeak.Synchronize()  # nothing of the last render may still be running
        type(driver).setProperty("voice", voice)
        type(driver).setProperty("rate", rate)
        _espeak.Synchronize()
    else:
        engine.setProperty("voice", voice)
        engine.setProperty("rate", rate)


class Pyttsx3Synthesizer:
    """pyttsx3 rendering to WAV in a private temp folder, read back into memory.

    `voice` is a pyttsx3 voice id or a substring of its name ("en-us", "English (Great
    Britain)"); `rate` is words per minute.
    """

    def __init__(self, voice: str | None = None, rate: int | None = None,
                 cache_size: int = 512) -> None:
        self._cache: OrderedDict[str, AudioClip] = OrderedDict()
        self._cache_size = cache_size
        self._tmp = tempfile.TemporaryDirectory(prefix="voice-coach-tts-")
        try:
            self._engine: Any = _shared_engine()
        except Exception as err:  # pyttsx3 raises RuntimeError/OSError/ImportError variously
            raise SpeechError(f"text-to-speech is not available ({err}); on Debian/Ubuntu "
                              "install it with: sudo apt-get install espeak-ng") from err
        self.voice = self._find_voice(voice or DEFAULT_VOICE)
        self.rate = DEFAULT_RATE if rate is None else int(rate)
        if not 40 <= self.rate <= 500:
            raise SpeechError(f"speaking rate {self.rate} is out of range (40 to 500 words "
                              "per minute)")

    def _find_voice(self, wanted: str) -> str:
        voices = _voices(self._engine)
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
                _apply_settings(self._engine, self.voice, self.rate)
                _finished.clear()
                self._engine.save_to_file(text, str(path))
                self._engine.runAndWait()
                # runAndWait can return while espeak-ng is still rendering (under load, or
                # on an engine's first run); the WAV is written before this signal.
                if not _finished.wait(FINISH_TIMEOUT):
                    raise SpeechError(f"no audio after {FINISH_TIMEOUT:.0f} s")
                clip = read_audio(path, rate=None).trimmed()
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
        """Render now so later calls return at once (answers, count numbers); meant for a
        background thread: each render holds the engine only for itself. A text that
        fails is left for later (its error shows then)."""
        for text in texts:
            with contextlib.suppress(SpeechError):
                self.render(text)
