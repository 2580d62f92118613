"""A conversation that never loses the thread (the dialogue manager, driven by hand):
commands said over the coach, "yes" and "no" before a question, holds out of range, the
count's own voice. Every text comes from the dialogue file."""

from __future__ import annotations

import dataclasses

import pytest

from dialogue_driver import Driver, counts, spoken_counts, texts
from voice_coach.app.data import CoachData
from voice_coach.dialogue import Say, TimerFired, VirtualClock
from voice_coach.dialogue.manager import DialogueManager


def msg(data: CoachData, key: str, **values: object) -> str:
    return data.content.message(key, **values)


def instruction(data: CoachData, step: str) -> list[str]:
    """A step's text, its info text if any, and its prompt (a question has none)."""
    s = data.content.steps[step]
    return ([s.say] + ([data.content.info[s.info]] if s.info else [])
            + ([s.prompt] if s.kind != "question" else []))


def answer_for(data: CoachData, intent: str | None, drv: Driver) -> list[str]:
    """What the coach answers to `intent` outside a count, before saying where we are."""
    if intent == "prevention_tips":
        return [data.content.info["prevention"]]
    if intent in ("equipment", "see_doctor"):
        return [data.content.info[intent]]
    if intent == "list_commands":
        return texts([drv.manager._commands()])
    if intent == "time_left":
        step = drv.manager._step()
        return [msg(data, "step_position", step=step.number, steps=data.content.step_count)]
    return [msg(data, "not_understood")]


# --- "Stop" first -------------------------------------------------------------------------
def test_the_instruction_to_stop_is_the_first_thing_said(drv: Driver, coach_data: CoachData):
    first = texts(drv.say("cramp_help"))[0]
    assert first == coach_data.content.steps["stop"].say
    assert first.split(".")[0] == "Stop whatever you're doing"


# --- yes, no and next during the first instruction -----------------------------------------
@pytest.mark.parametrize("intent", ["yes", "no"])
def test_yes_or_no_over_the_instruction_skips_nothing(drv: Driver, coach_data: CoachData,
                                                      intent: str):
    drv.say("cramp_help")
    said = texts(drv.say(intent, barge_in=True))
    assert said == instruction(coach_data, "stop")  # said again, whole
    assert drv.manager.state.node == "stop"


def test_next_over_the_instruction_moves_on_as_asked(drv: Driver, coach_data: CoachData):
    drv.say("cramp_help")
    assert texts(drv.say("next", barge_in=True)) == instruction(coach_data, "sit")


def test_yes_and_no_at_a_step_that_asks_nothing_say_what_is_awaited(drv: Driver,
                                                                   coach_data: CoachData):
    drv.say("cramp_help")
    prompt = coach_data.content.steps["stop"].prompt
    assert texts(drv.say("yes")) == [prompt]
    assert texts(drv.say("no")) == [msg(coach_data, "waiting"), prompt]
    assert drv.manager.state.node == "stop"


def test_a_question_is_answered_only_once_it_has_been_asked(drv: Driver,
                                                            coach_data: CoachData):
    drv.say("cramp_help")
    drv.say("next")
    question = coach_data.content.steps["sit"].say
    assert texts(drv.say("yes", barge_in=True)) == [question]  # cut off: asked again
    assert drv.manager.state.node == "sit"
    assert texts(drv.say("yes"))[0] == coach_data.content.steps["stretch_seated"].say


# --- any other command over a step's text: answered, then the text again, whole ----------
INTERRUPTIONS = ["time_left", "equipment", "prevention_tips", "see_doctor", "list_commands",
                 None]


@pytest.mark.parametrize("step", ["stop", "stretch_seated", "massage", "prevention"])
@pytest.mark.parametrize("intent", INTERRUPTIONS)
def test_a_command_over_a_step_text_is_answered_then_the_text_is_said_again(
        coach_data: CoachData, step: str, intent: str | None):
    clock = VirtualClock(1000.0)
    drv = Driver(coach_data.manager(clock), clock)
    drv.say("cramp_help")
    drv.manager._enter(step)  # arrive at the step; its text is being said
    expected = answer_for(coach_data, intent, drv)
    said = texts(drv.say(intent, "banana" if intent is None else "", barge_in=True))
    assert said == expected + instruction(coach_data, step)
    # Heard in full this time: the next command gets the short reminder only.
    drv.speech_done()
    said = texts(drv.say(intent, "banana" if intent is None else ""))
    assert said == [*expected, coach_data.content.steps[step].prompt]


