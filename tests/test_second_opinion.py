"""Whisper's second opinion on utterances the engine turns down, and its check of the ones
it heard (recognition/second_opinion.py): real Whisper tiny.en and real PocketSphinx on
espeak-ng speech; the tests of the correction rule and of which audio the front end keeps
use stand-ins (they test no recognition)."""

from __future__ import annotations

import logging
from concurrent.futures import Future

import numpy as np
import pytest

from bench import noises
from voice_coach.audio.clip import AudioClip
from voice_coach.recognition import Result, make_recognizer, phrase_meanings, second_opinion
from voice_coach.recognition.base import recognize_clip
from voice_coach.recognition.frontend import CHECK_BELOW, SECOND_CONFIDENCE, Denoised
from voice_coach.recognition.second_opinion import (
    DOUBT_BELOW,
    INSTALL,
    NARROWBAND_DOUBT_BELOW,
    NARROWBAND_VETO_MARGIN,
    NOISY_SURE_VETO_MARGIN,
    SURE_CONFIDENCE,
    VETO_MARGIN,
    Hearing,
    SecondOpinion,
    Verdict,
)
from voice_coach.recognition.transcripts import normalise, once, without_final_s
from voice_coach.speech import synthesize


class Asked:
    """The real second opinion, counting what it was asked."""

    def __init__(self, inner: SecondOpinion) -> None:
        self.inner = inner
        self.asked = 0
        self.checked = 0
        self.started = 0

    def prepare(self) -> None:
        self.inner.prepare()

    def start(self, audio: bytes, phrase: str | None = None) -> Hearing | None:
        self.started += 1
        return self.inner.start(audio, phrase)

    def phrase(self, audio: bytes, hearing: Hearing | None = None,
               turned_down: str | None = None) -> str | None:
        self.asked += 1
        return self.inner.phrase(audio, hearing, turned_down)

    def always_checks(self, phrase: str) -> bool:
        return self.inner.always_checks(phrase)

    def check(self, phrase: str, audio: bytes, hearing: Hearing | None = None,
              narrowband: bool = False, noisy: bool = False, confidence: float = 0.0,
              ) -> Verdict:
        self.checked += self.inner.checks(phrase)
        return self.inner.check(phrase, audio, hearing, narrowband, noisy, confidence)


@pytest.fixture(scope="module")
def phrases(coach_data):
    return phrase_meanings(coach_data.intents)


@pytest.fixture(scope="module")
def engine(phrases):
    """PocketSphinx without a front end; each test wraps it and starts a new speaker."""
    return make_recognizer("pocketsphinx", phrases, denoise=False).recognizer


@pytest.fixture(scope="module")
def whisper(phrases):
    opinion = second_opinion.second_opinion(phrases)
    assert opinion is not None, f"Whisper is not installed ({INSTALL})"
    return opinion


def heard(engine, second, text: str, voice: str, kind: str, seed: int) -> tuple[str, float]:
    engine.new_speaker()
    speech = synthesize(text, voice, 160).samples
    if kind == "8k":
        speech = noises.narrowband(speech)
    elif kind != "clean":
        speech = noises.mix(speech, kind, 10.0, seed=seed)
    result = recognize_clip(Denoised(engine, second), AudioClip(speech, noises.RATE))
    return result.text, result.confidence


def test_whispers_words_are_compared_without_case_or_punctuation():
    assert normalise("I\u2019ve got a cramp.") == "i've got a cramp"
    assert normalise("  Next   step!") == "next step"
    # Whisper writes numbers in digits; the phrases say them in words.
    assert normalise("Hold for 30 seconds") == "hold for thirty seconds"
    assert normalise("Count to 95.") == "count to ninety five"
    assert normalise("Stretch for -5 seconds.") == "stretch for minus five seconds"
    assert normalise("1,000 steps, then 115") == "one thousand steps then one hundred fifteen"
    assert normalise("9" * 40 + " seconds") == "seconds"  # too long to say: no words


def test_whispers_words_are_compared_without_a_final_s(phrases, tmp_path):
    assert without_final_s("ten seconds") == "ten second"
    assert without_final_s("yes this is less") == "ye thi is less"  # not "is", not "ss"
    opinion = SecondOpinion(phrases, tmp_path)
    # In noise Whisper loses the "s" noise masks first, or writes one that was not said.
    assert opinion._find("Command.") == "commands"
    assert opinion._find("10 second") == "ten seconds"
    assert opinion._find("Next steps!") == "next step"
    assert opinion._find("Commands") == "commands"  # word for word, as before
    # Every phrase of the coach is found so: no two of different meanings are alike.
    assert all(opinion._find(without_final_s(p)) == p for p in phrases)
    # Where they would be alike, neither is found but word for word.
    two = SecondOpinion({"big hold": "a", "big holds": "b", "big step": "c"}, tmp_path)
    assert two._find("Bigs hold.") is None and two._find("big holds") == "big holds"
    assert two._find("Big steps.") == "big step"


