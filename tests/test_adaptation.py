"""Speaker adaptation (MLLR with SphinxTrain's tools) on espeak-ng speech generated in the
test run: the tools really run, the transform really loads, and a deep voice that the
unadapted model mishears is understood once the coach has adapted to it."""

from __future__ import annotations

import logging
import os
import signal
import struct
from pathlib import Path

import numpy as np
import pocketsphinx
import pytest

from voice_coach.app.data import CoachData
from voice_coach.app.understand import understand_clip
from voice_coach.recognition import adaptation, jsgf, phrase_list, phrase_meanings, recognize_clip
from voice_coach.recognition.adaptation import AdaptationError, SpeakerAdaptation
from voice_coach.recognition.sphinx import PocketSphinxRecognizer
from voice_coach.recognition.sphinx_adapted import Transforms
from voice_coach.recognition.sphinx_decoder import NO_RIVAL
from voice_coach.recognition.sphinx_files import NO_WARP, SphinxFiles, load_decoder
from voice_coach.speech import synthesize

HMM = Path(pocketsphinx.get_model_path()) / "en-us" / "en-us"
DEEP = ("en-us+m3", 170)
"""A held-out voice: unadapted, its "next" is heard as "repeat it"."""
WARM_UP = ["cramp help", "I can sit down", "what do I need", "prevention tips",
           "how much longer", "when should I see a doctor", "what can I say", "pause",
           "resume", "repeat that", "hold for twenty seconds", "go back", "start the count"]
"""Thirteen commands, none of them "next": three to choose the warp, then ten that the
coach adapts on (adaptation.ESTIMATE_AT: at five and again at ten)."""


def test_mixture_weights_are_unquantised_from_sendump(tmp_path: Path):
    weights = adaptation.mixture_weights(HMM / "sendump")
    assert weights.shape == (5126, 3, 128)  # senones, streams, densities of en-us
    # Probabilities, quantised: each senone's weights sum to about 1 in every stream.
    sums = weights.sum(axis=2)
    assert sums.min() > 0.85 and sums.max() < 1.05
    out = tmp_path / "mixture_weights"
    adaptation.write_mixture_weights(out, weights)
    data = out.read_bytes()
    body = data.index(b"endhdr\n") + len(b"endhdr\n")
    assert data.startswith(b"s3\nversion 1.0\n") and body % 4 == 0
    assert struct.unpack_from("=i", data, body)[0] == 0x11223344
    assert struct.unpack_from("=IIII", data, body + 4) == (5126, 3, 128, weights.size)
    stored = np.frombuffer(data, dtype="=f4", offset=body + 20)
    assert np.allclose(stored, weights.ravel(), rtol=1e-6)


