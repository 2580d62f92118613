"""Decoding one utterance with PocketSphinx: the grammar's phrase at a frequency warp and
cepstral mean, and the measures the rejection model judges it by."""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from . import rejection
from .choice import Decode
from .grammar import jsgf
from .rejection import Features, Segment
from .sphinx_files import SphinxFiles, dictionary_lines, load_decoder

CMN_PRIOR_WEIGHT = 0.5
"""How far a clean utterance's cepstral mean is moved towards the calibrated prior."""
_NBEST = 10
_NO_PATH = -1e12
"""The path score of a phrase the search found no path for (below any real one)."""
_PIECE_BYTES = 3200
"""Audio goes to the search 0.1 s at a time (see `decode`)."""

Means = tuple[tuple[float, ...], tuple[float, ...]]
"""(the utterance's own cepstral mean, the one to decode with)."""


def _at_warp(decoder: Any, warp: float) -> Any:
    """`decoder`, set to frequency warp `warp` (the one place the setting is changed)."""
    decoder.config["warp_params"] = f"{warp:g}"
    return decoder


def decode(decoder: Any, search: str, audio: bytes, cmn: tuple[float, ...],
           ) -> tuple[Any, list[Segment]]:
    """The best hypothesis of `search` (None if there is none) and its path, word by word,
    with the cepstral mean `cmn`.

    "live" normalisation starts from the given mean and, within a command, does not
    move from it, so the audio can go in piece by piece: PocketSphinx holds Python's
    lock while it decodes, and between pieces the audio callbacks get it (decoding a
    second of speech in one call starved the speaker into underruns)."""
    decoder.activate_search(search)
    # A fresh front end: its background-noise estimate would otherwise carry over
    # from the last pass, and each pass should see the utterance the same way.
    decoder.reinit_feat()
    decoder.set_cmn(",".join(f"{v:.4f}" for v in cmn))
    decoder.start_utt()
    for i in range(0, len(audio), _PIECE_BYTES):
        decoder.process_raw(audio[i:i + _PIECE_BYTES])
    decoder.end_utt()
    hyp = decoder.hyp()
    # The Python API hands out scores as logmath.exp(score); their log is proportional
    # to the log-likelihood, which is all the rejection measures need.
    path = [Segment(seg.word, seg.start_frame, seg.end_frame,
                    float(np.log(max(seg.ascore, 1e-300))))
            for seg in decoder.seg() or ()]
    return hyp, path


