"""Decoding with the speaker's MLLR transform (adaptation.py): here, or on the other core.

Once the recognizer has adapted to a voice, each utterance is decoded with and without
the transform (sphinx.py). PocketSphinx holds Python's lock while it decodes, so in one
process the two decodes take turns (two threads took longer than one after the other).
The live coach therefore gives the transform's decoder a process of its own
(`Transforms(elsewhere=True)`) and the two decodes run at once, on two cores. Either way
a decode is started, the plain model decodes meanwhile, and then the result is
collected: `hear(...)()`.

The worker holds the newest transform only: a decoder handed out earlier decodes with
the newest one (a newer estimate of the same voice; after `new_speaker` the old one is
not used). If the worker fails, `failed` says why and the recognizer goes on without the
transform (sphinx_speaker.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from concurrent.futures import Future
from typing import Any, Protocol, TypeVar, cast

from ..worker import Worker, WorkerError
from .base import ModelError
from .choice import Decode, Likelihood
from .sphinx_decoder import (
    NO_RIVAL,
    Means,
    PhraseDecoder,
    hear,
    load_with_transform,
    phrase_scores,
)

_WORKER = "voice_coach.recognition.sphinx_worker"
"""The module the transform's decoder runs in, in a process of its own."""

log = logging.getLogger(__name__)

_WAIT = 10.0
"""Seconds to wait for the worker's decode (~0.1 s) before going on without it."""

T = TypeVar("T")
Pending = Callable[[], T]
"""A result being worked out: calling it waits for it."""


class Adapted(Protocol):
    """The decoder with a speaker's transform."""

    failed: str | None
    """Why it cannot decode any more, or None."""

    def hear(self, speech: bytes, audio: bytes, means: Means, warp: float,
             ) -> Pending[Decode | None]:
        """The grammar's phrase (see sphinx_decoder.hear)."""

    def lead(self, heard: Decode, audio: bytes, cmn: tuple[float, ...], warp: float,
             ) -> Pending[float]:
        """How far `heard`, this decoder's last decode, leads phrases of other meanings
        (see sphinx_decoder.Rivals)."""

    def fit(self, phrases: Collection[str], audio: bytes, cmn: tuple[float, ...],
            warp: float) -> Pending[dict[str, float]]:
        """Each phrase's path score (see sphinx_decoder.phrase_scores)."""


class Here:
    """The transform's decoder in this process: each decode is done when asked for."""

    failed: str | None = None

    def __init__(self, decoder: Any, base: PhraseDecoder) -> None:
        self._decoder, self._base = decoder, base

    def hear(self, speech: bytes, audio: bytes, means: Means, warp: float,
             ) -> Pending[Decode | None]:
        heard = hear(self._decoder, self._base.phrases, self._base.phones_of, speech, audio,
                     means, warp)
        return lambda: heard

    def lead(self, heard: Decode, audio: bytes, cmn: tuple[float, ...], warp: float,
             ) -> Pending[float]:
        lead = self._base.lead(heard, audio, cmn, warp, self._decoder)
        return lambda: lead

    def fit(self, phrases: Collection[str], audio: bytes, cmn: tuple[float, ...],
            warp: float) -> Pending[dict[str, float]]:
        scores = phrase_scores(self._decoder, phrases, audio, cmn, warp)
        return lambda: scores


class Elsewhere:
    """The transform's decoder in the worker process (sphinx_worker.py)."""

    def __init__(self, worker: Worker) -> None:
        self._worker = worker
        self.failed: str | None = None

    def hear(self, speech: bytes, audio: bytes, means: Means, warp: float,
             ) -> Pending[Decode | None]:
        return self._collect(self._worker.call("hear", speech, audio, means, warp), None)

    def lead(self, heard: Decode, audio: bytes, cmn: tuple[float, ...], warp: float,
             ) -> Pending[float]:
        # Without the worker, nothing is known against the phrase (as without meanings).
        return self._collect(self._worker.call("lead", heard, audio, cmn, warp), NO_RIVAL)

    def fit(self, phrases: Collection[str], audio: bytes, cmn: tuple[float, ...],
            warp: float) -> Pending[dict[str, float]]:
        # Without the worker's scores the plain model's alone decide (zeros added).
        return self._collect(self._worker.call("fit", list(phrases), audio, cmn, warp),
                             dict.fromkeys(phrases, 0.0))

    def _collect(self, future: Future[Any], instead: T) -> Pending[T]:
        def result() -> T:
            if self.failed is not None:
                return instead
            try:
                return cast(T, future.result(timeout=_WAIT))
            except (WorkerError, TimeoutError) as err:
                self.failed = str(err) or "no answer in time"
                log.warning("decoding with the speaker's transform failed: %s", self.failed)
                return instead
        return result


class Transforms:
    """Makes the decoder for each new transform of `base`'s grammar: here, or (with
    `elsewhere`) in a worker process, started at the first transform and kept for the
    next ones (a new one if it stopped)."""

    def __init__(self, base: PhraseDecoder, elsewhere: bool) -> None:
        self._base = base
        self._elsewhere = elsewhere
        self._worker: Worker | None = None

    def load(self, matrix: bytes) -> Adapted:
        """The decoder with the MLLR transform `matrix` (called by the adaptation's thread,
        if it has one)."""
        base = self._base
        if not self._elsewhere:
            return self.here(matrix)
        try:
            if self._worker is None or not self._worker.alive:
                self._worker = Worker(_WORKER, (base.files, base.grammar, base.extra,
                                                base.phrases, base.phones_of,
                                                base.grammar_dictionary(), base.meanings))
            self._worker.call("load", matrix).result()
        except WorkerError as err:
            raise ModelError(f"decoding with the speaker's transform: {err}") from err
        return Elsewhere(self._worker)

    def here(self, matrix: bytes) -> Here:
        """The decoder with the MLLR transform `matrix`, in this process."""
        base = self._base
        return Here(load_with_transform(base.files, base.grammar, base.extra, matrix,
                                        base.grammar_dictionary()), base)

    @property
    def worker(self) -> Worker | None:
        """The worker process, once started."""
        return self._worker

    def close(self) -> None:
        """Stops the worker process, if there is one."""
        if self._worker is not None:
            self._worker.close()


def likelihood(base: PhraseDecoder, adapted: Adapted, audio: bytes, cmn: tuple[float, ...],
               warp: float) -> Likelihood:
    """How well each phrase fits `audio`: its path scores with the plain model and with
    the transform, summed (the two at once when the transform is elsewhere)."""
    def fit(phrases: Collection[str]) -> dict[str, float]:
        theirs = adapted.fit(phrases, audio, cmn, warp)
        ours = phrase_scores(base.base, phrases, audio, cmn, warp)
        scores = theirs()
        return {phrase: ours[phrase] + scores[phrase] for phrase in phrases}
    return fit
