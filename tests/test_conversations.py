"""The conversations in tests/conversations/*.yaml, each run through `voice-coach simulate`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from voice_coach.cli import main
from voice_coach.dialogue import load_content

FILES = sorted((Path(__file__).parent / "conversations").glob("*.yaml"))
CASES = [(f.stem, case) for f in FILES
         for case in yaml.safe_load(f.read_text(encoding="utf-8"))["conversations"]]
CONTENT = load_content()


def expected(item: dict[str, Any]) -> tuple[str, Any]:
    """("say", text) or ("count", number) for one entry of `then`."""
    if "count" in item:
        return "count", item["count"]
    if "step" in item:
        return "say", CONTENT.steps[item["step"]].say
    if "prompt" in item:
        return "say", CONTENT.steps[item["prompt"]].prompt
    if "info" in item:
        return "say", CONTENT.info[item["info"]]
    return "say", CONTENT.message(item["message"], **item.get("values", {}))


@pytest.mark.parametrize("case", [c for _, c in CASES], ids=[c["name"] for _, c in CASES])
def test_conversation(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                      case: dict[str, Any]) -> None:
    script = tmp_path / "script.txt"
    script.write_text(case["script"] + "\n", encoding="utf-8")
    assert main(["simulate", str(script), "--json"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    last_user = max(i for i, e in enumerate(events) if e["who"] == "user")
    assert events[last_user]["intent"] is not None or "banana" in events[last_user]["text"]
    coach = [("count", e["count"]) if e["kind"] == "count" else ("say", e["text"])
             for e in events[last_user + 1:] if e["who"] == "coach"]
    want = [expected(item) for item in case["then"]]
    assert coach[:len(want)] == want


def test_stop_is_said_within_2_s_of_cramp_help(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "script.txt"
    script.write_text("@3 cramp help\n", encoding="utf-8")
    assert main(["simulate", str(script), "--json"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    asked = next(e for e in events if e["who"] == "user")
    first = next(e for e in events if e["who"] == "coach")
    assert first["text"].startswith("Stop")
    assert first["text"] == CONTENT.steps["stop"].say
    assert first["t"] - asked["t"] < 2.0
