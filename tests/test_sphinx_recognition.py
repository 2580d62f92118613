"""English recognition with the built-in PocketSphinx engine, on espeak-ng speech generated
in the test run, and the `recognize` command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bench.evaluate import CONDITIONS, HELD_OUT_VOICES, Conditions, add_noise, labelled_sentences
from voice_coach.app.data import CoachData
from voice_coach.app.understand import understand_clip
from voice_coach.audio import AudioClip, write_audio
from voice_coach.cli import main
from voice_coach.recognition import (
    ModelError,
    jsgf,
    make_recognizer,
    phrase_list,
    phrase_meanings,
    recognize_clip,
)
from voice_coach.recognition.rejection import read_calibration
from voice_coach.recognition.speaker import SpeakerWarp
from voice_coach.recognition.sphinx import PocketSphinxRecognizer
from voice_coach.recognition.sphinx_files import (
    SphinxFiles,
    extra_pronunciations,
    load_cmn_prior,
)
from voice_coach.speech import synthesize

SENTENCES = Path(__file__).parent / "sentences" / "en"
ACCURACY_FLOOR = 0.97  # issue 3's target; measured: 99.1%, 216 of 218
FALSE_ACCEPT_CEILING = 0.10  # issue 3's target: below 10%; measured: 8.7%


@pytest.fixture(scope="module")
def data() -> CoachData:
    return CoachData.load()


@pytest.fixture(scope="module")
def loaded_sphinx(data: CoachData):
    return make_recognizer("pocketsphinx", phrase_meanings(data.intents)).recognizer


@pytest.fixture
def sphinx(loaded_sphinx):
    """The recognizer, adapted to no voice yet (each test is a new speaker)."""
    loaded_sphinx.new_speaker()
    return loaded_sphinx


def test_grammar_is_a_prefix_tree_of_the_phrases():
    grammar = jsgf(["next", "next step", "stop"])
    assert "public <phrase> = (next [step] | stop);" in grammar


def test_grammar_comes_from_the_intent_files(data: CoachData):
    phrases = phrase_list(data.intents)
    assert {"cramp help", "how much longer", "hold for thirty seconds"} <= set(phrases)
    assert not any(ch.isdigit() for p in phrases for ch in p)


def test_every_intent_word_can_be_recognised(loaded_sphinx):
    """Words the dictionary lacks ("unpause") have a pronunciation in
    data/recognition/pronunciations.dict, so no phrase is left out of the grammar."""
    assert loaded_sphinx.missing_words == []


def test_extra_pronunciations_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    good = tmp_path / "good.dict"
    good.write_text("# comment\n\nunpause AH N P AO Z\n", encoding="utf-8")
    assert extra_pronunciations(good) == {"unpause": "AH N P AO Z"}
    bad = tmp_path / "bad.dict"
    bad.write_text("# comment\nunpause\n", encoding="utf-8")
    with pytest.raises(ModelError, match=r"bad.dict, line 2: a word needs its phones"):
        extra_pronunciations(bad)
    with pytest.raises(ModelError, match="cannot be read"):
        extra_pronunciations(tmp_path / "missing.dict")
    phones = tmp_path / "phones.dict"
    phones.write_text("unpause AH N XX\n", encoding="utf-8")
    with pytest.raises(ModelError, match=r"phones.dict: .*phones given for 'unpause' \(AH N XX\)"):
        PocketSphinxRecognizer(["next", "unpause"],
                               files=SphinxFiles(pronunciations=phones, calibration=None))


def test_streaming_gives_partials_then_one_final(sphinx):
    clip = synthesize("when should I see a doctor")
    results = [r for chunk in clip.chunks(0.1) for r in sphinx.accept(chunk)]
    tail = sphinx.finish()
    finals = [r for r in [*results, tail] if r is not None and r.final]
    assert any(not r.final for r in results)
    assert [r.text for r in finals] == ["when should i see a doctor"]


def test_stream_ending_in_the_middle_of_speech_still_gives_a_final(sphinx):
    clip = synthesize("prevention tips")
    cut = AudioClip(clip.samples[: len(clip.samples) - clip.rate // 2], clip.rate)
    aligned = len(cut.samples) - len(cut.samples) % 480  # whole endpointer frames: empty tail
    for samples in (cut.samples, cut.samples[:aligned]):
        result = recognize_clip(sphinx, AudioClip(samples, clip.rate))
        assert result.final and result.text == "prevention tips"


def test_silence_gives_nothing(sphinx, data: CoachData):
    heard = understand_clip(sphinx, data.matcher(), AudioClip.silence(2.0))
    assert heard.intent is None and heard.text == ""


@pytest.mark.parametrize("text, intent, slots", [
    ("cramp help", "cramp_help", {}),
    ("hold for twenty seconds", "start_hold", {"seconds": 20}),
    ("prevention tips", "prevention_tips", {}),
    ("what do I need", "equipment", {}),
    ("pause", "pause", {}),
    ("unpause", "resume", {}),
])
def test_key_commands_are_understood(sphinx, data: CoachData, text, intent, slots):
    heard = understand_clip(sphinx, data.matcher(), synthesize(text))
    assert (heard.intent, heard.slots) == (intent, slots)


@pytest.mark.slow
def test_accuracy_and_false_accepts_on_held_out_voices(sphinx, data: CoachData):
    """Every sentence test and out-of-domain sentence, spoken by the voices (and speeds)
    bench/calibrate.py never hears, whose sentences it never uses either.

    bench/recognition.py measures the same in noise (figures in the README). Issue 3 asks
    for >= 97% accuracy and < 10% false accepts; the floor, two clips below what the
    engine reaches today, keeps it from silently getting worse.
    """
    positive, negative = labelled_sentences(SENTENCES)
    matcher = data.matcher()
    correct = accepted = 0
    for voice, rate in HELD_OUT_VOICES:
        sphinx.new_speaker()
        correct += sum(c.understood(understand_clip(sphinx, matcher,
                                                    synthesize(c.text, voice, rate)))
                       for c in positive)
        accepted += sum(understand_clip(sphinx, matcher, synthesize(text, voice, rate)).intent
                        is not None for text in negative)
    accuracy = correct / (len(positive) * len(HELD_OUT_VOICES))
    false_accepts = accepted / (len(negative) * len(HELD_OUT_VOICES))
    print(f"accuracy {accuracy:.1%}, false accepts {false_accepts:.1%}")
    assert len(negative) >= 30
    assert accuracy >= ACCURACY_FLOOR
    assert false_accepts <= FALSE_ACCEPT_CEILING


NOISY_FLOORS = {"white 10 dB": 0.74, "white 5 dB": 0.63, "pink 10 dB": 0.82, "pink 5 dB": 0.80}
"""Measured (2026-12-01, with noise suppression): 79.5%, 69.9%, 87.7%, 86.3% (without it,
2026-11-30: 61.6%, 34.2%, 74.0%, 52.1%). Babble (four other people saying
commands at once) is measured too, 0% at both levels: the recognizer rejects what it
hears, it has no floor."""


@pytest.mark.slow
def test_accuracy_in_noise_and_noise_only_clips(sphinx, data: CoachData):
    """Every third sentence test, spoken by the held-out voices, with white, pink and
    babble noise at 10 and 5 dB SNR (bench/recognition.py runs every sentence; figures in
    the README), and clips of noise alone, which must not be taken for commands."""
    positive, _ = labelled_sentences(SENTENCES)
    matcher = data.matcher()
    clips = [(synthesize(c.text, voice, rate), c) for voice, rate in HELD_OUT_VOICES
             for c in positive]
    conditions = Conditions([clip for clip, _ in clips[:40]])
    accuracy = {}
    for name, kind, snr in CONDITIONS[1:]:
        correct = sum(command.understood(understand_clip(
            sphinx, matcher, conditions.apply(clip, kind, snr, i)))
            for i, (clip, command) in enumerate(clips[::3]))
        accuracy[name] = correct / len(clips[::3])
    print(", ".join(f"{name} {rate:.1%}" for name, rate in accuracy.items()))
    for name, floor in NOISY_FLOORS.items():
        assert accuracy[name] >= floor, name
    noise_only = conditions.noise_only()
    accepted = [understand_clip(sphinx, matcher, clip).intent for clip in noise_only]
    assert sum(a is not None for a in accepted) / len(noise_only) < 0.10, accepted


def test_recognize_command_json_with_per_file_errors(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]):
    good = tmp_path / "help.wav"
    clip = synthesize("cramp help")
    stereo_44k = AudioClip(clip.samples, clip.rate).resampled(44100)
    write_audio(good, stereo_44k)
    text_file = tmp_path / "notes.wav"
    text_file.write_text("not audio")
    code = main(["recognize", "--json", "--engine", "pocketsphinx", str(good),
                 str(tmp_path / "missing.wav"), str(text_file)])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1
    assert rows[0] == {"file": str(good), "text": "cramp help", "intent": "cramp_help",
                       "slots": {}, "confidence": rows[0]["confidence"],
                       "engine": "pocketsphinx"}
    assert 0.0 <= rows[0]["confidence"] <= 1.0
    assert rows[1]["error"].endswith("missing.wav: no such file")
    assert rows[2]["error"].endswith(
        "notes.wav: not an audio file this program can read (format not recognised)")


def test_recognize_with_vosk_and_no_model_says_how_to_get_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.delenv("VOICE_COACH_MODEL", raising=False)
    monkeypatch.setenv("VOICE_COACH_MODEL_DIRS", str(tmp_path / "none"))
    assert main(["recognize", "--engine", "vosk", "x.wav"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("voice-coach: error: no Vosk model is installed")
    assert "Traceback" not in err


def test_simulate_audio_goes_through_the_recognizer(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]):
    script = tmp_path / "s.txt"
    script.write_text("cramp help\nwhat do I need\nstop\n")
    assert main(["simulate", "--audio", "--json", "--engine", "pocketsphinx", str(script)]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    users = [(e["text"], e["intent"]) for e in events if e["who"] == "user"]
    assert users == [("cramp help", "cramp_help"), ("what do i need", "equipment"),
                     ("stop", "stop")]


def test_recognize_clip_resamples(sphinx, data: CoachData):
    clip = synthesize("what can I say")
    native = recognize_clip(sphinx, clip).text
    resampled = recognize_clip(sphinx, clip.resampled(48000)).text
    assert data.matcher().understand(native).intent == "list_commands"
    assert data.matcher().understand(resampled).intent == "list_commands"


def test_each_utterance_is_decoded_independently_of_earlier_ones(sphinx):
    """Normalisation is per utterance, so once adapted to the voice (its warp chosen) the
    same clip gives the same result whatever was heard before it, even after a long
    silence."""
    for adapting in ("cramp help", "what do I need", "how much longer"):
        recognize_clip(sphinx, synthesize(adapting))
    assert sphinx.speaker.settled
    clip = synthesize("pause")
    first = recognize_clip(sphinx, clip)
    for other in ("cramp help", "what time is it", "next step"):
        recognize_clip(sphinx, synthesize(other))
    silence = AudioClip.silence(20.0, rate=clip.rate)
    later = recognize_clip(sphinx, AudioClip(np.concatenate([silence.samples, clip.samples]),
                                             clip.rate))
    assert first.text == later.text == "pause"
    # Not to the last digit (measured: 0.024 apart, 0.044 since answers at pauses draw
    # their own): after 20 s of silence the words get other samples of the random noise
    # floor laid under digital silence (sphinx_utterances.py).
    assert later.confidence == pytest.approx(first.confidence, abs=0.06)


def test_adapting_to_a_deep_voice_fixes_what_the_model_mishears(sphinx, data: CoachData):
    """en-us+m3 (a voice calibration never hears) saying "next step" is heard as "repeat
    the step" unwarped; after three ordinary commands the recognizer has chosen a warp
    for a longer vocal tract, and hears it right."""
    # The engine itself (no front end): this is about its warp.
    unadapted = make_recognizer("pocketsphinx", phrase_meanings(data.intents),
                                denoise=False).recognizer
    unadapted.speaker = SpeakerWarp(warps=(1.0,))
    deep = synthesize("next step", "en-us+m3", 170)
    assert recognize_clip(unadapted, deep).text == "repeat the step"
    for text in ("cramp help", "what do I need", "how much longer"):
        assert not sphinx.speaker.settled
        assert recognize_clip(sphinx, synthesize(text, "en-us+m3", 170)).text == text.lower()
    assert sphinx.speaker.settled and sphinx.speaker.chosen < 1.0
    assert recognize_clip(sphinx, deep).text == "next step"
    sphinx.new_speaker()
    assert sphinx.speaker.observed == 0 and sphinx.speaker.chosen == 1.0


def test_only_speech_in_quiet_chooses_the_warp(sphinx):
    """Noise changes which warp fits best, so noisy utterances are decoded at the current
    choice and do not count towards it."""
    clip = synthesize("prevention tips")
    recognize_clip(sphinx, add_noise(clip, "white", 10.0, seed=2))
    assert sphinx.speaker.observed == 0
    recognize_clip(sphinx, clip)
    assert sphinx.speaker.observed == 1


def test_quiet_speech_is_normalised_towards_the_calibrated_mean(sphinx):
    """For clean speech the cepstral mean is blended with the calibrated prior (so the
    utterance's own is measured); in noise the utterance's own mean is used as it is."""
    assert sphinx.cmn_prior is not None and len(sphinx.cmn_prior) == 13
    clip = synthesize("next step")
    assert recognize_clip(sphinx, clip).text == "next step"
    assert sphinx.last_cmn is not None and len(sphinx.last_cmn) == 13
    recognize_clip(sphinx, add_noise(clip, "white", 5.0, seed=3))
    assert sphinx.last_cmn is None


def test_a_calibration_without_a_cmn_prior_gives_none(tmp_path: Path):
    old = tmp_path / "old.yaml"
    old.write_text("weights: [1.0]\nthreshold: 0.0\n", encoding="utf-8")
    assert load_cmn_prior(read_calibration(old)) is None
    assert load_cmn_prior(read_calibration(tmp_path / "missing.yaml")) is None
