"""Load and validate hassil intent files, with errors that name the file and line."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hassil import Intents
from hassil.expression import Expression, Group, ListReference, RuleReference
from hassil.parse_expression import parse_sentence
from hassil.util import merge_dict

from ..errors import DataFileError

INTENTS_ENV = "VOICE_COACH_INTENTS"
TOP_LEVEL_KEYS = {"language", "intents", "lists", "expansion_rules", "skip_words", "settings"}
DATA_KEYS = {
    "sentences", "slots", "metadata", "lists", "expansion_rules", "requires_context",
    "excludes_context", "response", "required_keywords", "settings",
}


class IntentFileError(DataFileError):
    """A problem in an intent file that the user must fix."""


class _Located(str):
    """A YAML string that remembers the 1-based line it came from."""

    line: int


class _Loader(yaml.SafeLoader):
    pass


def _construct_str(loader: _Loader, node: yaml.ScalarNode) -> _Located:
    value = _Located(loader.construct_scalar(node))
    value.line = node.start_mark.line + 1
    return value


_Loader.add_constructor("tag:yaml.org,2002:str", _construct_str)


def _line(value: object) -> int | None:
    return getattr(value, "line", None)


@dataclass(frozen=True)
class IntentSet:
    """Validated intents plus where they came from."""

    intents: Intents
    """hassil's parsed intents, merged over all files."""
    files: tuple[Path, ...]
    """The YAML files that were read, in load order."""

    @property
    def names(self) -> list[str]:
        return list(self.intents.intents)

    def example(self, intent_name: str) -> str:
        """The phrase the coach offers for this intent in "what can I say"."""
        for data in self.intents.intents[intent_name].data:
            if data.metadata and data.metadata.get("example"):
                return str(data.metadata["example"])
        return str(self.intents.intents[intent_name].data[0].sentence_texts[0])


