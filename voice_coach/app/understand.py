"""From what the user said to what it means, for every mode: typed text, a script line,
recognised speech. The meaning always comes from `IntentMatcher.understand`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from ..audio.clip import RATE, AudioClip, AudioFileError
from ..audio.files import stream_file
from ..intents import Heard, IntentMatcher
from ..recognition import Recognizer, Result, recognize_clip, recognize_stream
from ..recognition.base import PAD_SECONDS
from ..speech.tts import Synthesizer

Understand = Callable[[str], Heard]
"""A user line (typed or scripted) -> what was heard."""


def learn_from(recognizer: Recognizer, heard: Heard) -> None:
    """A command that is acted on teaches the recognizer the speaker's voice; stray speech
    that matches nothing teaches it nothing."""
    if heard.intent is not None:
        recognizer.learn(heard.text)


def understand_result(recognizer: Recognizer, matcher: IntentMatcher, result: Result) -> Heard:
    """What the recognised `result` means; the recognizer learns from a command."""
    heard = matcher.understand(result.text, result.confidence)
    learn_from(recognizer, heard)
    return heard


def understand_clip(recognizer: Recognizer, matcher: IntentMatcher, clip: AudioClip,
                    pad_seconds: float = 0.0) -> Heard:
    """What `clip` says; the recognizer learns from a command. `pad_seconds` of silence go
    around a clip that may be cut tight around the words."""
    return understand_result(recognizer, matcher, recognize_clip(recognizer, clip, pad_seconds))


def understand_files(paths: Iterable[str], recognizer: Recognizer, matcher: IntentMatcher,
                     ) -> Iterator[tuple[str, Heard | AudioFileError]]:
    """(path, what it says) per file, streamed in constant memory; a file that cannot be
    read gives its error and the rest go on."""
    for path in paths:
        try:
            result = recognize_stream(recognizer, stream_file(path))
        except AudioFileError as err:
            recognizer.finish()  # whatever was heard of a file cut short is dropped
            yield path, err
            continue
        yield path, understand_result(recognizer, matcher, result)


def audio_understander(recognizer: Recognizer, matcher: IntentMatcher, synth: Synthesizer,
                       ) -> Understand:
    """Each user line is synthesized, resampled to 16 kHz and sent through `recognizer`,
    with silence around it as a microphone would hear it (a rendering is cut tight: the
    front end took the first words for a noisy background). (Typed lines need no such
    step: `matcher.understand` is their Understand.)"""

    def understand(text: str) -> Heard:
        heard = understand_clip(recognizer, matcher, synth.render(text).resampled(RATE),
                                pad_seconds=PAD_SECONDS)
        if heard.text:
            return heard
        return Heard(f"({text!r} not recognised)", None, confidence=heard.confidence)

    return understand
