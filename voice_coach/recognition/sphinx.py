"""The built-in engine: PocketSphinx (its wheel ships an en-us model) with a JSGF grammar."""

from __future__ import annotations

import itertools
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..audio.clip import CLIPPED_SHARE, RATE, count_clipped
from . import adaptation, rejection
from .base import ModelError, Result
from .choice import Decode, choose
from .grammar import jsgf, split_known
from .rejection import Features, RejectionModel, Segment
from .speaker import SpeakerWarp
from .sphinx_files import (
    PRONUNCIATIONS,
    dictionary_lines,
    extra_pronunciations,
    load_cmn_prior,
    load_decoder,
    model_dir,
    sphinx_vocabulary,
)

# PocketSphinx's features break down on exact digital silence (synthesized speech, muted
# microphones): a noise floor at about -60 dBFS, far below any real microphone's, fixes that.
log = logging.getLogger(__name__)

_NOISE_FLOOR = 30.0
_TAIL_FRAMES = 10
"""Frames of noise floor added after each utterance (see `_end`)."""
_QUIET_DB = 30.0
"""An utterance whose loud frames are this far above its quiet ones was spoken in quiet."""
CMN_PRIOR_WEIGHT = 0.5
_NBEST = 10
_NO_PATH = -1e12
"""The path score of a phrase the search found no path for (below any real one)."""
_PIECE_BYTES = 3200
"""Audio goes to the search 0.1 s at a time (see `_decode`)."""
MAX_UTTERANCE_SECONDS = 5.0
"""An utterance still going after this long is decoded as it is, and a new one starts:
noise loud enough to hold the endpointer open must not grow one without bound (memory,
and a decode that takes as long). The longest command takes about 2.5 s to say."""


def _is_clean(audio: bytes) -> bool:
    """Spoken in quiet (see _QUIET_DB) and not clipped."""
    energy = rejection.frame_energy(audio)
    if len(energy) == 0:
        return False
    samples = np.frombuffer(audio, dtype=np.int16)
    return (float(np.percentile(energy, 90) - np.percentile(energy, 10)) >= _QUIET_DB
            and count_clipped(samples) / len(samples) <= CLIPPED_SHARE)


