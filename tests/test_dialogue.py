"""The dialogue manager, driven by hand in virtual time: every branch and global command."""

from __future__ import annotations

import pytest

from dialogue_driver import Driver, counts, texts
from voice_coach.app.data import CoachData
from voice_coach.dialogue import (
    INTENTS,
    CancelTimer,
    SessionEnded,
    StopSpeech,
    VirtualClock,
)


def msg(data: CoachData, key: str, **values: object) -> str:
    return data.content.message(key, **values)


def step_text(data: CoachData, step: str) -> str:
    return data.content.steps[step].say


def to_hold(drv: Driver, sit: bool = True) -> None:
    drv.start_counting(sit)


def test_cramp_help_says_stop_first_then_the_safety_line_and_the_hint(drv: Driver,
                                                                     coach_data: CoachData):
    said = texts(drv.say("cramp_help"))
    assert said == [step_text(coach_data, "stop"), msg(coach_data, "safety"),
                    msg(coach_data, "hint"), coach_data.content.steps["stop"].prompt]
    assert said[0].startswith("Stop")  # the article's first instruction, first
    assert drv.manager.state.node == "stop"


def test_seated_branch(drv: Driver, coach_data: CoachData):
    drv.say("cramp_help")
    assert texts(drv.say("next"))[0] == step_text(coach_data, "sit")
    said = texts(drv.say("yes"))
    assert said[0] == step_text(coach_data, "stretch_seated")
    assert "both legs" in said[0] and "Hinge at the waist" in said[0]


def test_standing_branch(drv: Driver, coach_data: CoachData):
    drv.say("cramp_help")
    drv.say("next")
    said = texts(drv.say("no"))
    assert said[0] == step_text(coach_data, "stretch_standing")
    assert "steady yourself" in said[0] and "behind your butt" in said[0]


def test_hold_counts_one_number_per_second_then_asks(drv: Driver, coach_data: CoachData):
    drv.say("cramp_help")
    drv.say("next")
    drv.say("yes")
    assert texts(drv.say("next")) == [msg(coach_data, "hold_start", seconds=30)]
    assert "count" not in drv.timers, "the count waits until the intro has been said"
    start = drv.clock.now()
    drv.speech_done()
    times, said = [], []
    for _ in range(30):
        actions = drv.fire()
        times.append(drv.clock.now() - start)
        said += texts(actions)
    assert counts(drv.log) == [str(n) for n in range(1, 31)]
    assert times == [float(n) for n in range(1, 31)]
    assert said[-2:] == [msg(coach_data, "hold_end"), msg(coach_data, "eased_question")]
    assert "count" not in drv.timers


def test_cramp_not_eased_means_another_round(drv: Driver, coach_data: CoachData):
    to_hold(drv)
    drv.count_to(30)
    assert texts(drv.say("no")) == [msg(coach_data, "eased_no"),
                                    msg(coach_data, "hold_start", seconds=30)]
    drv.speech_done()
    assert drv.count_to(3) == ["1", "2", "3"]


def test_cramp_eased_goes_to_massage(drv: Driver, coach_data: CoachData):
    to_hold(drv, sit=False)
    drv.count_to(30)
    said = texts(drv.say("yes"))
    assert said[:2] == [msg(coach_data, "eased_yes"), step_text(coach_data, "massage")]


def test_time_left_mid_count_is_exact_and_the_count_continues(drv: Driver,
                                                              coach_data: CoachData):
    to_hold(drv)
    drv.count_to(12)
    drv.clock.advance(0.4)
    actions = drv.say("time_left")
    assert isinstance(actions[0], StopSpeech)
    assert texts(actions) == [msg(coach_data, "time_left", seconds=18)]
    assert "count" not in drv.timers, "the count is frozen while the coach answers"
    drv.clock.advance(1.5)  # answer takes 1.5 s
    drv.speech_done()
    assert drv.timers["count"] == pytest.approx(drv.clock.now() + 0.6)
    assert drv.count_to(13) == ["13"]


