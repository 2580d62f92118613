"""Speech output: pyttsx3 rendered to clips, timing from real lengths, cut-off, failure."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

from voice_coach.app.playback import Playback, estimate_seconds, texts_to_prerender
from voice_coach.audio import AudioClip
from voice_coach.audio.sinks import TimelineSink
from voice_coach.dialogue import Say, VirtualClock
from voice_coach.speech import Pyttsx3Synthesizer, SpeechError


@pytest.fixture(scope="module")
def synth() -> Pyttsx3Synthesizer:
    return Pyttsx3Synthesizer()


def test_renders_audible_speech_of_plausible_length(synth: Pyttsx3Synthesizer):
    short = synth.render("Hold it there.")
    long = synth.render("Hold it there. I'll count to thirty. Keep breathing slowly and evenly.")
    assert short.rate >= 16000
    assert 0.4 < short.seconds < 3.0
    assert long.seconds > 2 * short.seconds
    assert np.abs(short.samples.astype(np.int32)).max() > 2000


def test_count_numbers_are_prerendered_and_shorter_than_the_interval(synth: Pyttsx3Synthesizer):
    synth.prerender(str(n) for n in range(1, 31))
    lengths = [synth.render(str(n)).seconds for n in range(1, 31)]
    assert max(lengths) < 1.0
    assert synth.render("7") is synth.render("7")  # cached, so it starts on time


@contextlib.contextmanager
def busy_cpu(processes: int = 3) -> Iterator[None]:
    """Keep every core busy: espeak-ng renders in its own thread, so load exposes races."""
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
               for _ in range(processes)]
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()


def test_rate_setting_changes_the_length_every_time():
    text = "Massage the cramped hamstring with your hands."
    # Synthesizers share pyttsx3's one engine: each render must use its own rate, in any order,
    # also when the machine is busy (pyttsx3 could return before espeak-ng had finished).
    lengths: dict[int, list[float]] = {rate: [] for rate in (110, 260)}
    with busy_cpu():
        for rate in (110, 260, 110, 110, 260, 260, 110) * 3:
            lengths[rate].append(Pyttsx3Synthesizer(rate=rate).render(text).seconds)
    assert min(lengths[110]) > 1.5 * max(lengths[260])
    for rate, seconds in lengths.items():  # none cut short, none left over from another
        assert min(seconds) > 0.5, rate
        assert max(seconds) < 1.1 * min(seconds), rate


def test_voice_names_match_exactly_before_partially():
    assert Pyttsx3Synthesizer(voice="en").voice.rsplit("/", 1)[-1] == "en"
    assert Pyttsx3Synthesizer(voice="en-us").voice.endswith("en-us")


def test_voice_setting_is_checked():
    assert Pyttsx3Synthesizer(voice="en-us").render("next").seconds > 0.1
    with pytest.raises(SpeechError, match="no voice matches 'klingon-xx'"):
        Pyttsx3Synthesizer(voice="klingon-xx")


@pytest.mark.parametrize("rate", [0, -5, 39, 501])
def test_a_speaking_rate_out_of_range_is_refused_not_replaced(rate: int):
    with pytest.raises(SpeechError, match=f"speaking rate {rate} is out of range"):
        Pyttsx3Synthesizer(rate=rate)


def test_voice_uses_rendered_length_and_plays_to_the_sink(synth: Pyttsx3Synthesizer):
    clock = VirtualClock()
    sink = TimelineSink(clock, rate=16000)
    voice = Playback(synth, sink)
    say = Say("Stop whatever you're doing.")
    assert voice.duration(say) == pytest.approx(synth.render(say.text).seconds + 0.25)
    voice.start(say)
    clock.advance(0.5)
    voice.stop()  # barge-in: cut at 0.5 s
    assert sink.render().seconds == pytest.approx(0.5, abs=0.01)


class BrokenSynth:
    def __init__(self) -> None:
        self.calls = 0

    def render(self, text: str) -> AudioClip:
        self.calls += 1
        raise SpeechError("espeak-ng crashed")


def test_speech_failure_keeps_the_session_going_with_estimates():
    synth = BrokenSynth()
    sink = TimelineSink(VirtualClock())
    voice = Playback(synth, sink)
    say = Say("Step one. Stop whatever you're doing.")
    assert voice.duration(say) == estimate_seconds(say)
    assert voice.failed == "espeak-ng crashed"
    voice.start(say)  # text only from now on: not tried again, nothing played, no error
    assert voice.duration(Say("Step two.")) == estimate_seconds(Say("Step two."))
    assert synth.calls == 1
    assert sink.pieces == []


def test_timeline_sink_places_clips_at_their_clock_time():
    clock = VirtualClock()
    sink = TimelineSink(clock, rate=1000)
    tone = AudioClip(np.full(500, 1000, dtype=np.int16), 1000)
    sink.play(tone)
    clock.advance(2.0)
    sink.play(tone)
    track = sink.render()
    assert track.seconds == pytest.approx(2.5)
    assert track.samples[:500].min() == 1000 and track.samples[500:2000].max() == 0


def test_what_the_coach_may_say_is_rendered_ahead_first_things_first(coach_data):
    texts = texts_to_prerender(coach_data.content)
    content = coach_data.content
    assert texts[0] == content.steps[content.start].say  # the first answer to "cramp help"
    assert {s.say for s in content.steps.values()} <= set(texts)
    assert {str(n) for n in range(1, content.settings.hold_max_seconds + 1)} <= set(texts)
    assert content.message("count_to_go", seconds=15) in texts
    assert len(texts) == len(set(texts)) <= 512  # all fit in the synthesizer's cache
    assert not [t for t in texts if "{" in t]


def test_prerendered_texts_do_not_touch_the_engine_again(monkeypatch):
    synth = Pyttsx3Synthesizer()
    synth.prerender(["Okay.", "Keep holding."])

    def broken(*args: object) -> None:
        raise AssertionError("rendered again")

    monkeypatch.setattr(synth._engine, "save_to_file", broken)
    assert synth.render("Okay.").seconds > 0.1
    with pytest.raises(SpeechError):  # not rendered ahead: the engine is called
        synth.render("Something new.")


def test_rendering_in_the_background_loses_nothing_printed_meanwhile(capsys):
    """The live coach renders ahead in a thread while its main thread prints."""
    synth = Pyttsx3Synthesizer()
    worker = threading.Thread(target=synth.prerender,
                              args=([f"Background sentence {n}." for n in range(40)],))
    worker.start()
    printed = 0
    while worker.is_alive():
        print(f"line {printed}")
        printed += 1
        time.sleep(0.002)
    worker.join()
    out = capsys.readouterr().out.splitlines()
    assert printed > 20
    assert out == [f"line {n}" for n in range(printed)]


TEXT_PAST_ITS_BUFFER = """
from pyttsx3.drivers import _espeak