def test_a_phrase_whisper_repeats_counts_once():
    assert once("time left time left time left") == "time left"
    assert once("doctor doctor") == "doctor"
    assert once("next step") == "next step"
    assert once("stop stop go") == "stop stop go"
    # Cut at the token limit in the middle of a repeat:
    assert once("time left time left ti") == "time left"
    assert once("how much longer how much longer how") == "how much longer"
    assert once("how much longer how much") == "how much longer how much"  # once and a bit


def test_whispers_window_is_the_utterance_and_two_seconds_of_silence_at_most_ten():
    from voice_coach.recognition.whisper_worker import window_seconds  # needs Whisper's packages

    assert window_seconds(16000) == 3
    assert window_seconds(16000 * 5 // 2) == 5  # 2.5 s + 2 s, rounded up
    assert window_seconds(16000 * 30) == 10     # a long utterance: its first 10 s


@pytest.mark.slow
@pytest.mark.parametrize("text,voice,wpm", [
    ("repeat", "en-gb-x-rp", 140),     # without the penalty: "Repeat Repeat Repeat ..." x10
    ("time left", "en-us+m3", 170),    # "Time left Time left Time left Time left Time left"
    ("next", "en-us+m3", 170),
])
def test_whisper_says_a_short_command_once(whisper, text, voice, wpm):
    """On the padded window (a second of silence before, as the front end keeps it),
    greedy decoding said short commands again and again to its token limit; the
    repetition penalty ends the transcript after the first (whisper_worker.py)."""
    speech = synthesize(text, voice, wpm).samples
    audio = np.concatenate([np.zeros(16000, np.int16), speech, np.zeros(5333, np.int16)])
    hearing = whisper.start(audio.tobytes())
    assert hearing is not None and hearing.text is not None
    assert normalise(hearing.text.result(timeout=30)) == text


@pytest.mark.slow
def test_a_command_turned_down_in_running_noise_is_heard_by_whisper(engine, whisper):
    """PocketSphinx turns "next step" down in footsteps and breathing (denoised, its
    consonants are gone); Whisper, on the raw audio, hears it."""
    assert heard(engine, None, "next step", "en-us+f3", "steps", 3)[0] == ""
    assert heard(engine, whisper, "next step", "en-us+f3", "steps", 3) == ("next step",
                                                                       SECOND_CONFIDENCE)


@pytest.mark.slow
def test_a_command_turned_down_in_white_noise_is_taken_where_whisper_told_of_it_agrees(
        engine, whisper, phrases, tmp_path):
    """In white noise PocketSphinx decodes "cramp help" but turns it down (another meaning
    comes too close); Whisper alone hears "Grand Elf", told of the commands "Cramp help."
    (second_opinion.py)."""
    assert heard(engine, None, "cramp help", "en-us", "white", 11)[0] == ""
    untold = SecondOpinion(list(phrases), whisper._path)  # no examples: never told
    assert heard(engine, untold, "cramp help", "en-us", "white", 11)[0] == ""
    assert heard(engine, whisper, "cramp help", "en-us", "white", 11) == ("cramp help",
                                                                       SECOND_CONFIDENCE)


@pytest.mark.slow
def test_a_number_whisper_writes_in_digits_is_taken_in_words(engine, whisper):
    """In white noise PocketSphinx turns "sixty seconds" down; Whisper writes "60 seconds",
    which is the phrase "sixty seconds" (transcripts.normalise)."""
    assert heard(engine, None, "sixty seconds", "en", "white", 3)[0] == ""
    assert heard(engine, whisper, "sixty seconds", "en", "white", 3) == ("sixty seconds",
                                                                      SECOND_CONFIDENCE)


@pytest.mark.slow
@pytest.mark.parametrize("text,seed", [("commands", 0), ("ten seconds", 5)])
def test_a_command_whisper_hears_without_its_final_s_is_taken(engine, whisper, text, seed,
                                                                caplog):
    """In white noise PocketSphinx turns these down; Whisper writes "Command" and "10
    second", the phrases but for their final "s" (transcripts.without_final_s)."""
    assert heard(engine, None, text, "en", "white", seed)[0] == ""
    with caplog.at_level(logging.DEBUG, logger="voice_coach.recognition.second_opinion"):
        assert heard(engine, whisper, text, "en", "white", seed) == (text, SECOND_CONFIDENCE)
    assert f"taken as {text!r} (a final s)" in caplog.text


@pytest.mark.slow
@pytest.mark.parametrize("text,voice,kind,seed", [
    ("nice day for a run", "en-us+f3", "steps", 3),      # Whisper: "Nice game for the run."
    ("play my running playlist", "en", "wind", 1010),    # Whisper hears it right
])
def test_unrelated_speech_whisper_hears_stays_unrelated(engine, whisper, text, voice, kind,
                                                        seed):
    asked = Asked(whisper)
    assert heard(engine, asked, text, voice, kind, seed)[0] == ""
    assert asked.asked == 1


def test_whisper_is_not_asked_about_noise_alone_and_does_not_delay_a_stop(engine, whisper):
    asked = Asked(whisper)
    steps = noises.noise_only("steps", 3.0, 3000.0, seed=2007)  # opens an utterance
    engine.new_speaker()
    front = Denoised(engine, asked)
    assert recognize_clip(front, AudioClip(steps, noises.RATE)).text == ""
    assert asked.started == 0  # not even started: the voice detector heard no speech
    assert heard(engine, asked, "stop", "en-us", "clean", 0)[0] == "stop"
    assert asked.asked == asked.checked == 0


@pytest.mark.slow
def test_a_command_understood_surely_in_quiet_is_not_checked(engine, whisper):
    asked = Asked(whisper)
    text, confidence = heard(engine, asked, "how much longer", "en-us", "clean", 0)
    assert text == "how much longer" and confidence >= CHECK_BELOW
    assert (asked.asked, asked.checked) == (0, 0)


@pytest.mark.slow
@pytest.mark.parametrize("text,voice,kind,decoded", [
    ("good morning", "en", "8k", "what will we need"),  # Whisper: "Good morning."
    ("good morning", "en", "clean", "what will we need"),  # in quiet, the engine unsure
    ("call my mom", "en", "8k", "hold on"),
    ("skip the warm up", "en", "8k", "give me a moment"),  # fit -3.3: NARROWBAND_VETO_MARGIN
    ("play some music", "en-us-nyc", "steps", "wait a minute"),
])
def test_unrelated_speech_the_engine_forces_onto_a_phrase_is_turned_down(engine, whisper, text,
                                                                         voice, kind, decoded):
    """From a headset or in noise PocketSphinx takes these for commands; Whisper hears other
    words that fit far better."""
    assert heard(engine, None, text, voice, kind, 3)[0] == decoded
    asked = Asked(whisper)
    assert heard(engine, asked, text, voice, kind, 3) == ("", 0.0)
    assert asked.checked == 1


@pytest.mark.slow
def test_recognizers_sharing_whisper_each_get_their_own_utterance_weighed(engine, whisper,
                                                                         phrases):
    """Every recognizer of the process shares one Whisper worker, which keeps the last few
    utterances for the fit: another recognizer's utterances, before or in between, must not
    be taken for this one's (nor push it out)."""
    from voice_coach.recognition.whisper_worker import KEPT  # needs Whisper's packages

    speech = synthesize("next step").samples.tobytes()
    for _ in range(KEPT + 1):
        whisper.start(speech)
    other = Asked(SecondOpinion(phrases, whisper._path))  # the same worker
    assert heard(engine, other, "good morning", "en", "clean", 3) == ("", 0.0)
    assert other.checked == 1


@pytest.mark.slow
@pytest.mark.parametrize("text,engine_heard,confidence", [
    # The engine is sure of a wake phrase; Whisper hears "I got a camp.": "cramp" -7.4.
    ("I've got a camp", "i've got a cramp", SECOND_CONFIDENCE),
    ("I got a cramp", "i got a cramp", 0.99),  # Whisper: "I got a cramp.": as sure as it was
])
def test_a_wake_phrase_is_checked_however_sure_the_engine_is(engine, whisper, text,
                                                             engine_heard, confidence):
    """A wake phrase taken wrongly starts a treatment nobody asked for: Whisper checks it
    even in quiet, and where a word of it was not said, it is taken but not sure (said
    once, it does not wake the coach: app/wake.py)."""
    sure = heard(engine, None, text, "en-us", "clean", 0)
    assert sure[0] == engine_heard and sure[1] >= CHECK_BELOW
    asked = Asked(whisper)
    assert heard(engine, asked, text, "en-us", "clean", 0) == pytest.approx((engine_heard,
                                                                            confidence), abs=0.01)
    assert asked.checked == 1


@pytest.mark.slow
@pytest.mark.parametrize("text,engine_heard,transcribed,sure", [
    ("I got a cramp", "i got a cramp", False, True),
    # "cramp" -8.1 by itself: the transcript ("I got a camp.") decides, and doubts it.
    ("I got a camp", "i got a cramp", True, False),
])
def test_a_wake_phrase_answered_at_a_pause_is_weighed_before_it_is_transcribed(
        engine, whisper, monkeypatch, text, engine_heard, transcribed, sure):
    """Where the engine offers a wake phrase at a pause (once the voice's warp is chosen),
    Whisper weighs that phrase alone while the pause is confirmed. Clearly said, it fits
    well enough that no transcript is needed, and the wake does not wait for one."""
    front = Denoised(engine, whisper)
    engine.new_speaker()
    for warm_up in ("next", "repeat", "how much longer"):  # the warp is chosen first
        recognize_clip(front, AudioClip(synthesize(warm_up, "en-us", 160).samples,
                                        noises.RATE))
    asked: list[str] = []
    submit = whisper._submit

    def noting(name: str, *args: object) -> Future[object] | None:
        asked.append(name)
        return submit(name, *args)

    monkeypatch.setattr(whisper, "_submit", noting)
    result = recognize_clip(front, AudioClip(synthesize(text, "en-us", 160).samples,
                                             noises.RATE))
    assert result.text == engine_heard
    assert asked[0] == "fit"  # at a pause (at each, if the speech went on after one)
    assert ("hear" in asked) == transcribed
    assert (result.confidence > SECOND_CONFIDENCE) == sure


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["8k", "steps"])
def test_a_command_understood_from_a_headset_or_in_noise_is_checked_and_kept(engine, whisper,
                                                                            kind):
    asked = Asked(whisper)
    text, confidence = heard(engine, asked, "how much longer", "en-us", kind, 0)
    assert text == "how much longer" and confidence > SECOND_CONFIDENCE
    assert (asked.asked, asked.checked) == (0, 1)
    # Whisper was started where the speech ended, alongside the engine's decode, and that
    # transcript is the one the check used: it transcribed the utterance once.
    assert asked.started == 1