def test_pause_freezes_the_count_and_resume_continues_from_the_same_number(
        drv: Driver, coach_data: CoachData):
    to_hold(drv)
    drv.count_to(12)
    said = texts(drv.say("pause"))
    assert said == [msg(coach_data, "paused_count", count=12)]
    assert "count" not in drv.timers
    drv.clock.advance(300)
    assert texts(drv.say("time_left")) == [msg(coach_data, "time_left_paused", seconds=18)]
    drv.speech_done()
    assert "count" not in drv.timers, "still paused after speaking"
    assert texts(drv.say("resume")) == [msg(coach_data, "resumed_count")]
    drv.speech_done()
    assert drv.count_to(14) == ["13", "14"]
    assert texts(drv.say("time_left")) == [msg(coach_data, "time_left", seconds=16)]


def test_a_number_overdue_when_the_count_is_paused_keeps_a_full_interval_after_it(
        drv: Driver, coach_data: CoachData):
    """The coach can be busy (decoding what was said) when a number falls due; paused
    then, that number comes first on resuming, still a whole interval before the next."""
    to_hold(drv)
    drv.count_to(12)
    drv.clock.advance(1.3)  # 13 fell due 0.3 s ago and has not been said yet
    assert texts(drv.say("pause")) == [msg(coach_data, "paused_count", count=12)]
    drv.clock.advance(5)
    drv.say("resume")
    drv.speech_done()
    resumed = drv.clock.now()
    assert drv.timers["count"] == pytest.approx(resumed)
    assert drv.count_to(13) == ["13"]
    assert drv.timers["count"] == pytest.approx(drv.clock.now() + 1.0)


@pytest.mark.parametrize("intent", ["prevention_tips", "equipment", "see_doctor",
                                    "list_commands", "repeat", None])
def test_asides_during_a_count_freeze_it_and_carry_on(drv: Driver, intent: str | None):
    to_hold(drv)
    drv.count_to(5)
    said = texts(drv.say(intent))
    assert said, "never silent"
    assert "count" not in drv.timers
    drv.speech_done()
    assert drv.count_to(6) == ["6"]
    assert drv.manager.state.hold is not None and drv.manager.state.hold.total == 30


def test_next_during_a_count_ends_the_hold(drv: Driver, coach_data: CoachData):
    to_hold(drv)
    drv.count_to(3)
    actions = drv.say("next")
    assert CancelTimer("count") in actions
    assert texts(actions)[-1] == msg(coach_data, "eased_question")


def test_hold_length_is_user_settable(drv: Driver, coach_data: CoachData):
    drv.say("cramp_help")
    assert texts(drv.say("start_hold", seconds=45))[0] == msg(
        coach_data, "hold_length_set", seconds=45)
    drv.say("next")
    drv.say("yes")
    assert texts(drv.say("next")) == [msg(coach_data, "hold_start", seconds=45)]
    drv.speech_done()
    assert drv.count_to(45)[-1] == "45"
    assert texts(drv.log[-2:]) == [msg(coach_data, "hold_end"), msg(coach_data, "eased_question")]


def test_hold_for_n_seconds_at_the_stretch_starts_the_count(drv: Driver, coach_data: CoachData):
    drv.say("cramp_help")
    drv.say("next")
    drv.say("no")
    assert texts(drv.say("start_hold", seconds=20)) == [
        msg(coach_data, "hold_start", seconds=20)]


def test_hold_length_out_of_range_is_refused(drv: Driver, coach_data: CoachData):
    drv.say("cramp_help")
    said = texts(drv.say("start_hold", seconds=500))
    assert said[0] == msg(coach_data, "hold_range", min=5, max=120)
    assert drv.manager.hold_seconds == 30


def test_previous_and_repeat(drv: Driver, coach_data: CoachData):
    said = texts(drv.say("cramp_help"))
    assert texts(drv.say("previous"))[0] == msg(coach_data, "first_step")
    assert step_text(coach_data, "stop") in said
    drv.say("next")
    drv.say("yes")
    assert texts(drv.say("previous"))[0] == step_text(coach_data, "sit")
    assert texts(drv.say("repeat"))[0] == step_text(coach_data, "sit")
    assert texts(drv.say("no"))[0] == step_text(coach_data, "stretch_standing")


def test_previous_during_a_count_cancels_it(drv: Driver):
    to_hold(drv)
    drv.count_to(2)
    actions = drv.say("previous")
    assert CancelTimer("count") in actions
    assert drv.manager.state.node == "sit" and drv.manager.state.hold is None


