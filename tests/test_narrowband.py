"""Narrowband (8 kHz headset) microphones: told apart from wideband audio, and understood
better with the channel transform, on espeak-ng speech generated in the test run."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from ears import Ears

from bench import noises
from bench.evaluate import HELD_OUT_VOICES, labelled_sentences
from voice_coach.app.data import CoachData
from voice_coach.app.understand import understand_clip
from voice_coach.audio.clip import AudioClip
from voice_coach.recognition import phrase_list
from voice_coach.recognition.frontend import Denoised
from voice_coach.recognition.narrowband import CHANNEL, is_narrowband, load_channel
from voice_coach.recognition.sphinx import PocketSphinxRecognizer
from voice_coach.recognition.sphinx_files import SphinxFiles
from voice_coach.recognition.sphinx_utterances import Utterances
from voice_coach.speech import synthesize

ROOT = Path(__file__).resolve().parents[1]
HMM = SphinxFiles().model / "en-us"
SAYINGS = ("cramp help", "go on", "how much longer", "stop", "what do I need")


def _as_heard(samples: np.ndarray) -> bytes:
    """`samples` with the recognizer's noise floor, as `is_narrowband` gets them."""
    return Utterances().floor(samples.astype(np.int16).tobytes())


@pytest.mark.parametrize("voice", ["en-us", "en-gb-x-rp", "en-us+f3"])
def test_8_khz_speech_is_told_from_wideband_speech(voice: str):
    for text in SAYINGS:
        wide = synthesize(text, voice).samples
        assert not is_narrowband(_as_heard(wide)), f"{text!r} said wideband"
        assert is_narrowband(_as_heard(noises.narrowband(wide))), f"{text!r} said at 8 kHz"


def test_what_is_too_quiet_or_short_to_tell_counts_as_wideband():
    narrow = noises.narrowband(synthesize("cramp help").samples)
    assert not is_narrowband(_as_heard((narrow * 0.1).astype(np.int16)))  # -20 dB
    assert not is_narrowband(_as_heard(np.zeros(16000, dtype=np.int16)))  # the floor alone
    assert not is_narrowband(_as_heard(narrow[8000:8600]))  # under 0.1 s


def test_the_shipped_channel_transform_fits_the_installed_model():
    matrix = load_channel(CHANNEL, HMM)
    assert matrix is not None
    lines = matrix.decode("ascii").splitlines()
    assert lines[:3] == ["1", "3", "13"]  # one class, three feature streams of 13


def test_a_transform_for_another_model_or_a_broken_file_is_not_used(
        tmp_path: Path, caplog: pytest.LogCaptureFixture):
    other = tmp_path / "other.yaml"
    other.write_text(CHANNEL.read_text(encoding="utf-8").replace("model: ", "model: x"),
                     encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text("matrix: [\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert load_channel(other, HMM) is None
        assert load_channel(broken, HMM) is None
        assert load_channel(tmp_path / "missing.yaml", HMM) is None
    assert "another PocketSphinx model" in caplog.text and "cannot be read" in caplog.text


@pytest.mark.slow
def test_a_held_out_voice_at_8_khz_is_understood_better_with_the_channel_transform(
        coach_data: CoachData):
    """The first commands of a voice, before any transform of its own: the channel
    transform alone makes the difference (measured: 58% -> 84%, bench/runner_world.py)."""
    voice, rate = HELD_OUT_VOICES[0]
    positive, _ = labelled_sentences(ROOT / "tests" / "sentences" / "en")
    clips = [(AudioClip(noises.narrowband(synthesize(c.text, voice, rate).samples), 16000), c)
             for c in positive[::6]]
    matcher = coach_data.matcher()
    understood = {}
    for name, channel in (("with", CHANNEL), ("without", None)):
        recognizer = PocketSphinxRecognizer(phrase_list(coach_data.intents),
                                            files=SphinxFiles(narrowband=channel))
        hits = 0
        for clip, want in clips:
            hits += want.understood(understand_clip(recognizer, matcher, clip))
            assert recognizer.last_narrowband
        understood[name] = hits
    assert understood["with"] >= understood["without"] + 3, understood
    assert understood["with"] >= 0.75 * len(clips), understood


def test_wideband_speech_is_never_decoded_with_the_channel_transform(coach_data: CoachData):
    recognizer = PocketSphinxRecognizer(phrase_list(coach_data.intents))
    matcher = coach_data.matcher()
    for text in SAYINGS:
        heard = understand_clip(recognizer, matcher, synthesize(text, "en-us"))
        assert heard.intent is not None and not recognizer.last_narrowband
    assert recognizer._channel is None  # never even loaded


def test_the_front_end_tells_the_engine_whether_the_raw_audio_reached_above_4_khz():
    """Denoised, a wideband microphone's speech in noise can look narrowband; the raw
    audio decides."""
    wide = noises.mix(synthesize("what do I need").samples, "rain", 5.0, seed=3)
    for samples, wideband in ((wide, True), (noises.narrowband(wide), False)):
        ears = Ears()
        front = Denoised(ears)
        for i in range(0, len(samples), 320):
            front.accept(samples[i:i + 320].tobytes())
        assert front.denoising and ears.wideband_input is wideband