@pytest.mark.slow
def test_a_command_the_engine_takes_for_another_is_put_right_by_whisper(engine, whisper):
    """From an 8 kHz headset PocketSphinx hears "quit" as "wait" (a pause, not the stop
    asked for: the /k/ is above 4 kHz); Whisper hears "quit"."""
    assert heard(engine, None, "quit", "en-us", "8k", 0)[0] == "wait"
    assert heard(engine, whisper, "quit", "en-us", "8k", 0) == ("quit", SECOND_CONFIDENCE)


def _answering(opinion: SecondOpinion, text: str, fit: float,
               weakest: float = 0.0) -> SecondOpinion:
    """`opinion` with Whisper's answers given: its transcript `text`, the engine's phrase
    fitting `fit` worse, its least likely token at `weakest`."""
    answer: Future[str] = Future()
    answer.set_result(text)
    opinion.start = lambda audio: Hearing(1, answer)  # type: ignore[method-assign]
    opinion._weigh = lambda key, phrase: (fit, weakest)  # type: ignore[method-assign]
    return opinion


@pytest.mark.parametrize("engine_heard,whisper_heard,fit,taken", [
    ("wait", "Quit.", -6.0, "quit"),          # another meaning: Whisper's phrase
    ("wait", "Hold on!", -6.0, "wait"),       # the same meaning: the engine's stays
    ("next", "Yeah.", -6.0, "next"),          # a yes never overrules
    ("not yet", "Next.", -6.0, "next"),
    ("next", "Nah.", -6.0, "next"),           # nor a no
    ("next", "", 0.0, "next"),                # nothing heard
    ("what will we need", "Good morning.", VETO_MARGIN - 0.1, None),  # far worse: turned down
    ("what will we need", "What we need.", VETO_MARGIN + 0.1, "what will we need"),
    ("ten seconds", "Ten second.", VETO_MARGIN - 0.1, "ten seconds"),  # but for an "s"
    ("commands", "Command.", VETO_MARGIN - 0.1, "commands"),
])
def test_what_whispers_transcript_makes_of_the_engines_phrase(phrases, tmp_path, engine_heard,
                                                              whisper_heard, fit, taken):
    """The rule alone: Whisper's answer is given, not recognised."""
    opinion = _answering(SecondOpinion(phrases, tmp_path), whisper_heard, fit)
    assert opinion.check(engine_heard, b"\0\0" * 1600) == Verdict(taken)


