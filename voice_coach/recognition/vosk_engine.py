"""The primary engine: Vosk (Kaldi) restricted to the intent phrases plus "[unk]"."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..audio.clip import RATE
from .base import ModelError, Result
from .grammar import UNKNOWN

# A usable Vosk model directory has these (the small models use HCLr.fst + Gr.fst, the
# big ones HCLG.fst).
_REQUIRED = ("am/final.mdl", "conf/mfcc.conf")
_GRAPHS = (("graph/HCLr.fst", "graph/Gr.fst"), ("graph/HCLG.fst",))


def check_model_dir(path: Path) -> None:
    """Raise ModelError naming the missing or empty file if `path` is not a Vosk model."""
    if not path.is_dir():
        raise ModelError(f"Vosk model directory {path} does not exist; how to get a model: "
                         "see models/README.md")
    for rel in _REQUIRED:
        _check_file(path, rel)
    if not any(all((path / rel).is_file() for rel in graph) for graph in _GRAPHS):
        raise ModelError(f"Vosk model {path} has no decoding graph (graph/HCLr.fst and "
                         "graph/Gr.fst, or graph/HCLG.fst); download it again (see "
                         "models/README.md)")
    for graph in _GRAPHS:
        for rel in graph:
            if (path / rel).exists():
                _check_file(path, rel)


def _check_file(path: Path, rel: str) -> None:
    f = path / rel
    if not f.is_file():
        raise ModelError(f"Vosk model {path} is incomplete: {rel} is missing; download it "
                         "again (see models/README.md)")
    if f.stat().st_size == 0:
        raise ModelError(f"Vosk model {path} is damaged: {rel} is empty; download it again "
                         "(see models/README.md)")


class VoskRecognizer:
    """Vosk with a phrase-list grammar. Grammar words the model does not know would be
    dropped silently by Vosk, so they are found first and listed in `missing_words`
    (their phrases are left out)."""

    name = "vosk"

    def __init__(self, model_path: Path, phrases: list[str]) -> None:
        import vosk

        check_model_dir(model_path)
        vosk.SetLogLevel(-1)
        try:
            # Always a path: Model(lang=...) would download, and exits the process on failure.
            self._model: Any = vosk.Model(os.fspath(model_path))
        except Exception as err:  # vosk raises a bare Exception("Failed to create a model")
            raise ModelError(f"Vosk could not load the model in {model_path} ({err}); it may "
                             "be truncated: download it again (see models/README.md)") from err
        words = sorted({w for p in phrases for w in p.split()})
        self.missing_words = [w for w in words if self._model.vosk_model_find_word(w) == -1]
        missing = set(self.missing_words)
        self.phrases = [p for p in phrases if not missing.intersection(p.split())]
        self._phrase_set = frozenset(self.phrases)
        # Without "[unk]" in the model, Vosk drops it from the grammar and forces any speech
        # onto the phrases; then only a result that is exactly one phrase is accepted.
        self.has_unknown = self._model.vosk_model_find_word(UNKNOWN) != -1
        self._recognizer = self._new_recognizer()

    def _new_recognizer(self) -> Any:
        import vosk

        grammar = json.dumps([*self.phrases, UNKNOWN], ensure_ascii=False)
        recognizer = vosk.KaldiRecognizer(self._model, RATE, grammar)
        recognizer.SetWords(True)
        return recognizer

    def _final(self, raw: str) -> Result:
        data = json.loads(raw)
        words = [w for w in data.get("result", []) if w.get("word") != UNKNOWN]
        text = " ".join(w for w in data.get("text", "").split() if w != UNKNOWN)
        unknown = len(data.get("result", [])) - len(words)
        if not words or unknown or text not in self._phrase_set:
            # "[unk]" in it, or several phrases run together: speech outside the grammar.
            return Result("", 0.0, final=True)
        confidence = min(float(w.get("conf", 0.0)) for w in words)
        return Result(text, confidence, final=True)

    def accept(self, chunk: bytes) -> list[Result]:
        if self._recognizer.AcceptWaveform(chunk):
            return [self._final(self._recognizer.Result())]
        partial = json.loads(self._recognizer.PartialResult()).get("partial", "")
        partial = " ".join(w for w in partial.split() if w != UNKNOWN)
        return [Result(partial, 0.0, final=False)] if partial else []

    def finish(self) -> Result | None:
        result = self._final(self._recognizer.FinalResult())
        self._recognizer = self._new_recognizer()
        return result

    def new_speaker(self) -> None:
        """Nothing to forget: Vosk does not adapt to the speaker here."""

    def learn(self, text: str) -> None:
        """Nothing to learn: Vosk does not adapt to the speaker here."""
