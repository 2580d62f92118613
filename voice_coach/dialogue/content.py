"""The coach's words and the treatment's steps, loaded from data/dialogue/<lang>.yaml."""

from __future__ import annotations

import string
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ..errors import DataFileError

KINDS = ("step", "question", "hold")
# Every message the dialogue manager uses, with the placeholders it fills in.
MESSAGES: dict[str, set[str]] = {
    "safety": set(), "hint": set(), "closing": set(), "stopped": set(),
    "already_running": set(), "idle_hint": set(), "not_understood": set(),
    "commands": {"commands"}, "first_step": set(), "step_position": {"step", "steps"},
    "hold_start": {"seconds"}, "hold_end": set(), "eased_question": set(),
    "eased_prompt": set(), "eased_yes": set(), "eased_no": set(), "keep_holding": set(),
    "hold_length_set": {"seconds"}, "no_hold_here": set(), "hold_range": {"min", "max"},
    "time_left": {"seconds"}, "time_left_paused": {"seconds"}, "paused_count": {"count"},
    "paused": set(), "paused_before_count": set(), "count_to_go": {"seconds"},
    "resumed_count": set(), "resumed": set(), "waiting": set(),
    "device_lost": {"device"}, "device_back": {"device"}, "internal_error": set(),
    "too_loud": set(), "welcome_back": set(),
}
INFO = ("prevention", "see_doctor", "equipment")


class ContentFileError(DataFileError):
    """The dialogue content file is broken."""


@dataclass(frozen=True)
class Step:
    """One node of the treatment."""

    id: str
    kind: str
    """"step", "question" or "hold"."""
    number: int
    """The article's step number (1-5)."""
    say: str
    """What the coach says on arriving here ("ask" for a question)."""
    prompt: str
    """The short reminder of what to say next."""
    next: str | None = None
    """Where "next" (or "yes, it eased" after a hold) goes; None ends the session."""
    yes: str | None = None
    no: str | None = None
    info: str | None = None
    """Name of an `info` text said after `say`."""


@dataclass(frozen=True)
class Settings:
    hold_seconds: int
    hold_min_seconds: int
    hold_max_seconds: int
    count_interval_seconds: float
    count_seconds_left: bool = True
    """Say the seconds to go at a hold's half-way mark and five before its end."""
    keep_place_seconds: float = 300.0
    """How long after "stop" a "cramp help" carries on where the session stopped (0: never)."""


@dataclass(frozen=True)
class Content:
    """Everything the coach can say, validated."""

    start: str
    steps: dict[str, Step]
    info: dict[str, str]
    messages: dict[str, str]
    settings: Settings
    path: Path

    @property
    def step_count(self) -> int:
        return max(step.number for step in self.steps.values())

    def message(self, key: str, **values: Any) -> str:
        return self.messages[key].format(**values)


def default_content_path(language: str = "en") -> Path:
    return Path(str(resources.files("voice_coach") / "data" / "dialogue" / f"{language}.yaml"))


def load_content(path: Path | str | None = None) -> Content:
    """Read and check the content file; raises ContentFileError naming what to fix."""
    path = Path(path) if path else default_content_path()
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ContentFileError(path, None, f"cannot read file: {err.strerror}") from err
    except yaml.MarkedYAMLError as err:
        line = err.problem_mark.line + 1 if err.problem_mark else None
        raise ContentFileError(path, line, f"YAML syntax error: {err.problem}") from err
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise ContentFileError(path, None, f"not a readable YAML file: {err}") from err
    if not isinstance(doc, dict):
        raise ContentFileError(path, None, "expected a mapping with steps, info and messages")

    def section(name: str) -> dict[str, Any]:
        value = doc.get(name)
        if not isinstance(value, dict) or not value:
            raise ContentFileError(path, None, f"missing or empty section '{name}'")
        return value

    messages = {str(k): v for k, v in section("messages").items()}
    for key, fields in MESSAGES.items():
        _check_text(path, f"messages.{key}", messages.get(key), fields)
    info = section("info")
    for key in INFO:
        _check_text(path, f"info.{key}", info.get(key), set())
    steps = {str(k): _parse_step(path, str(k), v, info) for k, v in section("steps").items()}
    start = doc.get("start")
    if start not in steps:
        raise ContentFileError(path, None, f"'start' must name a step, got {start!r}")
    for step in steps.values():
        for target in (step.next, step.yes, step.no):
            if target is not None and target not in steps:
                raise ContentFileError(path, None, f"step '{step.id}' goes to unknown step "
                                       f"'{target}'")
    return Content(start=start, steps=steps, info=info, messages=messages,
                   settings=_parse_settings(path, section("settings")), path=path)