class PocketSphinxRecognizer:
    """Grammar-constrained PocketSphinx with its voice-activity endpointer.

    Rejection: each utterance is decoded twice, with the grammar and with a free phone
    loop, and the calibrated model in `rejection` decides whether the grammar's phrase was
    really said (see that module). `rejection=None` with `calibrated=False` turns it off;
    `last_features` holds the measures of the last utterance (for calibrating).

    Cepstral mean normalisation: PocketSphinx's en-us model normalises each utterance by
    its own mean ("batch"). For a short command that mean depends on how much silence
    surrounds it ("next" with 0.1 s of silence each side was heard right, with 0.3 s as
    "repeat it"). For clean speech (in quiet, not clipped) the mean used is therefore
    halfway between the utterance's own and `cmn_prior`, a typical command's (held-out
    voices: 95.8% -> 96.3% of commands decoded right before rejection). Otherwise the
    utterance's own mean is kept: noise and clipping shift it far from clean speech's (with
    the prior, white noise at 10 dB SNR went from 75% to 22%). `last_cmn` is the own mean
    of the last utterance (at the warp used) if it was clean and some phrase fitted it (for
    calibrating).

    Speaker adaptation, in two steps. (1) The frequency warp (`speaker`, see that module):
    the first few clean utterances are decoded at several warps; then the warp that
    fitted best (margin) over them is used alone. (2) An MLLR transform of the acoustic
    model (`adaptation`, see that module), estimated from the clean utterances that were
    acted on as commands after that (`learn`), at ESTIMATE_AT of them; each utterance is
    then decoded with and without it. Which decode is kept is `choice.choose`'s: the
    one the rejection model scores best, or, when the two with and without the transform
    name different phrases, the phrase both models find likelier (`_likelihood`) if it
    clears the bar. The estimate runs in a thread when `background`
    (the live coach: decoding goes on meanwhile), else at once (reproducible results).
    Results therefore depend on the voice heard so far; `new_speaker()` starts over,
    `adapt=False` does neither. Without SphinxTrain's tools step 2 is skipped
    (`adaptation_notice` says why).

    Words missing from the dictionary come from PRONUNCIATIONS; phrases with words in
    neither are left out and listed in `missing_words`.
    """

    name = "pocketsphinx"

    def __init__(self, phrases: list[str], rejection_model: RejectionModel | None = None,
                 calibrated: bool = True,
                 cmn_prior: tuple[float, ...] | None = None, adapt: bool = True,
                 background: bool = False) -> None:
        model = model_dir()
        self._extra = extra_pronunciations(PRONUNCIATIONS)
        usable, self.missing_words = split_known(phrases,
                                                 sphinx_vocabulary(model) | self._extra.keys())
        if not usable:
            raise ModelError("none of the intent phrases can be recognised by PocketSphinx")
        self._grammar = jsgf(usable)
        self._decoder = self._load_decoder()
        self._adapted: Any = None
        self._grammar_dictionary: str | None = None
        self._phrases = frozenset(usable)
        self.rejection = rejection_model
        self.cmn_prior = cmn_prior
        if calibrated and (self.rejection is None or self.cmn_prior is None):
            calibration = rejection.read_calibration()
            self.rejection = self.rejection or rejection.load(calibration)
            self.cmn_prior = self.cmn_prior or load_cmn_prior(calibration)
            if self.rejection is None:
                log.warning("no rejection calibration in %s: every utterance is taken for "
                            "its nearest command (run bench/calibrate.py)",
                            rejection.CALIBRATION)
        self.noisy_input = False
        """Set by a front end that denoises the audio: then no utterance counts as spoken
        in quiet (see `_is_clean`), however quiet the background sounds after denoising."""
        self.last_features: Features | None = None
        self.last_cmn: tuple[float, ...] | None = None
        self._last_clean: tuple[bytes, float] | None = None
        self._phones_of: dict[str, list[str]] = {}
        self._endpointer = self._new_endpointer()
        self._frame = self._endpointer.frame_bytes
        self._pending = b""
        self._in_utt = False
        self._speech: list[bytes] = []
        self._rng = np.random.default_rng(0)
        self._adapt = adapt
        self._background = background
        self.adaptation_notice = ""
        self._tools: dict[str, str] | None = None
        self._hmm: Path | None = None
        if adapt:
            try:
                self._tools = adaptation.find_tools()
                self._hmm = adaptation.prepare_model(model / "en-us", self._tools)
            except adaptation.AdaptationError as err:
                self.adaptation_notice = f"Speaker adaptation is off: {err}."
        self.new_speaker()

    def _load_decoder(self, mllr: Path | None = None, dictionary: Path | None = None) -> Any:
        return load_decoder(self._grammar, self._extra, PRONUNCIATIONS, mllr, dictionary)

    def new_speaker(self) -> None:
        """Forget the voice adapted to (see the class docstring)."""
        self.speaker = SpeakerWarp() if self._adapt else SpeakerWarp(warps=(1.0,))
        self._adapted = None
        self.adaptation = (adaptation.SpeakerAdaptation(
            self._hmm, self._pronounce, self._tools, self._load_adapted, self._background)
            if self._tools is not None and self._hmm is not None else None)

    @property
    def adapted(self) -> bool:
        """Whether a transform for this speaker is in use (see adaptation.py)."""
        return self._adapted is not None

    def adopt_speaker(self, other: PocketSphinxRecognizer) -> None:
        """Go on with the voice `other` has adapted to (its warp and transform)."""
        self.speaker, self.adaptation, self._adapted = (other.speaker, other.adaptation,
                                                        other._adapted)

    def _pronounce(self, word: str) -> str:
        return self._decoder.lookup_word(word) or ""

    def learn(self, text: str) -> None:
        """Adapt to the last utterance as the speaker saying `text` (the caller says so
        once it acted on the command), if it was clean and the warp is settled."""
        if self.adaptation is not None and self._last_clean is not None:
            audio, warp = self._last_clean
            self._last_clean = None  # once
            self.adaptation.add(audio, text, warp)

    def _take_transform(self) -> None:
        """Switch to the decoder with the speaker's newest transform, if one is ready."""
        decoder = self.adaptation.take() if self.adaptation is not None else None
        if decoder is not None:
            self._adapted = decoder

    def _load_adapted(self, matrix: bytes) -> Any:
        """A decoder with the MLLR transform `matrix` (built by the adaptation's thread,
        if it has one; with only the grammar's words in its dictionary it loads in a
        tenth of the time, and PocketSphinx holds Python's lock meanwhile)."""
        if self._grammar_dictionary is None:  # read once per recognizer
            self._grammar_dictionary = dictionary_lines(
                {w for phrase in self._phrases for w in phrase.split()})
        with tempfile.TemporaryDirectory(prefix="voice-coach-mllr-") as tmp:
            mllr, dictionary = Path(tmp) / "mllr_matrix", Path(tmp) / "grammar.dict"
            mllr.write_bytes(matrix)
            dictionary.write_text(self._grammar_dictionary, encoding="utf-8")
            return self._load_decoder(mllr, dictionary)

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
                    self._in_utt = True
                    results.append(Result("", 0.0, final=False))
                self._speech.append(speech)
            if self._in_utt and (not self._endpointer.in_speech or self._too_long()):
                results.append(self._end())
        return results

    def _too_long(self) -> bool:
        return sum(map(len, self._speech)) >= MAX_UTTERANCE_SECONDS * 2 * RATE

    def _end(self) -> Result:
        # Decoded whole, once it has ended: cepstral mean normalisation is then computed
        # on the utterance itself ("batch"), instead of being carried over from earlier
        # audio, which made short commands after long silences fail. The endpointer cuts
        # close to the last phone, so some silence is added for the search to end in.
        speech = b"".join(self._speech)
        audio = speech + self._floor(bytes(self._frame * _TAIL_FRAMES))
        self._speech.clear()
        self._in_utt = False
        self.last_features = None
        self._take_transform()
        clean = not self.noisy_input and _is_clean(speech)
        warps = self.speaker.candidates(clean)
        means = {warp: self._means(audio, clean, warp) for warp in warps}
        heard = [self._hear(speech, audio, means[warp], warp, self._decoder) for warp in warps]
        likelihood = None
        if len(warps) > 1:
            self.speaker.observe([h.features.margin if h else None for h in heard])
        elif self._adapted is not None:
            # With and without the speaker's transform: it fits most voices better, but
            # not every word of every voice (see adaptation.py). The cepstral mean does
            # not depend on the transform.
            heard.append(self._hear(speech, audio, means[warps[0]], warps[0], self._adapted))
            likelihood = self._likelihood(audio, means[warps[0]][1], warps[0])
        best, bar = choose(heard, self.rejection, likelihood)
        self.last_cmn = best.own_cmn if clean and best else None
        self._last_clean = ((self._floor(bytes(self._frame * _TAIL_FRAMES)) + audio,
                             warps[0]) if clean and len(warps) == 1 else None)
        if best is None:
            log.debug("heard no phrase (%d decodes)", len(heard))
            return Result("", 0.0, final=True)
        features = self.last_features = best.features
        if self.rejection is None:
            return Result(best.text, 1.0, final=True)
        score = self.rejection.score(features)
        log.debug("heard %s: %r scores %.2f, needs %.2f", [h and h.text for h in heard],
                  best.text, score, bar)
        if score < bar:
            return Result("", 0.0, final=True)
        return Result(best.text, self.rejection.confidence(features), final=True)

    def _likelihood(self, audio: bytes, cmn: tuple[float, ...], warp: float,
                    ) -> Callable[[str], float]:
        """How well a phrase fits `audio`: its path scores, summed, with and without the
        speaker's transform (each model's grammar restricted to that phrase)."""
        def fit(phrase: str) -> float:
            total = 0.0
            for decoder in (self._decoder, self._adapted):
                decoder.add_jsgf_string("phrase", jsgf([phrase], "phrase"))
                decoder.config["warp_params"] = f"{warp:g}"
                hyp, _ = self._decode(decoder, "phrase", audio, cmn)
                total += hyp.score if hyp is not None else _NO_PATH
            return total
        return fit

    def _means(self, audio: bytes, clean: bool, warp: float,
               ) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """The cepstral mean of `audio` at frequency warp `warp` on its own, and the one to
        decode with (see the class docstring)."""
        self._decoder.config["warp_params"] = f"{warp:g}"
        own = self._own_cmn(audio)
        return own, self._blend(own) if clean and self.cmn_prior is not None else own

    def _hear(self, speech: bytes, audio: bytes,
              means: tuple[tuple[float, ...], tuple[float, ...]], warp: float, decoder: Any,
              ) -> Decode | None:
        """The grammar's phrase for `audio` (`speech` with a tail of silence) at frequency
        warp `warp` by `decoder`, normalised with `means` (`_means`), with its rejection
        features; None if no whole phrase fits."""
        own, cmn = means
        decoder.config["warp_params"] = f"{warp:g}"
        hyp, words = self._decode(decoder, "grammar", audio, cmn)
        frames = decoder.n_frames()
        # When no path reaches the grammar's end, PocketSphinx returns the best partial one
        # ("stop the", from "stop the count"); the best whole phrase in the n-best list
        # ("stop") is taken instead, and without one nothing was recognised. (The rejection
        # measures then still see the partial path's words, the only path PocketSphinx
        # gives segments for.)
        if hyp is not None and hyp.hypstr not in self._phrases:
            hyp = next((h for h in itertools.islice(decoder.nbest(), _NBEST)
                        if h is not None and h.hypstr in self._phrases), None)
        if hyp is None:
            return None
        loop, phones = self._decode(decoder, "phones", audio, cmn)
        expected = self._phones(hyp.hypstr)
        unexplained, unsupported = rejection.coverage(speech, words)
        return Decode(hyp.hypstr, Features(
            margin=rejection.margin(hyp.score, loop.score if loop else 0.0, frames),
            distance=rejection.phone_distance(loop.hypstr if loop else "", expected),
            phones=len(expected),
            unexplained=unexplained,
            word_margin=rejection.word_margin(words, phones),
            unsupported=unsupported), own)

    def _phones(self, phrase: str) -> list[str]:
        phones: list[str] = []
        for word in phrase.split():
            if word not in self._phones_of:
                self._phones_of[word] = (self._decoder.lookup_word(word) or "").split()
            phones += self._phones_of[word]
        return phones

    def _own_cmn(self, audio: bytes) -> tuple[float, ...]:
        """The cepstral mean of `audio` on its own: PocketSphinx's batch normalisation,
        computed over the whole utterance with a one-word search (nothing is decoded)."""
        self._decoder.config["cmn"] = "batch"
        self._decoder.reinit_feat()
        self._decoder.activate_search("mean")
        self._decoder.start_utt()
        self._decoder.process_raw(audio, full_utt=True)
        self._decoder.end_utt()
        mean = tuple(float(v) for v in self._decoder.get_cmn().split(","))
        self._decoder.config["cmn"] = "live"
        return mean

    def _blend(self, own: tuple[float, ...]) -> tuple[float, ...]:
        """Halfway (CMN_PRIOR_WEIGHT) from `own` to the prior."""
        assert self.cmn_prior is not None
        mean = (CMN_PRIOR_WEIGHT * np.array(self.cmn_prior)
                + (1 - CMN_PRIOR_WEIGHT) * np.array(own))
        return tuple(float(v) for v in mean)

    @staticmethod
    def _decode(decoder: Any, search: str, audio: bytes, cmn: tuple[float, ...]
                ) -> tuple[Any, list[Segment]]:
        """The best hypothesis (None if there is none) and its path, word by word, with
        the cepstral mean `cmn`.

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

    def finish(self) -> Result | None:
        tail, self._pending = self._pending, b""
        if self._endpointer.in_speech:
            # end_stream needs at least one sample; pad an empty tail with a silent frame.
            tail = tail or bytes(self._frame)
            speech = self._endpointer.end_stream(self._floor(tail))
            if speech:
                self._in_utt = True
                self._speech.append(speech)
        result = self._end() if self._in_utt else None
        # A fresh endpointer (end_stream leaves it unusable) and noise floor: each stream
        # is decoded the same way whatever came before it.
        self._endpointer = self._new_endpointer()
        self._rng = np.random.default_rng(0)
        return result