def default_intents_dir(language: str = "en") -> Path:
    """The intents shipped with the package (wheel) or the source checkout (editable)."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "_intents" / language, here.parent / "intents" / language):
        if candidate.is_dir():
            return candidate
    raise IntentFileError(here / "_intents" / language, None, "the built-in intents are missing "
                          "from this installation; reinstall voice-coach")


def resolve_intents_dir(cli_value: str | os.PathLike[str] | None = None) -> Path:
    """--intents DIR, else $VOICE_COACH_INTENTS, else the built-in intents."""
    chosen = cli_value or os.environ.get(INTENTS_ENV)
    return Path(chosen) if chosen else default_intents_dir()


def load_intents(directory: Path | str, required: Iterable[str] = ()) -> IntentSet:
    """Read every *.yaml file in `directory`, validate it and merge it into one IntentSet."""
    directory = Path(directory)
    if not directory.is_dir():
        raise IntentFileError(directory, None, "not a folder of intent files (expected *.yaml)")
    files = tuple(sorted(directory.glob("*.yaml")))
    if not files:
        raise IntentFileError(directory, None, "no *.yaml intent files in this folder")

    docs = [(path, _read_yaml(path)) for path in files]
    origins: dict[str, Path] = {}
    for path, doc in docs:
        _check_document(path, doc)
        for name in doc.get("intents") or {}:
            if name in origins:
                raise IntentFileError(path, _line(name), f"intent '{name}' is defined twice "
                                      f"(also in {origins[name].name}); merge the two definitions")
            origins[name] = path
    if not origins:
        raise IntentFileError(directory, None, "no intents defined")

    lists = {name for _, doc in docs for name in doc.get("lists") or {}}
    rules = {name for _, doc in docs for name in doc.get("expansion_rules") or {}}
    for path, doc in docs:
        _check_references(path, doc, lists, rules)

    merged: dict[str, Any] = {"language": "en"}
    for _, doc in docs:
        merge_dict(merged, doc)
    try:
        intents = Intents.from_dict(merged)
    except Exception as err:  # hassil reports bad lists and slots as ValueError/KeyError
        raise IntentFileError(directory, None, f"invalid intent data: {err}") from err

    missing = [name for name in required if name not in intents.intents]
    if missing:
        raise IntentFileError(directory, None, "missing intents the coach needs: "
                              + ", ".join(missing))
    return IntentSet(intents=intents, files=files)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise IntentFileError(path, None, f"cannot read file: {err}") from err
    try:
        doc = yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        line = mark.line + 1 if mark else None
        raise IntentFileError(path, line, f"YAML syntax error: {err.problem}") from err
    except yaml.YAMLError as err:
        raise IntentFileError(path, None, f"YAML error: {err}") from err
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise IntentFileError(path, 1, "expected a mapping with 'language' and 'intents'")
    return doc


def _check_document(path: Path, doc: dict[str, Any]) -> None:
    for key in doc:
        if key not in TOP_LEVEL_KEYS:
            raise IntentFileError(path, _line(key), f"unknown key '{key}' (allowed: "
                                  + ", ".join(sorted(TOP_LEVEL_KEYS)) + ")")
    intents = doc.get("intents") or {}
    if not isinstance(intents, dict):
        raise IntentFileError(path, None, "'intents' must map intent names to definitions")
    for name, intent in intents.items():
        if not isinstance(name, str):
            raise IntentFileError(path, None, f"intent name {name!r} is not text; quote it "
                                  "(YAML reads a bare yes/no/on/off as true/false)")
        if not isinstance(intent, dict) or not isinstance(intent.get("data"), list):
            raise IntentFileError(path, _line(name), f"intent '{name}' needs a 'data' list")
        for data in intent["data"]:
            if not isinstance(data, dict):
                raise IntentFileError(path, _line(name), f"intent '{name}': each 'data' item "
                                      "must be a mapping with 'sentences'")
            for key in data:
                if key not in DATA_KEYS:
                    raise IntentFileError(path, _line(key), f"intent '{name}': unknown key "
                                          f"'{key}' in data")
            sentences = data.get("sentences")
            if not isinstance(sentences, list) or not sentences:
                raise IntentFileError(path, _line(name), f"intent '{name}': 'sentences' must "
                                      "be a non-empty list")
            for text in sentences:
                if not isinstance(text, str):
                    raise IntentFileError(path, _line(name), f"intent '{name}': sentence "
                                          f"{text!r} is not text (quote it)")
                try:
                    parse_sentence(text)
                except Exception as err:
                    raise IntentFileError(path, _line(text), f"bad template {text!r}: "
                                          f"{err}") from err
    for list_name, body in (doc.get("lists") or {}).items():
        if not isinstance(body, dict) or not ({"values", "range", "wildcard"} & set(body)):
            raise IntentFileError(path, _line(list_name), f"list '{list_name}' needs "
                                  "'values', 'range' or 'wildcard'")


def _references(expression: Expression) -> Iterator[ListReference | RuleReference]:
    if isinstance(expression, ListReference | RuleReference):
        yield expression
    elif isinstance(expression, Group):
        for item in expression.items:
            yield from _references(item)


def _check_references(path: Path, doc: dict[str, Any], lists: set[str], rules: set[str]) -> None:
    """Every {list} and <rule> a template uses must be defined in some file (or locally)."""
    rule_bodies = (doc.get("expansion_rules") or {}).values()
    templates: list[tuple[str, set[str], set[str]]] = [(t, set(), set()) for t in rule_bodies]
    for intent in (doc.get("intents") or {}).values():
        for data in intent["data"]:
            local = (set(data.get("lists") or {}), set(data.get("expansion_rules") or {}))
            templates.extend((text, *local) for text in data["sentences"])
    for text, local_lists, local_rules in templates:
        try:
            expression = parse_sentence(text).expression
        except Exception as err:
            raise IntentFileError(path, _line(text), f"bad template {text!r}: {err}") from err
        for ref in _references(expression):
            if isinstance(ref, ListReference):
                if ref.list_name not in lists | local_lists and not ref.is_inline_range:
                    raise IntentFileError(path, _line(text), f"template {text!r} uses unknown "
                                          f"list {{{ref.list_name}}}; define it under 'lists'")
            elif ref.rule_name not in rules | local_rules:
                raise IntentFileError(path, _line(text), f"template {text!r} uses unknown rule "
                                      f"<{ref.rule_name}>; define it under 'expansion_rules'")