def test_whole_treatment_in_the_articles_order(drv: Driver, coach_data: CoachData):
    """The article's order: stop, stretch (held and counted), massage, heat then cold,
    prevention, when to see a doctor, what you'll need. The words come from the dialogue
    file; the order is the test's."""
    drv.start_counting()
    drv.count_to(30)
    drv.say("yes")
    for _ in range(6):
        drv.say("next")
    said = texts(drv.log)
    content = coach_data.content
    order = [content.steps["stop"].say, msg(coach_data, "safety"), content.steps["sit"].say,
             content.steps["stretch_seated"].say, msg(coach_data, "eased_question"),
             *(content.steps[s].say for s in ("massage", "heat", "cold", "prevention")),
             content.info["prevention"], content.steps["doctor"].say,
             content.info["see_doctor"], content.steps["equipment"].say,
             content.info["equipment"], msg(coach_data, "closing")]
    positions = [said.index(text) for text in order]
    assert positions == sorted(positions)
    assert counts(drv.log) == [str(n) for n in range(1, 31)]
    assert said.index(content.steps["stretch_seated"].say) < said.index("1")
    assert said.index("30") < said.index(msg(coach_data, "eased_question"))
    # The seed article's own words for the warning and the equipment.
    assert "24 hours" in content.info["see_doctor"]
    assert "heat pack" in content.info["equipment"] and "cold pack" in content.info["equipment"]
    assert SessionEnded("finished") in drv.log
    assert not drv.manager.active


def test_stop_ends_the_session_from_anywhere(drv: Driver, coach_data: CoachData):
    to_hold(drv)
    drv.count_to(4)
    actions = drv.say("stop")
    assert isinstance(actions[0], StopSpeech)
    assert texts(actions) == [msg(coach_data, "stopped")]
    assert SessionEnded("stopped") in actions and CancelTimer("count") in actions
    assert not drv.manager.active
    assert texts(drv.say("next")) == [msg(coach_data, "idle_hint")]


def test_cramp_help_soon_after_stop_carries_on_where_the_session_stopped(
        drv: Driver, coach_data: CoachData):
    """A "stop" heard by mistake ("start counting" taken for "stop coaching", a partner's
    "let's stop") loses nothing: "cramp help" within keep_place_seconds goes on there."""
    to_hold(drv)
    drv.count_to(4)
    drv.say("stop")
    drv.clock.advance(coach_data.content.settings.keep_place_seconds)
    said = texts(drv.say("cramp_help"))
    assert said[:2] == [msg(coach_data, "welcome_back"), step_text(coach_data, "stretch_seated")]
    assert msg(coach_data, "safety") not in said
    m = drv.manager
    assert m.active and m.state.node == "stretch_seated" and m.state.phase == "await"
    assert "count" not in drv.timers, "the hold starts again only when asked for"
    assert texts(drv.say("previous"))[0] == step_text(coach_data, "sit")
    # Carrying on once uses the kept place up; the next stop keeps the new one.
    drv.say("stop")
    assert texts(drv.say("cramp_help"))[:2] == [msg(coach_data, "welcome_back"),
                                                step_text(coach_data, "sit")]


def test_cramp_help_long_after_stop_or_after_the_end_starts_from_the_top(
        drv: Driver, coach_data: CoachData):
    start = [step_text(coach_data, "stop"), msg(coach_data, "safety")]
    to_hold(drv)
    drv.say("stop")
    drv.clock.advance(coach_data.content.settings.keep_place_seconds + 1)
    assert texts(drv.say("cramp_help"))[:2] == start
    assert drv.manager.state.history == []
    drv.say("next")
    drv.say("stop")
    drv.say("cramp_help")  # carried on, and so used up
    drv.say("stop")
    drv.clock.advance(1)
    drv.say("cramp_help")
    for _ in range(20):  # to the end of the treatment
        if not drv.manager.active:
            break
        m = drv.manager
        asks = m.state.phase == "eased" or coach_data.content.steps[m.state.node].kind == "question"
        drv.say("yes" if asks else "next")
        drv.speech_done()
        while "count" in drv.timers:
            drv.fire()
    assert SessionEnded("finished") in drv.log and not drv.manager.active
    assert texts(drv.say("cramp_help"))[:2] == start


