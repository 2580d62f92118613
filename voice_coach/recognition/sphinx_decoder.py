"""Decoding one utterance with PocketSphinx: the grammar's phrase at a frequency warp and
cepstral mean, and the measures the rejection model judges it by."""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterable, Mapping
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
NO_RIVAL = 100.0
"""The lead of a phrase that nothing of another meaning fits (`rejection.margin`'s cap)."""
_RIVALS = "rivals"
"""The search of the phrases of other meanings (see `Rivals`)."""
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


class Rivals:
    """For each meaning (intent) of the grammar's phrases, a search of the phrases that
    mean something else, to measure how far a decoded phrase leads them.

    A grammar decoder answers with its best phrase however close another came; in noise
    and through an 8 kHz headset the runner-up is often another command ("hold on" and
    "move on", "quit" and "wait"), and acting on it does the wrong thing.

    A decoder holds one such search at a time (each takes ~20 MB: one per intent took
    the bench from 213 to 490 MB), built again (~60 ms) when a phrase of another meaning
    is measured. Only a phrase that clears the rejection bar is measured (sphinx.py):
    stray speech that is turned down anyway costs nothing more."""

    def __init__(self, meanings: Mapping[str, str]) -> None:
        self.meaning_of = dict(meanings)
        self._alone = len(set(self.meaning_of.values())) < 2
        """Whether there is only one meaning, so nothing to lead."""
        self._grammars: dict[str, str] = {}
        self._holding: dict[int, str] = {}
        """Which meaning's search each decoder (by id) holds."""

    def lead(self, decoder: Any, heard: Decode, audio: bytes, cmn: tuple[float, ...],
             warp: float) -> float:
        """How far `heard`, decoded by `decoder` from `audio` with cepstral mean `cmn` at
        `warp`, leads the best phrase of another meaning (`rejection.margin`'s units)."""
        meaning = self.meaning_of.get(heard.text)
        if meaning is None or self._alone:
            return NO_RIVAL
        decoder = _at_warp(decoder, warp)
        try:
            rival = self._best(decoder, meaning, audio, cmn)
        except KeyError:  # a new decoder with an old one's id: it holds no search yet
            self._holding.pop(id(decoder), None)
            rival = self._best(decoder, meaning, audio, cmn)
        return rejection.margin(heard.score, rival.score if rival is not None else 0.0,
                                heard.frames)

    def _best(self, decoder: Any, meaning: str, audio: bytes, cmn: tuple[float, ...]) -> Any:
        """The best hypothesis among the phrases of meanings other than `meaning`."""
        if self._holding.get(id(decoder)) != meaning:
            decoder.add_jsgf_string(_RIVALS, self._grammar(meaning))
            self._holding[id(decoder)] = meaning
        return decode(decoder, _RIVALS, audio, cmn)[0]

    def _grammar(self, meaning: str) -> str:
        if meaning not in self._grammars:
            others = [p for p, m in self.meaning_of.items() if m != meaning]
            self._grammars[meaning] = jsgf(others, _RIVALS)
        return self._grammars[meaning]


def hear(decoder: Any, phrases: frozenset[str], phones_of: Mapping[str, list[str]],
         speech: bytes, audio: bytes, means: Means, warp: float) -> Decode | None:
    """The phrase of `phrases` that `decoder`'s grammar finds in `audio` (`speech` with a
    tail of silence) at `warp`, normalised with `means`, with its rejection features
    (`phones_of` has each word's phones); None if no whole phrase fits."""
    own, cmn = means
    decoder = _at_warp(decoder, warp)
    hyp, words = decode(decoder, "grammar", audio, cmn)
    frames = decoder.n_frames()
    # When no path reaches the grammar's end, PocketSphinx returns the best partial one
    # ("stop the", from "stop the count"); the best whole phrase in the n-best list
    # ("stop") is taken instead, and without one nothing was recognised. (The rejection
    # measures then still see the partial path's words, the only path PocketSphinx
    # gives segments for.)
    if hyp is not None and hyp.hypstr not in phrases:
        hyp = next((h for h in itertools.islice(decoder.nbest(), _NBEST)
                    if h is not None and h.hypstr in phrases), None)
    if hyp is None:
        return None
    loop, phone_path = decode(decoder, "phones", audio, cmn)
    expected = [phone for word in hyp.hypstr.split() for phone in phones_of[word]]
    unexplained, unsupported = rejection.coverage(speech, words)
    return Decode(hyp.hypstr, Features(
        margin=rejection.margin(hyp.score, loop.score if loop else 0.0, frames),
        distance=rejection.phone_distance(loop.hypstr if loop else "", expected),
        phones=len(expected),
        unexplained=unexplained,
        word_margin=rejection.word_margin(words, phone_path),
        unsupported=unsupported), own, hyp.score, frames)