def _check_text(path: Path, where: str, text: Any, fields: set[str]) -> None:
    if not isinstance(text, str) or not text.strip():
        raise ContentFileError(path, None, f"'{where}' is missing or not text")
    try:
        used = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as err:
        raise ContentFileError(path, None, f"'{where}': bad placeholder: {err}") from err
    unknown = used - fields
    if unknown:
        allowed = ", ".join("{" + f + "}" for f in sorted(fields)) or "none"
        raise ContentFileError(path, None, f"'{where}' uses unknown placeholder(s) "
                               + ", ".join("{" + u + "}" for u in sorted(unknown))
                               + f" (allowed: {allowed})")


def _parse_step(path: Path, step_id: str, raw: Any, info: dict[str, Any]) -> Step:
    if not isinstance(raw, dict):
        raise ContentFileError(path, None, f"step '{step_id}' must be a mapping")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ContentFileError(path, None, f"step '{step_id}': kind must be one of "
                               f"{', '.join(KINDS)}, got {kind!r}")
    say = raw.get("ask") if kind == "question" else raw.get("say")
    field_name = "ask" if kind == "question" else "say"
    _check_text(path, f"steps.{step_id}.{field_name}", say, set())
    _check_text(path, f"steps.{step_id}.prompt", raw.get("prompt"), set())
    if raw.get("info") is not None and raw["info"] not in info:
        raise ContentFileError(path, None, f"step '{step_id}': unknown info '{raw['info']}'")
    if kind == "question" and not (raw.get("yes") and raw.get("no")):
        raise ContentFileError(path, None, f"question '{step_id}' needs both 'yes' and 'no' "
                               "(quote the keys: \"yes\":, \"no\":)")
    number = raw.get("step")
    if not isinstance(number, int) or number < 1:
        raise ContentFileError(path, None, f"step '{step_id}': 'step' must be a number >= 1")
    return Step(id=step_id, kind=kind, number=number, say=str(say).strip(),
                prompt=raw["prompt"].strip(), next=raw.get("next"), yes=raw.get("yes"),
                no=raw.get("no"), info=raw.get("info"))


def _parse_settings(path: Path, raw: dict[str, Any]) -> Settings:
    try:
        settings = Settings(
            hold_seconds=int(raw["hold_seconds"]),
            hold_min_seconds=int(raw["hold_min_seconds"]),
            hold_max_seconds=int(raw["hold_max_seconds"]),
            count_interval_seconds=float(raw["count_interval_seconds"]),
            count_seconds_left=bool(raw.get("count_seconds_left", True)),
            keep_place_seconds=float(raw.get("keep_place_seconds", Settings.keep_place_seconds)),
        )
    except (KeyError, TypeError, ValueError) as err:
        raise ContentFileError(path, None, f"settings: missing or invalid value {err}") from err
    if not (0 < settings.hold_min_seconds <= settings.hold_seconds <= settings.hold_max_seconds):
        raise ContentFileError(path, None, "settings: need 0 < hold_min_seconds <= "
                               "hold_seconds <= hold_max_seconds")
    if settings.keep_place_seconds < 0:
        raise ContentFileError(path, None, "settings: keep_place_seconds must be >= 0")
    if settings.count_interval_seconds <= 0:
        raise ContentFileError(path, None, "settings: count_interval_seconds must be > 0")
    return settings
