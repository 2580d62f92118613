"""When a wake phrase starts a session (app/wake.py): sure at once, unsure only twice."""

from __future__ import annotations

from voice_coach.app.wake import AGAIN_SECONDS, WAKE_INTENT, WakeGate, wake_confidence
from voice_coach.intents import Heard


def said(confidence: float, intent: str | None = WAKE_INTENT) -> Heard:
    return Heard("cramp help", intent, confidence=confidence)


def test_a_sure_wake_phrase_wakes_at_once():
    gate = WakeGate(bar=0.7)
    assert gate.sure(said(0.9)) and gate.wakes(said(0.9), t=5.0)
    assert gate.wakes(said(0.7), t=100.0), "the bar itself is enough"


def test_an_unsure_wake_phrase_needs_saying_again_soon():
    gate = WakeGate(bar=0.7)
    assert not gate.wakes(said(0.55), t=10.0)
    assert gate.wakes(said(0.55), t=10.0 + AGAIN_SECONDS), "said again in time"
    # Having woken, the next unsure one starts afresh.
    assert not gate.wakes(said(0.55), t=30.0)


def test_an_unsure_wake_phrase_too_long_ago_does_not_count():
    gate = WakeGate(bar=0.7)
    assert not gate.wakes(said(0.6), t=0.0)
    assert not gate.wakes(said(0.6), t=AGAIN_SECONDS + 0.1)
    assert gate.wakes(said(0.6), t=AGAIN_SECONDS + 5.0), "the second one is the new first"


def test_other_intents_never_wake_and_do_not_confirm():
    gate = WakeGate(bar=0.7)
    assert not gate.wakes(said(1.0, "next"), t=0.0)
    assert not gate.wakes(said(0.6), t=1.0)
    assert not gate.wakes(said(1.0, None), t=2.0)
    assert not gate.sure(said(1.0, "next"))
    assert gate.wakes(said(0.6), t=3.0)


def test_engines_without_a_calibrated_confidence_wake_on_any_wake_phrase():
    class Engine:
        name = "other"

    assert wake_confidence(Engine()) == 0.0  # type: ignore[arg-type]
    assert WakeGate(wake_confidence(Engine())).wakes(said(0.01), t=0.0)  # type: ignore[arg-type]