@pytest.mark.parametrize("whisper_heard,fit,weakest,verdict", [
    ("Crap!", 1.2, DOUBT_BELOW - 4.9, Verdict("cramp help", doubted=True)),  # no "help" said
    ("Crem Hell", -1.0, DOUBT_BELOW + 1.7, Verdict("cramp help")),  # every word likely enough
    ("Cramp help.", 0.0, 0.0, Verdict("cramp help")),  # the same phrase: nothing weighed
    ("Good morning.", VETO_MARGIN - 0.1, DOUBT_BELOW - 1, Verdict(None)),
])
def test_a_phrase_with_a_word_whisper_finds_unlikely_is_taken_but_doubted(
        phrases, tmp_path, whisper_heard, fit, weakest, verdict):
    """The rule alone: Whisper's answer is given, not recognised."""
    opinion = _answering(SecondOpinion(phrases, tmp_path), whisper_heard, fit, weakest)
    assert opinion.check("cramp help", b"\0\0" * 1600) == verdict


@pytest.mark.parametrize("weakest,noisy,doubted", [
    (DOUBT_BELOW - 0.5, False, True),
    (DOUBT_BELOW - 9.0, True, False),  # in noise every word is less likely to Whisper
])
def test_a_phrase_is_doubted_in_quiet_only(phrases, tmp_path, weakest, noisy, doubted):
    opinion = _answering(SecondOpinion(phrases, tmp_path), "Crem Hell", -1.0, weakest)
    assert opinion.check("cramp help", b"\0\0" * 1600, noisy=noisy) == Verdict(
        "cramp help", doubted=doubted)