def test_missing_tools_are_named_with_the_packages(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(AdaptationError, match="apt-get install sphinxtrain sphinxbase-utils"):
        adaptation.find_tools(dirs=())


def test_without_the_tools_the_coach_still_recognises(monkeypatch: pytest.MonkeyPatch):
    clip = synthesize("cramp help")
    monkeypatch.setenv("PATH", "/nonexistent")
    recognizer = PocketSphinxRecognizer(["cramp help", "next"],
                                        files=SphinxFiles(calibration=None, sphinxtrain=()))
    assert recognizer.adaptation is None
    assert "Speaker adaptation is off" in recognizer.adaptation_notice
    assert "apt-get install sphinxtrain" in recognizer.adaptation_notice
    assert recognize_clip(recognizer, clip).text == "cramp help"


@pytest.fixture(scope="module")
def tools() -> dict[str, str]:
    return adaptation.find_tools()


@pytest.mark.slow
def test_estimated_transform_loads_into_pocketsphinx(tools, tmp_path: Path):
    hmm = adaptation.prepare_model(HMM, tools, tmp_path)
    assert (hmm / "mdef").read_text(encoding="ascii").startswith("0.3")  # text form
    assert adaptation.prepare_model(HMM, tools, tmp_path) == hmm  # made once
    assert [p.name for p in tmp_path.iterdir()] == [hmm.name]  # no partial copies left
    decoder = pocketsphinx.Decoder(lm=None, warp_params=NO_WARP, loglevel="FATAL")
    utterances = []
    for text in WARM_UP[:5]:
        clip = synthesize(text, *DEEP)
        utterances.append((clip.samples.tobytes(), text.lower()))
    matrix = adaptation.estimate(utterances, 0.94, hmm, decoder.lookup_word, tools)
    lines = matrix.decode("ascii").split("\n")
    assert lines[:3] == ["1", "3", "13"]  # one class, three streams of 13 coefficients
    path = tmp_path / "mllr_matrix"
    path.write_bytes(matrix)
    pocketsphinx.Decoder(lm=None, mllr=str(path), warp_params=NO_WARP,
                         loglevel="FATAL")  # loads, or raises


def test_an_unwritable_cache_turns_adaptation_off(tmp_path: Path):
    tools = {"pocketsphinx_mdef_convert": "/bin/true"}
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with pytest.raises(AdaptationError, match="cannot prepare the model for adaptation"):
        adaptation.prepare_model(HMM, tools, blocked / "cache")


def test_a_failing_tool_turns_adaptation_off_and_says_so(tmp_path: Path,
                                                         caplog: pytest.LogCaptureFixture):
    broken = tmp_path / "bw"
    broken.write_text("#!/bin/sh\necho 'bw: cannot read the model' >&2\nexit 3\n")
    broken.chmod(0o755)
    tools = {"sphinx_fe": "/bin/true", "bw": str(broken), "mllr_solve": "/bin/true",
             "pocketsphinx_mdef_convert": "/bin/true"}
    adapt = SpeakerAdaptation(tmp_path, lambda word: "N EH K S T", tools, load=len,
                              background=False)
    with caplog.at_level(logging.WARNING):
        for _ in range(adaptation.ESTIMATE_AT[0]):
            adapt.add(bytes(3200), "next", 1.0)
    assert adapt.take() is None
    assert adapt.failed is not None and "bw failed (exit 3)" in adapt.failed
    assert "cannot read the model" in adapt.failed
    assert "speaker adaptation is off" in caplog.text


@pytest.mark.slow
@pytest.mark.parametrize("background", [False, True])
def test_a_deep_voice_is_understood_after_adapting_to_it(coach_data: CoachData,
                                                         background: bool):
    phrases = phrase_list(coach_data.intents)
    matcher = coach_data.matcher()
    recognizer = PocketSphinxRecognizer(phrases, background=background)
    unadapted = PocketSphinxRecognizer(phrases, adapt=False)
    for text in WARM_UP:
        clip = synthesize(text, *DEEP)
        assert understand_clip(recognizer, matcher, clip).intent is not None, text
        understand_clip(unadapted, matcher, clip)
    assert recognizer.adaptation is not None
    recognizer.adaptation.wait()  # the live coach goes on decoding instead
    assert recognizer.adaptation.failed is None
    next_clip = synthesize("next", *DEEP)
    assert understand_clip(unadapted, matcher, next_clip).intent != "next"
    assert understand_clip(recognizer, matcher, next_clip).intent == "next"
    assert recognizer.adapted
    recognizer.new_speaker()  # someone else: the transform is dropped
    assert not recognizer.adapted


@pytest.fixture(scope="module")
def deep_matrix(tools, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A transform estimated on five of DEEP's commands."""
    hmm = adaptation.prepare_model(HMM, tools, tmp_path_factory.mktemp("hmm"))
    decoder = pocketsphinx.Decoder(lm=None, warp_params=NO_WARP, loglevel="FATAL")
    utterances = [(synthesize(text, *DEEP).samples.tobytes(), text.lower())
                  for text in WARM_UP[:5]]
    return adaptation.estimate(utterances, 0.94, hmm, decoder.lookup_word, tools)


@pytest.mark.slow
def test_the_worker_process_decodes_with_the_transform_as_this_one_does(
        coach_data: CoachData, deep_matrix: bytes):
    base = PocketSphinxRecognizer(phrase_meanings(coach_data.intents), adapt=False)._decoder
    here = Transforms(base, elsewhere=False).load(deep_matrix)
    transforms = Transforms(base, elsewhere=True)
    try:
        elsewhere = transforms.load(deep_matrix)
        assert transforms.worker is not None and transforms.worker.alive
        assert transforms.worker.pid != os.getpid()
        for text in ("next", "how much longer"):
            speech = synthesize(text, *DEEP).samples.tobytes()
            audio = speech + bytes(9600)
            means = base.means(audio, False, 0.94)
            heard = here.hear(speech, audio, means, 0.94)()
            assert heard is not None
            assert elsewhere.hear(speech, audio, means, 0.94)() == heard
            # The lead over other meanings' phrases is measured there as here.
            lead = here.lead(heard, audio, means[1], 0.94)()
            assert lead != NO_RIVAL
            assert elsewhere.lead(heard, audio, means[1], 0.94)() == lead
            fit = [heard.text, "cramp help"]
            assert (elsewhere.fit(fit, audio, means[1], 0.94)()
                    == here.fit(fit, audio, means[1], 0.94)())
        assert elsewhere.failed is None
    finally:
        transforms.close()


@pytest.mark.slow
def test_when_the_worker_process_dies_the_coach_goes_on_without_the_transform(
        coach_data: CoachData, deep_matrix: bytes, caplog: pytest.LogCaptureFixture):
    phrases = phrase_list(coach_data.intents)
    recognizer = PocketSphinxRecognizer(phrases, adapt=False, background=True)
    transforms = Transforms(recognizer._decoder, elsewhere=True)
    try:
        recognizer._voice.adapted = transforms.load(deep_matrix)
        assert transforms.worker is not None
        os.kill(transforms.worker.pid, signal.SIGKILL)
        matcher = coach_data.matcher()
        # Decoded with the plain model alone; then the transform is dropped.
        with caplog.at_level(logging.WARNING):
            heard = [understand_clip(recognizer, matcher, synthesize(text, *DEEP)).intent
                     for text in ("cramp help", "what do I need")]
        assert heard == ["cramp_help", "equipment"]
        assert not recognizer.adapted
        assert "going on without the speaker's transform" in caplog.text
    finally:
        transforms.close()


def test_a_second_decoder_leaves_the_first_ones_warp_alone(coach_data: CoachData):
    # PocketSphinx keeps the warp in one place per process (sphinx_files.NO_WARP).
    base = PocketSphinxRecognizer(phrase_list(coach_data.intents), adapt=False)._decoder
    audio = synthesize("next", *DEEP).samples.tobytes() + bytes(9600)
    unwarped = base.means(audio, False, 1.0)
    warped = base.means(audio, False, 0.94)
    assert warped != unwarped  # the warp is applied
    load_decoder(base.files.model, jsgf(["next"]), {}, base.files.pronunciations)
    assert base.means(audio, False, 0.94) == warped