def phrase_scores(decoder: Any, phrases: Iterable[str], audio: bytes,
                  cmn: tuple[float, ...], warp: float) -> dict[str, float]:
    """Each phrase's path score in `audio` by `decoder` (its grammar restricted to that
    phrase)."""
    scores = {}
    for phrase in phrases:
        decoder.add_jsgf_string("phrase", jsgf([phrase], "phrase"))
        hyp, _ = decode(_at_warp(decoder, warp), "phrase", audio, cmn)
        scores[phrase] = hyp.score if hyp is not None else _NO_PATH
    return scores


def load_with_transform(files: SphinxFiles, grammar: str, extra: dict[str, str],
                        matrix: bytes, dictionary: str) -> Any:
    """A decoder of `grammar` with the MLLR transform `matrix` and the dictionary text
    `dictionary` (only the grammar's words: it loads in a tenth of the time)."""
    with tempfile.TemporaryDirectory(prefix="voice-coach-mllr-") as tmp:
        mllr, words = Path(tmp) / "mllr_matrix", Path(tmp) / "grammar.dict"
        mllr.write_bytes(matrix)
        words.write_text(dictionary, encoding="utf-8")
        return load_decoder(files.model, grammar, extra, files.pronunciations, mllr, words)


class PhraseDecoder:
    """The grammar of `phrases` on PocketSphinx's model, with the searches the rejection
    measures need (a free phone loop; a one-word search for the cepstral mean). The
    decoder with a speaker's transform is made from it by sphinx_adapted.py."""

    def __init__(self, files: SphinxFiles, phrases: list[str], extra: dict[str, str],
                 cmn_prior: tuple[float, ...] | None,
                 meanings: Mapping[str, str] | None = None) -> None:
        self.files = files
        self.phrases = frozenset(phrases)
        self.meanings = {p: m for p, m in (meanings or {}).items() if p in self.phrases}
        """What each phrase means (its intent), if known: then `lead` measures leads."""
        self.rivals = Rivals(self.meanings) if self.meanings else None
        self.cmn_prior = cmn_prior
        self.grammar = jsgf(phrases)
        self.extra = extra
        self.base = load_decoder(files.model, self.grammar, extra, files.pronunciations)
        self.phones_of = {word: self.pronounce(word).split()
                          for phrase in self.phrases for word in phrase.split()}
        """The phones of each of the grammar's words."""
        self._grammar_dictionary: str | None = None

    def grammar_dictionary(self) -> str:
        """The dictionary entries of the grammar's words (read once)."""
        if self._grammar_dictionary is None:
            self._grammar_dictionary = dictionary_lines(self.files.model, self.phones_of)
        return self._grammar_dictionary

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

    def hear(self, speech: bytes, audio: bytes, means: Means, warp: float) -> Decode | None:
        """The grammar's phrase by the base model (see `hear` above)."""
        return hear(self.base, self.phrases, self.phones_of, speech, audio, means, warp)

    def lead(self, heard: Decode, audio: bytes, cmn: tuple[float, ...], warp: float,
             decoder: Any = None) -> float:
        """How far `heard`, the decode of `decoder` (by default the base model's), leads
        phrases of other meanings (NO_RIVAL if the meanings are not known; see
        `Rivals.lead`)."""
        if self.rivals is None:
            return NO_RIVAL
        return self.rivals.lead(decoder or self.base, heard, audio, cmn, warp)
