"""A phrase must lead the phrases of other meanings in noise (sphinx_decoder.Rivals)."""

from __future__ import annotations

import pytest

from voice_coach.app.data import CoachData
from voice_coach.recognition import phrase_list, phrase_meanings, recognize_clip
from voice_coach.recognition import sphinx as sphinx_module
from voice_coach.recognition.sphinx import PocketSphinxRecognizer
from voice_coach.recognition.sphinx_decoder import NO_RIVAL
from voice_coach.speech import synthesize

SAID = "tips for preventing cramps"


def test_each_phrase_means_what_the_text_matcher_makes_of_it(coach_data: CoachData):
    meanings = phrase_meanings(coach_data.intents)
    assert list(meanings) == phrase_list(coach_data.intents)
    matcher = coach_data.matcher()
    wrong = {p: m for p, m in meanings.items() if matcher.understand(p, 1.0).intent != m}
    assert not wrong
    assert meanings["hold on"] == "pause" and meanings["move on"] == "next"


@pytest.fixture(scope="module")
def recognizer() -> PocketSphinxRecognizer:
    return PocketSphinxRecognizer(phrase_meanings(CoachData.load().intents), adapt=False)


def test_a_clear_phrase_leads_other_meanings_by_far(recognizer: PocketSphinxRecognizer):
    speech = synthesize(SAID, "en-us", 160).samples.tobytes()
    audio = speech + bytes(6400)
    decoder = recognizer._decoder
    means = decoder.means(audio, False, 1.0)
    heard = decoder.hear(speech, audio, means, 1.0)
    assert heard is not None and heard.text == SAID
    assert sphinx_module.LEAD_MIN < decoder.lead(heard, audio, means[1], 1.0) < NO_RIVAL


def test_in_noise_a_phrase_without_a_clear_lead_is_turned_down(
        recognizer: PocketSphinxRecognizer, monkeypatch: pytest.MonkeyPatch):
    clip = synthesize(SAID, "en-us", 160).resampled(16000)
    monkeypatch.setattr(sphinx_module, "LEAD_MIN", NO_RIVAL)  # no real lead is enough
    recognizer.noisy_input = False  # in quiet the lead is not asked for
    assert recognize_clip(recognizer, clip, pad_seconds=0.5).text == SAID
    recognizer.noisy_input = True
    try:
        assert recognize_clip(recognizer, clip, pad_seconds=0.5).text == ""
        monkeypatch.setattr(sphinx_module, "LEAD_MIN", 2.0)
        assert recognize_clip(recognizer, clip, pad_seconds=0.5).text == SAID
    finally:
        recognizer.noisy_input = False


def test_a_plain_phrase_list_measures_no_leads(coach_data: CoachData):
    plain = PocketSphinxRecognizer(phrase_list(coach_data.intents), adapt=False)._decoder
    assert plain.rivals is None
    speech = synthesize(SAID, "en-us", 160).samples.tobytes()
    audio = speech + bytes(6400)
    means = plain.means(audio, False, 1.0)
    heard = plain.hear(speech, audio, means, 1.0)
    assert heard is not None and plain.lead(heard, audio, means[1], 1.0) == NO_RIVAL


def test_a_decoder_holds_one_rival_search_at_a_time(recognizer: PocketSphinxRecognizer):
    """Each intent's rival search takes ~20 MB: a decoder keeps only the last one, and a
    phrase of another meaning gets its own (the lead is the same as when first built)."""
    decoder = recognizer._decoder
    said = {}
    for text in (SAID, "when should i see a doctor", SAID):
        speech = synthesize(text, "en-us", 160).samples.tobytes()
        audio = speech + bytes(6400)
        means = decoder.means(audio, False, 1.0)
        heard = decoder.hear(speech, audio, means, 1.0)
        assert heard is not None and heard.text == text
        said.setdefault(text, []).append(decoder.lead(heard, audio, means[1], 1.0))
    rivals = decoder.rivals
    assert rivals is not None
    assert set(rivals._holding.values()) == {"prevention_tips"}
    first, again = said[SAID]
    assert again == pytest.approx(first)
