"""`voice-coach simulate`: a whole scripted session in virtual time, through the CLI."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from voice_coach.app.script import ScriptError, parse_script
from voice_coach.cli import main
from voice_coach.dialogue import load_content

CONTENT = load_content()

HEAD = ["cramp help", "next", "yes", "go back", "no", "ready"]


def run(tmp_path: Path, capsys: pytest.CaptureFixture[str], lines: list[str],
        *extra: str) -> list[dict[str, Any]]:
    script = tmp_path / "script.txt"
    script.write_text("\n".join(lines) + "\n")
    assert main(["simulate", str(script), "--json", *extra]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def coach(events: list[dict[str, Any]], kind: str | None = None) -> list[dict[str, Any]]:
    return [e for e in events if e["who"] == "coach" and (kind is None or e["kind"] == kind)]


def after(events: list[dict[str, Any]], user_text: str) -> list[dict[str, Any]]:
    """The coach events that follow the user's line `user_text`."""
    i = next(i for i, e in enumerate(events) if e["who"] == "user" and e["text"] == user_text)
    return events[i + 1:]


def test_full_session_through_every_step(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    # First learn when the count starts, so the timed lines land inside it.
    head = run(tmp_path, capsys, [*HEAD, "@500 stop"])
    t1 = coach(head, "count")[0]["t"]
    script = [*HEAD,
        f"@{t1 + 11.5} pause",
        f"@{t1 + 40} how much longer",
        f"@{t1 + 50} resume",
        f"@{t1 + 60} how much longer",
        f"@{t1 + 64.5} what do I need",
        "yes",  # the cramp has eased
        "prevention tips",
        "next", "next", "when should I see a doctor", "next", "next", "next", "next",
    ]
    events = run(tmp_path, capsys, script)
    assert all(set(e) >= {"t", "who", "text", "intent", "kind"} for e in events)
    assert [e["intent"] for e in events if e["who"] == "user"][:6] == [
        "cramp_help", "next", "yes", "previous", "no", "next"]

    # Every count number is its own event, exactly 1.0 s apart while the count runs.
    counts = coach(events, "count")
    assert [c["count"] for c in counts] == list(range(1, 31))
    for a, b in itertools.pairwise(events):
        if a["kind"] == "count" and b["kind"] == "count":
            assert b["t"] - a["t"] == pytest.approx(1.0, abs=1e-6)

    assert after(events, "pause")[0]["text"] == CONTENT.message("paused_count", count=12)
    assert after(events, "how much longer")[0]["text"] == CONTENT.message("time_left_paused",
                                                                          seconds=18)
    assert coach(after(events, "resume"), "count")[0]["count"] == 13

    running = [i for i, e in enumerate(events) if e["text"] == "how much longer"][1]
    last_number = [e for e in events[:running] if e["kind"] == "count"][-1]["count"]
    answer = events[running + 1]["text"]
    assert answer == CONTENT.message("time_left", seconds=30 - last_number)
    aside = next(i for i, e in enumerate(events) if e["text"] == "what do I need")
    said_before = [e for e in events[:aside] if e["kind"] == "count"][-1]["count"]
    assert coach(events[aside:], "count")[0]["count"] == said_before + 1

    said = [e["text"] for e in coach(events)]
    steps, info = CONTENT.steps, CONTENT.info
    order = [steps["stop"].say, CONTENT.message("safety"), steps["sit"].say,
             steps["stretch_seated"].say, steps["sit"].say, steps["stretch_standing"].say,
             "1", "30", CONTENT.message("eased_question"), steps["massage"].say,
             steps["heat"].say, steps["cold"].say, steps["prevention"].say,
             info["see_doctor"], steps["equipment"].say, info["equipment"],
             CONTENT.message("closing")]
    start = 0
    for text in order:  # each must come after the one before
        start = said.index(text, start)
    assert events[-1] == {"t": events[-1]["t"], "who": "coach", "text": "(session finished)",
                          "intent": None, "kind": "session"}


def test_aside_during_a_count_resumes_at_the_next_number(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]):
    head = run(tmp_path, capsys, [*HEAD, "@500 stop"])
    t1 = coach(head, "count")[0]["t"]
    events = run(tmp_path, capsys, [*HEAD, f"@{t1 + 4.5} what do I need", "@500 stop"])
    before = [e["count"] for e in coach(events, "count") if e["t"] < t1 + 4.5]
    later = [e["count"] for e in coach(events, "count") if e["t"] > t1 + 4.5]
    assert before == [1, 2, 3, 4, 5]
    assert later[:2] == [6, 7]


def test_text_transcript_and_wav(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    script = tmp_path / "s.txt"
    script.write_text("cramp help\nstop\n")
    out_wav = tmp_path / "coach.wav"
    assert main(["simulate", str(script), "--wav", str(out_wav)]) == 0
    out = capsys.readouterr().out
    assert "user:  cramp help   -> cramp_help" in out
    assert f"coach: {CONTENT.message('safety')}" in out
    from voice_coach.audio import read_audio

    clip = read_audio(out_wav, rate=None)
    assert clip.seconds > 5
    assert abs(clip.samples).max() > 1000


def test_unmatched_user_lines_have_null_intent(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]):
    events = run(tmp_path, capsys, ["cramp help", "what's the weather"])
    user = [e for e in events if e["who"] == "user"]
    assert user[1]["intent"] is None
    assert (coach(after(events, "what's the weather"))[0]["text"]
            == CONTENT.message("not_understood"))


def test_script_errors_are_one_line_with_exit_2(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]):
    script = tmp_path / "bad.txt"
    script.write_text("cramp help\n@10 next\n@5 stop\n")
    assert main(["simulate", str(script)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"voice-coach: error: {script}:3: time @5 is earlier")
    assert main(["simulate", str(tmp_path / "missing.txt")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_parse_script():
    lines = parse_script("# comment\n\ncramp help\n@12.5 how much longer\n@ 20s stop\n"
                         "+0.5 pause\n")
    assert [(ln.text, ln.at, ln.after, ln.line) for ln in lines] == [
        ("cramp help", None, None, 3), ("how much longer", 12.5, None, 4),
        ("stop", 20.0, None, 5), ("pause", None, 0.5, 6)]
    with pytest.raises(ScriptError, match="expected '@SECONDS text'"):
        parse_script("@soon next")