@pytest.mark.parametrize("weakest,narrowband,doubted", [
    (DOUBT_BELOW - 0.5, False, True),
    (DOUBT_BELOW - 0.5, True, NARROWBAND_DOUBT_BELOW > DOUBT_BELOW - 0.5),
    (NARROWBAND_DOUBT_BELOW - 0.5, True, True),
])
def test_through_an_8_khz_channel_a_word_must_be_less_likely_to_be_doubted(
        phrases, tmp_path, weakest, narrowband, doubted):
    """Whisper hears less of every word through a headset's channel: its bar is lower."""
    assert NARROWBAND_DOUBT_BELOW < DOUBT_BELOW
    opinion = _answering(SecondOpinion(phrases, tmp_path), "Crem Hell", -1.0, weakest)
    assert opinion.check("cramp help", b"\0\0" * 1600, narrowband=narrowband) == Verdict(
        "cramp help", doubted=doubted)


@pytest.mark.parametrize("fit,narrowband,taken", [
    (NARROWBAND_VETO_MARGIN - 0.1, True, None),
    (NARROWBAND_VETO_MARGIN - 0.1, False, "what will we need"),
    (NARROWBAND_VETO_MARGIN + 0.1, True, "what will we need"),
    (VETO_MARGIN - 0.1, False, None),
])
def test_through_an_8_khz_channel_other_words_need_fit_less_far_better_to_turn_a_phrase_down(
        phrases, tmp_path, fit, narrowband, taken):
    """Through a headset's channel Whisper is less sure of its own words too: unrelated
    speech forced onto a phrase fits it less badly, and the bar is higher."""
    assert VETO_MARGIN < NARROWBAND_VETO_MARGIN - 0.1
    opinion = _answering(SecondOpinion(phrases, tmp_path), "Good morning.", fit)
    assert opinion.check("what will we need", b"\0\0" * 1600,
                         narrowband=narrowband) == Verdict(taken)


