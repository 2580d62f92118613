"""The built-in engine: PocketSphinx (its wheel ships an en-us model) with a JSGF grammar."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from .base import ModelError, Result
from .grammar import jsgf, split_known

# PocketSphinx's features break down on exact digital silence (synthesized speech, muted
# microphones): a noise floor at about -60 dBFS, far below any real microphone's, fixes that.
_NOISE_FLOOR = 30.0


def _model_dir() -> Path:
    import pocketsphinx

    return Path(pocketsphinx.get_model_path()) / "en-us"


def sphinx_vocabulary(model_dir: Path | None = None) -> frozenset[str]:
    """Words the pronunciation dictionary knows."""
    path = (model_dir or _model_dir()) / "cmudict-en-us.dict"
    try:
        with open(path, encoding="utf-8") as f:
            return frozenset(line.split(maxsplit=1)[0] for line in f if line.strip())
    except OSError as err:
        raise ModelError(f"PocketSphinx dictionary {path} cannot be read ({err.strerror}); "
                         "reinstall it with: pip install --force-reinstall pocketsphinx") from err


class PocketSphinxRecognizer:
    """Grammar-constrained PocketSphinx with its voice-activity endpointer.

    Phrases with words missing from the dictionary are left out and listed in
    `missing_words`.
    """

    name = "pocketsphinx"

    def __init__(self, phrases: list[str]) -> None:
        import pocketsphinx

        model = _model_dir()
        usable, self.missing_words = split_known(phrases, sphinx_vocabulary(model))
        if not usable:
            raise ModelError("none of the intent phrases can be recognised by PocketSphinx")
        try:
            self._decoder = pocketsphinx.Decoder(
                hmm=os.fspath(model / "en-us"), dict=os.fspath(model / "cmudict-en-us.dict"),
                lm=None, loglevel="FATAL")
            self._decoder.add_jsgf_string("grammar", jsgf(usable))
            self._decoder.activate_search("grammar")
        except (RuntimeError, ValueError) as err:
            raise ModelError(f"PocketSphinx could not load its model in {model}: {err}") from err
        self._endpointer = self._new_endpointer()
        self._frame = self._endpointer.frame_bytes
        self._pending = b""
        self._in_utt = False
        self._rng = np.random.default_rng(0)

    @staticmethod
    def _new_endpointer() -> Any:
        import pocketsphinx

        return pocketsphinx.Endpointer()

    def _floor(self, frame: bytes) -> bytes:
        x = np.frombuffer(frame, dtype=np.int16).astype(np.float64)
        x += self._rng.normal(0.0, _NOISE_FLOOR, len(x))
        return np.clip(x, -32768, 32767).astype(np.int16).tobytes()

    def accept(self, chunk: bytes) -> list[Result]:
        results: list[Result] = []
        self._pending += chunk
        while len(self._pending) >= self._frame:
            frame, self._pending = self._pending[:self._frame], self._pending[self._frame:]
            speech = self._endpointer.process(self._floor(frame))
            if speech is not None:
                if not self._in_utt:
                    self._decoder.start_utt()
                    self._in_utt = True
                self._decoder.process_raw(speech)
                if self._endpointer.in_speech:
                    hyp = self._decoder.hyp()
                    if hyp is not None and hyp.hypstr:
                        results.append(Result(hyp.hypstr, 0.0, final=False))
            if self._in_utt and not self._endpointer.in_speech:
                results.append(self._end())
        return results

    def _end(self) -> Result:
        self._decoder.end_utt()
        self._in_utt = False
        hyp = self._decoder.hyp()
        if hyp is None or not hyp.hypstr:
            return Result("", 0.0, final=True)
        return Result(hyp.hypstr, float(hyp.prob), final=True)

    def finish(self) -> Result | None:
        tail, self._pending = self._pending, b""
        if self._endpointer.in_speech:
            # end_stream needs at least one sample; pad an empty tail with a silent frame.
            tail = tail or bytes(self._frame)
            speech = self._endpointer.end_stream(self._floor(tail))
            if speech:
                if not self._in_utt:
                    self._decoder.start_utt()
                    self._in_utt = True
                self._decoder.process_raw(speech)
        result = self._end() if self._in_utt else None
        # A fresh endpointer (end_stream leaves it unusable) and noise floor: each stream
        # is decoded the same way whatever came before it.
        self._endpointer = self._new_endpointer()
        self._rng = np.random.default_rng(0)
        return result