from voice_coach.speech import Pyttsx3Synthesizer

Pyttsx3Synthesizer()  # the coach's shared engine
_espeak.SetSynthCallback(lambda wav, samples, events: 1)  # stop at the first sound
text = "a " * 1_500_000  # 3 MB: a memory mapping of its own, nothing readable past it
print("queued", _espeak.Synth(text, flags=_espeak.CHARS_UTF8))
_espeak.Synchronize()
print("done")
"""


def test_espeak_is_never_told_a_text_is_longer_than_it_is():
    """pyttsx3 2.99 gives espeak-ng ten times a text's length, and espeak-ng copies that
    much: past the end of the text, a segmentation fault (seen once in the demo test). A
    long text makes the over-read certain to leave mapped memory."""
    run = subprocess.run([sys.executable, "-c", TEXT_PAST_ITS_BUFFER], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, (run.returncode, run.stderr[-2000:])
    assert run.stdout.split() == ["queued", "0", "done"], run.stdout


def test_a_driver_without_the_faulty_call_is_left_as_it_is(monkeypatch):
    """A later pyttsx3 may call espeak-ng another way: then nothing is replaced, and
    speech still works (the mend must never be what breaks it)."""
    from types import SimpleNamespace

    from voice_coach.speech import tts

    def synth(text: str) -> int:
        return 0

    driver = SimpleNamespace(Synth=synth)
    monkeypatch.setitem(sys.modules, "pyttsx3.drivers._espeak", driver)
    tts._mend_espeak_synth()
    assert driver.Synth is synth
    driver.cSynth = lambda *args: args[1]
    tts._mend_espeak_synth()
    assert driver.Synth("abc") == 4  # the text's three bytes and its terminating zero