@pytest.mark.parametrize("phrase,noisy,confidence,narrowband,taken", [
    ("what will we need", True, SURE_CONFIDENCE, False, True),  # sure, in noise: taken
    ("what will we need", True, SURE_CONFIDENCE - 0.01, False, False),  # unsure
    ("what will we need", False, 1.0, False, False),  # in quiet Whisper hears words well
    ("what will we need", True, 1.0, True, False),  # through a headset: its own bar
    ("cramp help", True, 1.0, False, False),  # a wake phrase: never on a looser bar
])
def test_in_noise_a_phrase_the_engine_is_sure_of_needs_other_words_to_fit_far_better_still(
        phrases, tmp_path, phrase, noisy, confidence, narrowband, taken):
    """In noise Whisper is less sure of a command's words; unrelated speech forced onto a
    phrase mostly leaves the engine unsure too. Only where the engine is sure, in noise,
    is the veto's bar lowered (never for a wake phrase)."""
    assert NOISY_SURE_VETO_MARGIN < VETO_MARGIN - 0.1
    fit = min(VETO_MARGIN, NARROWBAND_VETO_MARGIN) - 0.1
    opinion = _answering(SecondOpinion(phrases, tmp_path), "Good morning.", fit)
    assert opinion.check(phrase, b"\0\0" * 1600, narrowband=narrowband, noisy=noisy,
                         confidence=confidence) == Verdict(phrase if taken else None)
    opinion = _answering(SecondOpinion(phrases, tmp_path), "Good morning.",
                         NOISY_SURE_VETO_MARGIN - 0.1)
    assert opinion.check(phrase, b"\0\0" * 1600, narrowband=narrowband, noisy=noisy,
                         confidence=confidence) == Verdict(None)


def _weighed_first(opinion: SecondOpinion, phrase: str, fit: float, weakest: float,
                   transcript: str, asked: list[str]) -> Hearing:
    """A hearing that weighed `phrase` first (`fit`, `weakest`); the transcript
    `transcript` if asked for (noted in `asked`), which the engine's phrase then fits 1
    worse than."""
    weighed: Future[tuple[float, float]] = Future()
    weighed.set_result((fit, weakest))

    def submit(name: str, *args: object) -> Future[object]:
        asked.append(name)
        answer: Future[object] = Future()
        answer.set_result(transcript if name == "hear" else (-1.0, weakest))
        return answer

    opinion._submit = submit  # type: ignore[method-assign]
    return Hearing(1, None, phrase, weighed)


@pytest.mark.parametrize("fit,weakest,narrowband,noisy,transcribed,verdict", [
    # Fits better than the veto's bar and no word unlikely: no transcript can change that.
    (VETO_MARGIN + 0.1, DOUBT_BELOW + 0.1, False, False, False, Verdict("cramp help")),
    (NARROWBAND_VETO_MARGIN + 0.1, NARROWBAND_DOUBT_BELOW + 0.1, True, False, False,
     Verdict("cramp help")),
    (VETO_MARGIN + 0.1, DOUBT_BELOW - 5.0, False, True, False,  # in noise nothing is doubted
     Verdict("cramp help")),
    # A word unlikely, or a fit the transcript's words may beat: the transcript decides.
    (VETO_MARGIN + 0.1, DOUBT_BELOW - 0.1, False, False, True,
     Verdict("cramp help", doubted=True)),
    (VETO_MARGIN - 0.1, DOUBT_BELOW + 0.1, False, False, True, Verdict("cramp help")),
    (NARROWBAND_VETO_MARGIN - 0.1, NARROWBAND_DOUBT_BELOW + 0.1, True, False, True,
     Verdict("cramp help")),
])
def test_a_wake_phrase_that_fits_clearly_is_taken_without_waiting_for_a_transcript(
        phrases, tmp_path, fit, weakest, narrowband, noisy, transcribed, verdict):
    """The rule alone: Whisper's answers are given, not recognised. Whisper's own words
    fit at best with log-probability 0, so a phrase fitting better than the veto's bar
    is never turned down whatever they are."""
    opinion, asked = SecondOpinion(phrases, tmp_path), []
    hearing = _weighed_first(opinion, "cramp help", fit, weakest, "Crem Hell", asked)
    assert opinion.check("cramp help", b"\0\0" * 1600, hearing, narrowband, noisy) == verdict
    assert ("hear" in asked) == transcribed


def test_a_weighing_of_another_phrase_is_not_taken_for_the_check(phrases, tmp_path):
    """The engine answered another phrase than the one it offered at the pause: Whisper's
    transcript decides ("Good morning.", which the engine's phrase fits far worse)."""
    opinion, asked = SecondOpinion(phrases, tmp_path), []
    hearing = _weighed_first(opinion, "cramp help", 0.0, 0.0, "Good morning.", asked)
    opinion._weigh = lambda key, phrase: (VETO_MARGIN - 1, -9.0)  # type: ignore[method-assign]
    assert opinion.check("what will we need", b"\0\0" * 1600, hearing) == Verdict(None)
    assert asked == ["hear"]


