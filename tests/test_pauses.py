"""Answering at a pause: an utterance is offered for decoding where its speech stops, long
before PocketSphinx's endpointer ends it, and taken only if it is a command beyond doubt."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bench import noises
from voice_coach.app.data import CoachData
from voice_coach.audio.denoise import denoise
from voice_coach.recognition import phrase_list
from voice_coach.recognition.sphinx import EARLY_MARGIN, PocketSphinxRecognizer
from voice_coach.recognition.sphinx_utterances import PAUSED, STARTED, Pause, Utterances
from voice_coach.speech import synthesize

CHUNK = 320  # 20 ms, as the microphone gives it
LOUD = 300


def last_loud_second(samples: np.ndarray) -> float:
    return float(np.flatnonzero(np.abs(samples) > LOUD)[-1] / 16000)


def feed(utterances: Utterances, samples: np.ndarray, answer: int = 0,
         ) -> list[tuple[float, object]]:
    """(seconds of audio fed when it came, item) for each item; the first `answer` Pauses
    are taken for commands."""
    items = []
    for i in range(0, len(samples), CHUNK):
        for item in utterances.accept(samples[i:i + CHUNK].tobytes()):
            items.append(((i + CHUNK) / 16000, item))
            if item == PAUSED and answer > 0:
                answer -= 1
                utterances.answered()
    return items


def then_silence(*clips: np.ndarray, seconds: float = 1.0) -> np.ndarray:
    return np.concatenate([*clips, np.zeros(int(seconds * 16000), np.int16)])


def test_a_pause_comes_within_100_ms_of_the_end_of_speech_and_the_end_later():
    samples = then_silence(synthesize("stop").samples)
    items = feed(Utterances(), samples)
    # (one-frame gaps inside the word are offered too; none of them is confirmed)
    offered, pause = [(t, x) for t, x in items if isinstance(x, Pause)][-1]
    [paused] = [t for t, x in items if x == PAUSED]
    [(ended, audio)] = [(t, x) for t, x in items if isinstance(x, bytes)]
    speech_end = last_loud_second(samples)
    assert 0.0 < offered < paused and paused - speech_end <= 0.1
    assert abs(len(pause.audio) - len(audio)) <= 6 * 960  # about what the endpointer cuts
    assert ended - speech_end >= 0.35  # what the endpointer alone takes
    assert len(audio) > 0


def test_an_answered_pause_ends_the_utterance_there():
    samples = then_silence(synthesize("stop").samples)
    items = feed(Utterances(), samples, answer=1)
    assert [x for _, x in items if isinstance(x, bytes)] == []
    assert [x for _, x in items if x == STARTED] == [STARTED]


def test_speech_after_an_answered_pause_is_an_utterance_of_its_own():
    first, second = synthesize("stop").samples, synthesize("how much longer").samples
    gap = np.zeros(int(0.15 * 16000), np.int16)  # shorter than the endpointer's window
    samples = then_silence(first[:-8000], gap, second[8000:])
    items = feed(Utterances(), samples, answer=1)
    assert [x for _, x in items if x == STARTED] == [STARTED, STARTED]
    [rest] = [x for _, x in items if isinstance(x, bytes)]
    # the second phrase, with a few frames around it, not the first
    loud = np.flatnonzero(np.abs(second) > LOUD)
    spoken = (loud[-1] - loud[0]) / 16000
    assert spoken <= len(rest) / 2 / 16000 <= spoken + 0.4


def test_unanswered_pauses_change_nothing_the_endpointer_cuts():
    samples = then_silence(synthesize("what do I need").samples)
    plain = [x for _, x in feed(Utterances(), samples) if isinstance(x, bytes)]
    assert len(plain) == 1 and len(plain[0]) > 16000


def test_no_pause_is_offered_in_loud_noise():
    """In noise a pause cannot be told from a soft sound: the endpointer decides alone."""
    samples = then_silence(synthesize("stop").samples)
    noisy = noises.mix(samples, "pink", 10.0, seed=3)
    assert not [x for _, x in feed(Utterances(), noisy) if isinstance(x, Pause)]


@pytest.mark.parametrize("seed", [2002, 2003])  # seeds whose thuds open utterances
def test_footsteps_and_breathing_make_no_pause(seed: int):
    """Thuds loud over a quiet background, after noise suppression: the endpointer opens
    utterances on them, but no pause is offered (Silero VAD hears no speech)."""
    steps = denoise(noises.noise_only("steps", 3.0, 3000.0, seed=seed))
    items = [x for _, x in feed(Utterances(), steps)]
    assert STARTED in items
    assert not [x for x in items if isinstance(x, Pause)]


@pytest.fixture(scope="module")
def settled() -> PocketSphinxRecognizer:
    """PocketSphinx with its warp settled (no probing at several warps)."""
    return PocketSphinxRecognizer(phrase_list(CoachData.load().intents), adapt=False)


def finals(recognizer: PocketSphinxRecognizer, samples: np.ndarray) -> list[tuple[float, str]]:
    """(seconds after the last loud sample, text) of each final result."""
    out = []
    for i in range(0, len(samples), CHUNK):
        out += [((i + CHUNK) / 16000 - last_loud_second(samples), r.text)
                for r in recognizer.accept(samples[i:i + CHUNK].tobytes()) if r.final]
    assert recognizer.finish() is None
    return out


@pytest.mark.parametrize("text", ["stop", "pause", "how much longer"])
def test_a_clear_command_is_answered_at_its_pause(settled: PocketSphinxRecognizer, text: str):
    [(after, heard)] = finals(settled, then_silence(synthesize(text).samples))
    assert heard == text
    assert after <= 0.1


def test_without_answers_at_pauses_the_endpointer_decides(settled: PocketSphinxRecognizer):
    settled.early_margin = math.inf
    try:
        [(after, heard)] = finals(settled, then_silence(synthesize("stop").samples))
    finally:
        settled.early_margin = EARLY_MARGIN
    assert heard == "stop"
    assert after >= 0.35


def test_unrelated_speech_is_not_answered_at_a_pause(settled: PocketSphinxRecognizer):
    heard = finals(settled, then_silence(synthesize("I need to drink some water").samples))
    assert [text for _, text in heard if text] == []
