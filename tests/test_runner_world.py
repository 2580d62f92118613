"""The runner's world (bench/runner_world.py) as a slow test: a held-out voice's commands
in each generated outdoor noise at 10 dB SNR, and noise alone, through the whole front end
(noise suppression, voice activity, PocketSphinx, rejection). The floors guard against
regressions; they are not issue 26's targets (docs/recognition.md has the figures)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench import noises
from bench.evaluate import HELD_OUT_VOICES, Command, labelled_sentences
from bench.runner_world import TALKERS
from voice_coach.app.data import CoachData
from voice_coach.app.understand import understand_clip
from voice_coach.app.wake import WakeGate, wake_confidence
from voice_coach.audio import AudioClip
from voice_coach.intents import Heard
from voice_coach.recognition import make_recognizer, phrase_meanings
from voice_coach.recognition.sphinx_utterances import nearest_voice
from voice_coach.speech import synthesize

SENTENCES = Path(__file__).parent / "sentences" / "en"
KINDS = ("wind", "steps", "traffic", "rain", "white", "pink")
FLOOR = 0.55
"""Commands understood at 10 dB, every kind: at least 11 of these 19 (measured: 13 to 16;
with both held-out voices 76% to 90%, docs/recognition.md)."""
PARTNER_FLOOR = 6
"""Commands understood of the 19 with a partner talking 20 dB under the runner (measured:
9, 1 taken for another; without the nearest voice's second decode, 0 and 2)."""


@pytest.fixture(scope="module")
def world(coach_data: CoachData):
    recognizer = make_recognizer("pocketsphinx", phrase_meanings(coach_data.intents)).recognizer
    voice, rate = HELD_OUT_VOICES[0]
    positive, _ = labelled_sentences(SENTENCES)
    clips = [(synthesize(c.text, voice, rate).samples, c) for c in positive[::6]]
    return recognizer, coach_data.matcher(), clips


def _pairs(heard: list[Heard], clips: list[tuple[np.ndarray, Command]]) -> list[tuple[str, str]]:
    """(what was heard, what was said) per clip, for a failure's message."""
    return [(h.text, c.text) for h, (_, c) in zip(heard, clips, strict=True)]


def test_the_benches_count_a_hold_of_another_length_as_not_understood(coach_data: CoachData):
    """A command is understood when its intent is, and the hold's length as said: "fifteen
    seconds" heard as "fifty" starts a hold the runner did not ask for."""
    positive, _ = labelled_sentences(SENTENCES)
    matcher = coach_data.matcher()
    hold = next(c for c in positive if c.text == "hold for thirty seconds")
    assert hold.slots == {"seconds": 30}
    assert hold.understood(matcher.understand("hold for thirty seconds"))
    assert hold.understood(matcher.understand("count to thirty"))
    assert not hold.understood(matcher.understand("hold for forty seconds"))
    assert not hold.understood(matcher.understand("start the count"))
    assert not hold.understood(matcher.understand("what is the weather like"))
    plain = next(c for c in positive if c.intent == "next")
    assert plain.slots is None
    assert plain.understood(matcher.understand(plain.text))
    assert sum(c.slots is not None and "seconds" in c.slots for c in positive) >= 8


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_commands_are_understood_in_outdoor_noise(world, kind: str):
    recognizer, matcher, clips = world
    recognizer.new_speaker()
    heard = [understand_clip(recognizer, matcher,
                             AudioClip(noises.mix(x, kind, 10.0, seed=i), noises.RATE))
             for i, (x, _) in enumerate(clips)]
    right = sum(c.understood(h) for h, (_, c) in zip(heard, clips, strict=True))
    print(f"{kind} 10 dB: {right} of {len(clips)}")
    assert right / len(clips) >= FLOOR, _pairs(heard, clips)


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_outdoor_noise_alone_is_never_a_command_and_never_wakes_the_coach(world, kind: str):
    recognizer, matcher, _ = world
    gate = WakeGate(wake_confidence(recognizer))
    for seed in range(2000, 2004):
        clip = AudioClip(noises.noise_only(kind, 3.0, 3000.0, seed=seed), noises.RATE)
        heard = understand_clip(recognizer, matcher, clip)
        assert heard.intent is None, (kind, seed, heard)
        assert not gate.wakes(heard, t=float(seed))


def _with_partner(command, talk, snr_db: float):
    """`command` (int16) with a partner's sentences `snr_db` under it, a second before and
    after it and over it, as people talk."""
    pad = np.zeros(noises.RATE, dtype=np.int16)
    x = np.concatenate([pad, command, pad])
    level = np.sqrt(noises.speech_power(command) / 10 ** (snr_db / 10))
    partner = np.concatenate(talk)[:len(x)].astype(np.float64)
    partner = np.pad(partner, (0, len(x) - len(partner)))
    partner *= level / np.sqrt(noises.speech_power(partner.astype(np.int16)))
    return np.clip(x + partner, -32768, 32767).astype(np.int16), len(pad)


def test_the_nearest_voice_is_the_command_without_a_faint_partner_around_it():
    command = synthesize("how much longer", "en-us", 160).samples
    talk = [synthesize(s, TALKERS[0], 170).samples
            for s in ("I think it's going to rain", "the traffic is terrible")]
    mixed, start = _with_partner(command, talk, 20.0)
    nearest = nearest_voice(mixed.tobytes())
    assert nearest is not None
    voiced = np.flatnonzero(np.abs(command) > 300)
    said = (start + voiced[0]) / noises.RATE, (start + voiced[-1]) / noises.RATE
    kept = len(nearest) / 2 / noises.RATE
    # The partner's second before and after is gone; the command is all there.
    assert said[1] - said[0] <= kept <= said[1] - said[0] + 0.5, (said, kept)
    at = mixed.tobytes().find(nearest) / 2 / noises.RATE
    assert at <= said[0] and at + kept >= said[1], (at, kept, said)
    # Alone, the command keeps every voiced sound, its soft edges too.
    alone = nearest_voice(command.tobytes())
    assert alone is not None
    at = command.tobytes().find(alone) // 2
    assert at <= voiced[0] and at + len(alone) // 2 >= voiced[-1]


@pytest.mark.slow
def test_commands_are_understood_with_a_partner_talking_a_metre_away(world):
    """A partner talking some 20 dB under the runner, before, during and after the
    command: the nearest voice is decoded once more (sphinx_utterances.nearest_voice)."""
    recognizer, matcher, clips = world
    recognizer.new_speaker()
    _, negative = labelled_sentences(SENTENCES)
    talk = [synthesize(s, TALKERS[i % 2], 170).samples for i, s in enumerate(negative[::3])]
    heard = []
    for i, (x, _) in enumerate(clips):
        mixed, _ = _with_partner(x, talk[i % len(talk):] + talk[:i % len(talk)], 20.0)
        heard.append(understand_clip(recognizer, matcher, AudioClip(mixed, noises.RATE)))
    right = sum(c.understood(h) for h, (_, c) in zip(heard, clips, strict=True))
    wrong = sum(h.intent is not None and not c.understood(h)
                for h, (_, c) in zip(heard, clips, strict=True))
    print(f"partner 20 dB: {right} right, {wrong} wrong of {len(clips)}")
    assert right >= PARTNER_FLOOR, _pairs(heard, clips)
    assert wrong <= 2, _pairs(heard, clips)