def _told(opinion: SecondOpinion, untold: str, told: str) -> list[str]:
    """`opinion` with Whisper's transcripts given: `untold`, and `told` once told of the
    commands; returns the calls made of the worker."""
    asked: list[str] = []

    def answer(text: str) -> Future[str]:
        future: Future[str] = Future()
        future.set_result(text)
        return future

    def submit(name: str, *args: object) -> Future[str]:
        asked.append(name)
        return answer(told)

    opinion.start = lambda audio: Hearing(1, answer(untold))  # type: ignore[method-assign]
    opinion._submit = submit  # type: ignore[method-assign]
    return asked


@pytest.mark.parametrize("untold,told,turned_down,taken,asked", [
    ("Next step.", "Next.", "next", "next step", []),       # a phrase untold: taken as is
    ("30 seconds.", "", "thirty seconds", "thirty seconds", []),  # numbers in words
    ("I'm left.", "Time left.", "time left", "time left", ["hear_told"]),  # they agree
    ("I'm left.", "Time left?", "how much longer", "time left", ["hear_told"]),  # same meaning
    ("This.", "Yes.", "quit", None, ["hear_told"]),          # told, Whisper hears another
    ("Nice day for a run.", "Nice day for a run.", "next", None, ["hear_told"]),
    ("Command.", "", "move on", "commands", []),             # a phrase but for an "s"
    ("I'm left.", "Time lefts.", "time left", "time left", ["hear_told"]),
    ("I'm left.", "Time left.", None, None, []),             # the engine decoded nothing
    ("", "Time left.", "time left", None, []),               # Whisper heard no words
])
def test_a_phrase_turned_down_is_taken_where_whisper_told_of_the_commands_agrees(
        phrases, tmp_path, untold, told, turned_down, taken, asked):
    """The rule alone: Whisper's answers are given, not recognised."""
    opinion = SecondOpinion(phrases, tmp_path)
    calls = _told(opinion, untold, told)
    assert opinion.phrase(b"\0\0" * 1600, None, turned_down) == taken
    assert calls == asked


def test_whisper_is_told_one_example_of_each_command(phrases, tmp_path):
    told = SecondOpinion(phrases, tmp_path)._commands
    assert told.startswith("Hold for thirty seconds. ") and told.endswith(" Stop.")
    assert "Cramp help." in told and "When should I see a doctor." in told
    # Given a plain list of phrases (no examples), it is never told, so never asked again.
    plain = SecondOpinion(list(phrases), tmp_path)
    calls = _told(plain, "I'm left.", "Time left.")
    assert plain.phrase(b"\0\0" * 1600, None, "time left") is None and calls == []


def test_a_stop_is_never_checked(phrases, tmp_path):
    opinion = _answering(SecondOpinion(phrases, tmp_path), "Next.", -9.0)
    assert not opinion.checks("stop") and opinion.checks("wait")
    assert opinion.check("stop", b"\0\0" * 1600) == Verdict("stop")


def test_without_whispers_packages_the_coach_says_so_and_runs(phrases, monkeypatch):
    monkeypatch.setattr(second_opinion, "model_path", lambda: None)
    choice = make_recognizer("pocketsphinx", phrases)
    assert INSTALL in choice.notice
    assert choice.recognizer.second is None
    clip = AudioClip(noises.mix(synthesize("stop").samples, "traffic", 10.0, seed=1),
                     noises.RATE)
    assert recognize_clip(choice.recognizer, clip).text == "stop"


def test_a_broken_whisper_model_is_reported_and_left_out(phrases, tmp_path, caplog):
    broken = SecondOpinion(phrases, tmp_path)  # no model in it
    speech = synthesize("next step").samples.tobytes()
    with caplog.at_level(logging.WARNING):
        assert broken.phrase(speech) is None
    assert broken.failed and "second opinion is off" in caplog.text
    assert broken.phrase(speech) is None  # not asked again


class Scripted:
    """An engine stand-in that starts and ends utterances where told; it recognises
    nothing (the test that uses it tests which audio the front end keeps)."""

    name = "scripted"

    def __init__(self, script: dict[int, Result]) -> None:
        self.script = script
        self.chunks = 0
        self.noisy_input = False

    def accept(self, chunk: bytes) -> list[Result]:
        self.chunks += 1
        return [self.script[self.chunks]] if self.chunks in self.script else []

    def finish(self) -> Result | None:
        return None

    def new_speaker(self) -> None: ...

    def learn(self, text: str) -> None: ...


