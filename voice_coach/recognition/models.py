"""Where Vosk models are looked for, and choosing the engine."""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from .base import ModelError, Recognizer

DEFAULT_MODEL = "vosk-model-small-en-us-0.15"
ENGINES = ("auto", "vosk", "pocketsphinx")
REPO_MODELS = Path(__file__).resolve().parents[2] / "models"
"""models/ in a source checkout (see models/README.md)."""


def user_models_dir() -> Path:
    """The user data directory's models folder (Linux: ~/.local/share/voice-coach/models,
    or under $XDG_DATA_HOME)."""
    return platformdirs.user_data_path("voice-coach") / "models"


def search_dirs() -> list[Path]:
    """Folders holding model folders: $VOICE_COACH_MODEL_DIRS (separated by ':') if set,
    else models/ in a source checkout and the user data directory."""
    listed = os.environ.get("VOICE_COACH_MODEL_DIRS")
    if listed is not None:
        return [Path(d) for d in listed.split(os.pathsep) if d]
    return [REPO_MODELS, user_models_dir()]


def installed_models() -> list[Path]:
    """Model directories in models/ and the user data directory."""
    found = []
    for base in search_dirs():
        if base.is_dir():
            found += sorted(p for p in base.iterdir() if p.is_dir() and (p / "am").is_dir())
    return found


def find_model(path: str | None = None) -> tuple[Path | None, str]:
    """(model directory or None, where it came from), in this order: `--model PATH`,
    $VOICE_COACH_MODEL, models/<name>/, the user data directory."""
    if path:
        return Path(path), "--model"
    env = os.environ.get("VOICE_COACH_MODEL")
    if env:
        return Path(env), "VOICE_COACH_MODEL"
    for base in search_dirs():
        if (base / DEFAULT_MODEL).is_dir():
            return base / DEFAULT_MODEL, str(base)
    models = installed_models()
    if models:
        return models[0], str(models[0].parent)
    return None, ""


@dataclass(frozen=True)
class EngineChoice:
    recognizer: Recognizer
    notice: str
    """Said once at start-up: which engine, and how to get the better one."""


def make_recognizer(engine: str, phrases: Collection[str], model: str | None = None,
                    background: bool = False, denoise: bool = True) -> EngineChoice:
    """Build the recognizer for `--engine` (auto = Vosk when a model is found, else the
    built-in PocketSphinx), with RNNoise in front unless `denoise` is False (see
    frontend.py). `phrases` as `phrase_meanings` gives them (each with its intent) also
    lets PocketSphinx turn down a phrase that one of another meaning fits nearly as well.
    `background`: PocketSphinx adapts to the speaker in a thread of its own (the live coach
    must not wait for it; elsewhere results are reproducible without)."""
    choice = _make_engine(engine, phrases, model, background)
    if not denoise:
        return EngineChoice(choice.recognizer, f"{choice.notice} Noise suppression and "
                            "Whisper's second opinion are off.")
    from .frontend import Denoised
    from .second_opinion import MISSING, second_opinion

    second = second_opinion(phrases)
    if second is not None and background:
        second.prepare()  # the live coach: Whisper loads while the coach starts
    return EngineChoice(Denoised(choice.recognizer, second),
                        choice.notice if second else f"{choice.notice} {MISSING}".strip())


def _make_engine(engine: str, phrases: Collection[str], model: str | None, background: bool,
                 ) -> EngineChoice:
    from .sphinx import PocketSphinxRecognizer
    from .vosk_engine import VoskRecognizer

    if engine not in ENGINES:
        raise ModelError(f"unknown engine '{engine}' (choose from {', '.join(ENGINES)})")
    path, origin = find_model(model)
    if engine == "vosk" and path is None:
        raise ModelError("no Vosk model is installed; how to get one: see models/README.md "
                         "(or pass --model PATH, or use --engine pocketsphinx)")
    notice = ""
    if engine in ("vosk", "auto") and path is not None:
        try:
            vosk = VoskRecognizer(path, list(phrases))
        except ModelError as err:
            if engine == "vosk":
                raise
            notice = f"{err}. Using the built-in PocketSphinx engine instead."
        else:
            notice = f"Using Vosk with the model in {path} (from {origin})."
            if not vosk.has_unknown:
                notice += (' The model has no "[unk]" word, so speech outside the commands '
                           "is rejected only when it does not come out as exactly one "
                           "command.")
            return EngineChoice(vosk, notice + _left_out("the model", vosk.missing_words))
    sphinx = PocketSphinxRecognizer(phrases, background=background)
    if not notice:
        notice = ("Using the built-in PocketSphinx engine. For better recognition get a Vosk "
                  "model: see models/README.md.")
    notice += _left_out("PocketSphinx", sphinx.missing_words)
    if sphinx.adaptation_notice:
        notice += " " + sphinx.adaptation_notice
    return EngineChoice(sphinx, notice)


def _left_out(engine: str, words: list[str]) -> str:
    """The notice's sentence on the grammar `words` that `engine` does not know ("" if none)."""
    if not words:
        return ""
    return f" Words {engine} does not know (their phrases are left out): {', '.join(words)}"
