"""Choosing a speaker's frequency warp from the fit of their first utterances (pure logic;
tests/test_sphinx_recognition.py runs it on speech)."""

from __future__ import annotations

import pytest

from voice_coach.recognition.speaker import FLOOR, SpeakerWarp

WARPS = (1.0, 0.94, 1.06)


def test_every_warp_is_tried_until_enough_clean_utterances_were_seen():
    speaker = SpeakerWarp(WARPS, probes=2)
    assert speaker.candidates(clean=True) == WARPS
    speaker.observe([1.0, 3.0, 2.0])
    assert not speaker.settled and speaker.candidates(clean=True) == WARPS
    speaker.observe([1.0, 2.0, 1.0])
    assert speaker.settled
    assert speaker.chosen == 0.94  # 5 in all, against 2 and 3
    assert speaker.candidates(clean=True) == (0.94,)


def test_the_warp_that_fits_best_most_often_wins_not_the_best_sum():
    speaker = SpeakerWarp(WARPS, probes=3)
    for margins in ([9.0, 4.0, 0.0], [1.0, 2.0, 0.0], [1.0, 2.0, 0.0]):
        speaker.observe(margins)
    # One long phrase fitted 1.0 much better (sum 11 against 8), but 0.94 fitted best twice.
    assert speaker.chosen == 0.94


def test_a_tie_in_wins_goes_to_the_best_summed_margin():
    speaker = SpeakerWarp(WARPS, probes=2)
    speaker.observe([3.0, 1.0, 0.0])
    speaker.observe([0.0, 1.0, 5.0])
    assert speaker.chosen == 1.06  # one win each for 1.0 and 1.06; sums 3 and 5


def test_utterances_in_noise_are_decoded_at_the_current_choice_only():
    speaker = SpeakerWarp(WARPS, probes=3)
    assert speaker.candidates(clean=False) == (1.0,)
    speaker.observe([0.0, 2.0, 1.0])
    assert speaker.candidates(clean=False) == (0.94,)


def test_an_utterance_that_fits_nowhere_counts_at_most_the_floor():
    speaker = SpeakerWarp(WARPS, probes=2)
    # Nothing found at 1.0 (None), very bad fits elsewhere: all count as FLOOR, so the
    # first warp gets the win, and 0.94's -500 does not decide the sum.
    speaker.observe([None, -500.0, FLOOR - 10])
    speaker.observe([0.0, 5.0, 1.0])
    assert speaker.chosen == 0.94  # one win each for 1.0 and 0.94; sums -30 and -25


def test_ties_go_to_no_warp_and_a_single_warp_never_probes():
    speaker = SpeakerWarp(WARPS)
    assert speaker.chosen == 1.0
    speaker.observe([1.0, 1.0, 1.0])
    assert speaker.chosen == 1.0
    fixed = SpeakerWarp(warps=(1.0,))
    assert fixed.settled and fixed.candidates(clean=True) == (1.0,)


def test_margins_must_match_the_warps():
    with pytest.raises(ValueError):
        SpeakerWarp(WARPS).observe([1.0, 2.0])
    with pytest.raises(ValueError):
        SpeakerWarp(warps=())