class Notes:
    """A second opinion stand-in that notes the audio it is given and finds nothing."""

    def __init__(self) -> None:
        self.audio: list[np.ndarray] = []
        self.checked: list[np.ndarray] = []
        self.narrowband: list[bool] = []
        self.noisy: list[bool] = []
        self.turned_down: list[str | None] = []

    def prepare(self) -> None: ...

    def start(self, audio: bytes, phrase: str | None = None) -> Hearing | None:
        return None

    def phrase(self, audio: bytes, hearing: Hearing | None = None,
               turned_down: str | None = None) -> str | None:
        self.audio.append(np.frombuffer(audio, dtype="<i2"))
        self.turned_down.append(turned_down)
        return None

    def always_checks(self, phrase: str) -> bool:
        return False

    def check(self, phrase: str, audio: bytes, hearing: Hearing | None = None,
              narrowband: bool = False, noisy: bool = False, confidence: float = 0.0,
              ) -> Verdict:
        self.checked.append(np.frombuffer(audio, dtype="<i2"))
        self.narrowband.append(narrowband)
        self.noisy.append(noisy)
        return Verdict(phrase)


def test_whisper_hears_an_utterance_turned_down_with_the_one_before_but_no_command_again():
    started, accepted, rejected = (Result("", 0.0, final=False), Result("next", 0.9, final=True),
                                   Result("", 0.0, final=True))
    engine = Scripted({5: started, 10: accepted, 12: started, 15: rejected, 20: started,
                       22: rejected})
    engine.last_narrowband = True  # type: ignore[attr-defined]  # so the command is checked
    notes = Notes()
    front = Denoised(engine, notes)  # type: ignore[arg-type]
    for i in range(1, 25):  # 0.1 s chunks, each holding its number
        front.accept(np.full(1600, i, dtype="<i2").tobytes())
    first, second = (sorted(set(a.tolist())) for a in notes.audio)
    (command,) = (sorted(set(a.tolist())) for a in notes.checked)
    assert command == list(range(1, 11))  # the command, from a second before it started
    assert notes.narrowband == [True]  # told the channel, for the bar of its doubt
    assert first == list(range(11, 16))  # after the command acted on, to the utterance's end
    assert second == list(range(11, 23))  # the utterance turned down just before, too


def test_whisper_is_given_the_phrase_the_engine_turned_down():
    engine = Scripted({5: Result("", 0.0, final=False), 10: Result("", 0.0, final=True)})
    engine.turned_down = "time left"  # type: ignore[attr-defined]
    notes = Notes()
    front = Denoised(engine, notes)  # type: ignore[arg-type]
    for i in range(1, 12):
        front.accept(np.full(1600, i, dtype="<i2").tobytes())
    assert notes.turned_down == ["time left"]


class Doubting(Notes):
    """A second opinion stand-in that checks wake phrases always and doubts them in quiet
    (as `SecondOpinion.check` does a phrase with a word Whisper finds unlikely)."""

    def always_checks(self, phrase: str) -> bool:
        return phrase == "cramp help"

    def check(self, phrase: str, audio: bytes, hearing: Hearing | None = None,
              narrowband: bool = False, noisy: bool = False, confidence: float = 0.0,
              ) -> Verdict:
        super().check(phrase, audio, hearing, narrowband, noisy, confidence)
        return Verdict(phrase, doubted=not noisy)


@pytest.mark.parametrize("noisy,confidence", [(False, SECOND_CONFIDENCE), (True, 0.95)])
def test_a_doubted_phrase_is_taken_unsure_in_quiet_and_as_heard_in_noise(noisy, confidence):
    """In quiet a phrase Whisper doubts is taken but not sure (said once, a wake phrase does
    not wake the coach); in noise, where every word is less likely to Whisper, the check
    is told so (and doubts nothing): as heard."""
    engine = Scripted({5: Result("", 0.0, final=False), 10: Result("cramp help", 0.95, True)})
    doubting = Doubting()
    front = Denoised(engine, doubting)  # type: ignore[arg-type]
    rng = np.random.default_rng(0)
    finals = []
    for _ in range(12):  # 0.1 s chunks of silence, or of loud noise
        chunk = rng.normal(0, 3000 if noisy else 0, 1600).astype("<i2").tobytes()
        finals += [r for r in front.accept(chunk) if r.final]
    assert front.denoising == noisy
    assert len(doubting.checked) == 1  # checked although the engine was sure
    assert doubting.narrowband == [False]
    assert doubting.noisy == [noisy]
    assert [(r.text, r.confidence) for r in finals] == [("cramp help", confidence)]
