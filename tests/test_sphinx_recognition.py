"""English recognition with the built-in PocketSphinx engine, on espeak-ng speech generated
in the test run, and the `recognize` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from voice_coach.app.coach import CoachData
from voice_coach.app.heard import understand_clip
from voice_coach.audio.clip import AudioClip, write_wav
from voice_coach.cli import main
from voice_coach.recognition import jsgf, make_recognizer, phrase_list, recognize_clip
from voice_coach.recognition.evaluate import VOICES, synthesize

SENTENCES = Path(__file__).parent / "sentences" / "en"


@pytest.fixture(scope="module")
def data() -> CoachData:
    return CoachData.load()


@pytest.fixture(scope="module")
def sphinx(data: CoachData):
    return make_recognizer("pocketsphinx", phrase_list(data.intents)).recognizer


def test_grammar_is_a_prefix_tree_of_the_phrases():
    grammar = jsgf(["next", "next step", "stop"])
    assert "public <phrase> = (next [step] | stop);" in grammar


def test_grammar_comes_from_the_intent_files(data: CoachData):
    phrases = phrase_list(data.intents)
    assert {"cramp help", "how much longer", "hold for thirty seconds"} <= set(phrases)
    assert not any(ch.isdigit() for p in phrases for ch in p)


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
])
def test_key_commands_are_understood(sphinx, data: CoachData, text, intent, slots):
    heard = understand_clip(sphinx, data.matcher(), synthesize(text))
    assert (heard.intent, heard.slots) == (intent, slots)


def _corpus() -> tuple[list[tuple[str, str]], list[str]]:
    positive, negative = [], []
    for f in sorted(SENTENCES.glob("*.yaml")):
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        for test in doc.get("tests", []):
            positive += [(s, test["intent"]) for s in test["sentences"]
                         if not any(ch.isdigit() for ch in s)]
        negative += doc.get("no_match", [])
    return positive, negative


@pytest.mark.slow
def test_accuracy_and_false_accepts_on_synthesized_speech(sphinx, data: CoachData):
    """Every sentence of the sentence tests, spoken by two espeak-ng voices.

    Measured here: about 88-90% intent accuracy and 32-38% false accepts of out-of-domain
    speech. Issue 3 asks for >= 97% and < 10%; the thresholds below guard what works
    today so it does not get worse, and are raised as recognition improves.
    """
    positive, negative = _corpus()
    matcher = data.matcher()
    correct = accepted = 0
    for voice, rate in VOICES[:2]:
        for text, intent in positive:
            correct += understand_clip(sphinx, matcher, synthesize(text, voice, rate)).intent \
                == intent
        for text in negative:
            accepted += understand_clip(sphinx, matcher,
                                        synthesize(text, voice, rate)).intent is not None
    accuracy = correct / (2 * len(positive))
    false_accepts = accepted / (2 * len(negative))
    print(f"accuracy {accuracy:.1%}, false accepts {false_accepts:.1%}")
    assert accuracy >= 0.85
    assert false_accepts <= 0.45


def test_recognize_command_json_with_per_file_errors(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]):
    good = tmp_path / "help.wav"
    clip = synthesize("cramp help")
    stereo_44k = AudioClip(clip.samples, clip.rate).resampled(44100)
    write_wav(good, stereo_44k)
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
    assert "not a PCM WAV file" in rows[2]["error"]


def test_recognize_with_vosk_and_no_model_says_how_to_get_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.delenv("VOICE_COACH_MODEL", raising=False)
    monkeypatch.setattr("voice_coach.recognition.models._REPO_MODELS", tmp_path / "none")
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


def test_recognize_clip_resamples(data: CoachData):
    # A fresh recognizer: PocketSphinx adapts its feature normalisation from one utterance to
    # the next, so a shared one hears borderline clips differently depending on the past.
    fresh = make_recognizer("pocketsphinx", phrase_list(data.intents)).recognizer
    clip = synthesize("what can I say")
    assert recognize_clip(fresh, clip.resampled(48000)).text == "what can i say"