class PhraseDecoder:
    """The grammar of `phrases` on PocketSphinx's model, with the searches the rejection
    measures need (a free phone loop; a one-word search for the cepstral mean)."""

    def __init__(self, files: SphinxFiles, phrases: list[str], extra: dict[str, str],
                 cmn_prior: tuple[float, ...] | None) -> None:
        self.files = files
        self.phrases = frozenset(phrases)
        self.cmn_prior = cmn_prior
        self._grammar = jsgf(phrases)
        self._extra = extra
        self.base = self._load()
        self._grammar_dictionary: str | None = None
        self._phones_of: dict[str, list[str]] = {}

    def _load(self, mllr: Path | None = None, dictionary: Path | None = None) -> Any:
        return load_decoder(self.files.model, self._grammar, self._extra,
                            self.files.pronunciations, mllr, dictionary)

    def load_adapted(self, matrix: bytes) -> Any:
        """A decoder with the MLLR transform `matrix` (built by the adaptation's thread, if
        it has one; with only the grammar's words in its dictionary it loads in a tenth of
        the time, and PocketSphinx holds Python's lock meanwhile)."""
        if self._grammar_dictionary is None:  # read once per recognizer
            self._grammar_dictionary = dictionary_lines(
                self.files.model, {w for phrase in self.phrases for w in phrase.split()})
        with tempfile.TemporaryDirectory(prefix="voice-coach-mllr-") as tmp:
            mllr, dictionary = Path(tmp) / "mllr_matrix", Path(tmp) / "grammar.dict"
            mllr.write_bytes(matrix)
            dictionary.write_text(self._grammar_dictionary, encoding="utf-8")
            return self._load(mllr, dictionary)

    def pronounce(self, word: str) -> str:
        return self.base.lookup_word(word) or ""

    def means(self, audio: bytes, clean: bool, warp: float) -> Means:
        """The cepstral mean of `audio` at `warp` on its own, and the one to decode with:
        for clean speech halfway (CMN_PRIOR_WEIGHT) to the calibrated prior."""
        own = self._own_cmn(audio, warp)
        if not clean or self.cmn_prior is None:
            return own, own
        mean = (CMN_PRIOR_WEIGHT * np.array(self.cmn_prior)
                + (1 - CMN_PRIOR_WEIGHT) * np.array(own))
        return own, tuple(float(v) for v in mean)

    def _own_cmn(self, audio: bytes, warp: float) -> tuple[float, ...]:
        """PocketSphinx's batch normalisation over the whole utterance, computed with a
        one-word search (nothing is decoded)."""
        decoder = _at_warp(self.base, warp)
        decoder.config["cmn"] = "batch"
        decoder.reinit_feat()
        decoder.activate_search("mean")
        decoder.start_utt()
        decoder.process_raw(audio, full_utt=True)
        decoder.end_utt()
        mean = tuple(float(v) for v in decoder.get_cmn().split(","))
        decoder.config["cmn"] = "live"
        return mean

    def hear(self, speech: bytes, audio: bytes, means: Means, warp: float,
             decoder: Any | None = None) -> Decode | None:
        """The grammar's phrase for `audio` (`speech` with a tail of silence) at `warp` by
        `decoder` (default: the base model), normalised with `means`, with its rejection
        features; None if no whole phrase fits."""
        own, cmn = means
        decoder = _at_warp(decoder or self.base, warp)
        hyp, words = decode(decoder, "grammar", audio, cmn)
        frames = decoder.n_frames()
        # When no path reaches the grammar's end, PocketSphinx returns the best partial one
        # ("stop the", from "stop the count"); the best whole phrase in the n-best list
        # ("stop") is taken instead, and without one nothing was recognised. (The rejection
        # measures then still see the partial path's words, the only path PocketSphinx
        # gives segments for.)
        if hyp is not None and hyp.hypstr not in self.phrases:
            hyp = next((h for h in itertools.islice(decoder.nbest(), _NBEST)
                        if h is not None and h.hypstr in self.phrases), None)
        if hyp is None:
            return None
        loop, phones = decode(decoder, "phones", audio, cmn)
        expected = self._phones(hyp.hypstr)
        unexplained, unsupported = rejection.coverage(speech, words)
        return Decode(hyp.hypstr, Features(
            margin=rejection.margin(hyp.score, loop.score if loop else 0.0, frames),
            distance=rejection.phone_distance(loop.hypstr if loop else "", expected),
            phones=len(expected),
            unexplained=unexplained,
            word_margin=rejection.word_margin(words, phones),
            unsupported=unsupported), own)

    def likelihood(self, adapted: Any, audio: bytes, cmn: tuple[float, ...], warp: float,
                   ) -> Callable[[str], float]:
        """How well a phrase fits `audio`: its path scores, summed, with the base model and
        with `adapted` (each model's grammar restricted to that phrase)."""
        def fit(phrase: str) -> float:
            total = 0.0
            for decoder in (self.base, adapted):
                decoder.add_jsgf_string("phrase", jsgf([phrase], "phrase"))
                hyp, _ = decode(_at_warp(decoder, warp), "phrase", audio, cmn)
                total += hyp.score if hyp is not None else _NO_PATH
            return total
        return fit

    def _phones(self, phrase: str) -> list[str]:
        phones: list[str] = []
        for word in phrase.split():
            if word not in self._phones_of:
                self._phones_of[word] = self.pronounce(word).split()
            phones += self._phones_of[word]
        return phones