def test_pause_and_resume_over_a_step_text_say_the_text_again(drv: Driver,
                                                              coach_data: CoachData):
    drv.say("cramp_help")
    drv.say("next")
    drv.say("yes")  # the seated stretch's text is being said
    assert texts(drv.say("pause", barge_in=True)) == [msg(coach_data, "paused")]
    assert texts(drv.say("yes")) == [msg(coach_data, "paused")]  # no answer while paused
    said = texts(drv.say("resume"))
    assert said == [msg(coach_data, "resumed"), *instruction(coach_data, "stretch_seated")]


def test_the_eased_question_cut_off_is_asked_again(drv: Driver, coach_data: CoachData):
    drv.start_counting()
    drv.count_to(30)
    question = msg(coach_data, "eased_question")
    assert texts(drv.say("yes", barge_in=True)) == [question]
    assert texts(drv.say("yes"))[0] == msg(coach_data, "eased_yes")


# --- holds ----------------------------------------------------------------------------------
@pytest.mark.parametrize("seconds", [500, 0, -5, 4, 121])
def test_a_hold_out_of_range_is_answered_with_the_range(drv: Driver, coach_data: CoachData,
                                                        seconds: int):
    drv.say("cramp_help")
    drv.say("next")
    drv.say("yes")
    settings = coach_data.content.settings
    said = texts(drv.say("start_hold", seconds=seconds))
    assert said == [msg(coach_data, "hold_range", min=settings.hold_min_seconds,
                        max=settings.hold_max_seconds),
                    coach_data.content.steps["stretch_seated"].prompt]
    assert drv.manager.state.phase == "await"


def test_pause_before_the_first_number_says_the_count_has_not_started(drv: Driver,
                                                                      coach_data: CoachData):
    drv.say("cramp_help")
    drv.say("next")
    drv.say("yes")
    drv.say("next")  # "Hold it there. I'll count to 30." is being said
    assert texts(drv.say("pause", barge_in=True)) == [msg(coach_data, "paused_before_count")]
    assert texts(drv.say("time_left")) == [msg(coach_data, "time_left_paused", seconds=30)]
    drv.say("resume")
    drv.speech_done()
    assert drv.count_to(2) == ["1", "2"]


@pytest.mark.parametrize("intent", ["time_left", "equipment", "see_doctor", "list_commands",
                                    "prevention_tips", None])
def test_a_command_over_a_count_is_answered_and_the_count_goes_on(drv: Driver,
                                                                  coach_data: CoachData,
                                                                  intent: str | None):
    drv.start_counting()
    drv.count_to(7)
    said = texts(drv.say(intent, "banana" if intent is None else "", barge_in=True))
    assert said and "count" not in drv.timers  # answered; the count waits meanwhile
    drv.speech_done()
    assert counts(drv.fire()) == ["8"]


def test_the_count_says_the_seconds_to_go_half_way_and_five_before_the_end(
        drv: Driver, coach_data: CoachData):
    drv.start_counting()
    drv.count_to(30)
    spoken = spoken_counts(drv.log)
    expected = [str(n) for n in range(1, 31)]
    expected[14] = msg(coach_data, "count_to_go", seconds=15)
    expected[24] = msg(coach_data, "count_to_go", seconds=5)
    assert spoken == expected
    assert counts(drv.log) == [str(n) for n in range(1, 31)]


def test_the_count_can_say_plain_numbers_only(coach_data: CoachData):
    settings = dataclasses.replace(coach_data.content.settings, count_seconds_left=False)
    content = dataclasses.replace(coach_data.content, settings=settings)
    clock = VirtualClock()
    drv = Driver(DialogueManager(content, clock), clock)
    drv.start_counting()
    drv.count_to(30)
    assert spoken_counts(drv.log) == [str(n) for n in range(1, 31)]
    assert all(isinstance(a, Say) for a in drv.log if getattr(a, "kind", "") == "count")


def test_a_number_held_back_while_the_user_spoke_restarts_the_pacing(drv: Driver):
    drv.start_counting()
    drv.count_to(3)
    due = drv.timers["count"]
    drv.clock.advance_to(due + 0.8)  # the runner held it back: the user was talking
    drv.timers.pop("count")
    actions = drv._apply(drv.manager.handle(TimerFired("count", held=True)))
    assert counts(actions) == ["4"]
    assert drv.timers["count"] == pytest.approx(drv.clock.now() + 1.0)


def test_a_number_merely_late_keeps_the_schedule(drv: Driver):
    drv.start_counting()
    drv.count_to(3)
    due = drv.timers.pop("count")
    drv.clock.advance_to(due + 0.3)  # the coach was busy: the next number catches up
    drv._apply(drv.manager.handle(TimerFired("count")))
    assert drv.timers["count"] == pytest.approx(due + 1.0)
