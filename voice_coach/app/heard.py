"""Speech in, intents out: the recognizer followed by the intent matcher."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..audio.clip import RATE, AudioClip, AudioFileError
from ..audio.files import stream_file
from ..intents import IntentMatcher
from ..recognition import (
    Recognizer,
    Result,
    make_recognizer,
    phrase_list,
    recognize_clip,
    recognize_stream,
)
from ..speech.tts import Synthesizer
from .coach import CoachData
from .simulate import Heard, Understand


@dataclass(frozen=True)
class Recognition:
    """One clip's outcome: recognised words, the intent they match (or None)."""

    text: str
    intent: str | None
    slots: dict[str, Any]
    confidence: float


def understand_clip(recognizer: Recognizer, matcher: IntentMatcher, clip: AudioClip,
                    pad_seconds: float = 0.0) -> Recognition:
    """What `clip` says, as text and intent; the recognizer learns from a command.
    `pad_seconds` of silence go around a clip that may be cut tight around the words."""
    return _understood(recognize_clip(recognizer, clip, pad_seconds), recognizer, matcher)


def _understood(result: Result, recognizer: Recognizer, matcher: IntentMatcher,
                ) -> Recognition:
    match = matcher.match(result.text) if result.text else None
    if match is None:
        return Recognition(result.text, None, {}, result.confidence)
    recognizer.learn(result.text)
    return Recognition(result.text, match.intent, dict(match.slots), result.confidence)


def audio_understander(data: CoachData, synth: Synthesizer, engine: str = "auto",
                       model: str | None = None,
                       notice: Any = print, denoise: bool = True) -> Understand:
    """Each user line is synthesized, resampled to 16 kHz and sent through the recognizer."""
    choice = make_recognizer(engine, phrase_list(data.intents), model, denoise=denoise)
    notice(choice.notice)
    matcher = data.matcher()

    def understand(text: str) -> Heard:
        heard = understand_clip(choice.recognizer, matcher, synth.render(text).resampled(RATE))
        return Heard(text=heard.text or f"({text!r} not recognised)", intent=heard.intent,
                     slots=heard.slots)

    return understand


def recognize_files(paths: Iterable[str], recognizer: Recognizer, matcher: IntentMatcher,
                    ) -> Iterator[dict[str, Any]]:
    """One JSON-ready dict per file; unreadable files get an "error" key, the rest go on."""
    for path in paths:
        try:  # streamed: a file of any length is heard in constant memory
            heard = _understood(recognize_stream(recognizer, stream_file(path)),
                                recognizer, matcher)
        except AudioFileError as err:
            recognizer.finish()  # whatever was heard of a file cut short is dropped
            yield {"file": path, "error": str(err), "engine": recognizer.name}
            continue
        yield {"file": path, "text": heard.text, "intent": heard.intent, "slots": heard.slots,
               "confidence": round(heard.confidence, 3), "engine": recognizer.name}