def test_unrecognised_input_reprompts_with_what_to_say(drv: Driver, coach_data: CoachData):
    drv.say("cramp_help")
    said = texts(drv.say(None, "banana"))
    assert said == [msg(coach_data, "not_understood"), coach_data.content.steps["stop"].prompt]
    drv.say("next")
    said = texts(drv.say(None, "banana"))
    assert said == [msg(coach_data, "not_understood"), coach_data.content.steps["sit"].prompt]


WHAT_CAN_I_SAY = {
    "idle": ["cramp_help", "prevention_tips", "equipment", "see_doctor"],
    "step": ["next", "repeat", "previous", "pause", "prevention_tips", "equipment",
             "see_doctor", "stop"],
    "question": ["yes", "no", "repeat", "stop"],
    "hold_ready": ["next", "start_hold", "repeat", "previous", "stop"],
    "counting": ["pause", "time_left", "stop"],
    "counting_paused": ["resume", "time_left", "stop"],
    "eased": ["yes", "no", "repeat", "stop"],
    "paused_step": ["resume", "stop"],
}


@pytest.mark.parametrize("state", list(WHAT_CAN_I_SAY))
def test_what_can_i_say_lists_what_works_now(coach_data: CoachData, state: str):
    clock = VirtualClock()
    drv = Driver(coach_data.manager(clock), clock)
    reach(drv, state)
    said = texts(drv.say("list_commands"))[0]
    examples = ", ".join(coach_data.intents.example(n) for n in WHAT_CAN_I_SAY[state])
    assert said == msg(coach_data, "commands", commands=examples)


def test_every_command_is_offered_somewhere():
    offered = {name for names in WHAT_CAN_I_SAY.values() for name in names}
    assert offered == set(INTENTS) - {"list_commands"}


def test_info_outside_a_count_then_reminds_where_we_are(drv: Driver, coach_data: CoachData):
    drv.say("cramp_help")
    said = texts(drv.say("see_doctor"))
    assert said == [coach_data.content.info["see_doctor"], coach_data.content.steps["stop"].prompt]
    assert "24 hours" in said[0]


# --- every global command at every kind of state ---------------------------------------------
STATES = ["idle", "step", "question", "hold_ready", "counting", "counting_paused", "eased",
          "paused_step"]


def reach(drv: Driver, state: str) -> None:
    if state == "idle":
        return
    drv.say("cramp_help")
    if state == "paused_step":
        drv.say("pause")
    if state in ("step", "paused_step"):
        return
    drv.say("next")
    if state == "question":
        return
    drv.say("yes")
    if state == "hold_ready":
        return
    drv.say("next")
    drv.speech_done()
    drv.count_to(7)
    if state == "counting_paused":
        drv.say("pause")
    if state == "eased":
        drv.count_to(30)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("intent", [*INTENTS, None])
def test_every_command_in_every_state(coach_data: CoachData, state: str, intent: str | None):
    clock = VirtualClock()
    drv = Driver(coach_data.manager(clock), clock)
    reach(drv, state)
    slots = {"seconds": 20} if intent == "start_hold" else {}
    actions = drv.say(intent, **slots)
    said = texts(actions)
    m = drv.manager
    if intent == "stop":
        assert not m.active
        assert (SessionEnded("stopped") in actions) == (state != "idle")
    else:
        assert said, f"silence after {intent} in {state}"
    # The state is always valid afterwards.
    s = m.state
    assert s.phase in ("idle", "await", "counting", "eased")
    assert (s.node is None) == (s.phase == "idle")
    assert (s.hold is not None) == (s.phase == "counting")
    if s.phase == "counting" and not s.hold.frozen:  # type: ignore[union-attr]
        assert "count" in drv.timers
    if s.phase != "counting":
        assert "count" not in drv.timers
    # ... and the session can always be finished from there.
    if m.active:
        drv.speech_done()
        for _ in range(40):
            if not m.active:
                break
            drv.say("resume" if m.state.paused else "next")
            drv.say("yes")
        assert not m.active
