"""The worker process for the decoder with the speaker's transform (worker.py).

sphinx_adapted.py sends it calls (`load`, `hear`, `fit`), so the caller decodes with the
plain model meanwhile.
"""

from __future__ import annotations

import socket
import sys
from typing import Any

from ..worker import serve
from .sphinx_decoder import NO_RIVAL, Rivals, hear, load_with_transform, phrase_scores


class _Decoder:
    """What the worker holds: the grammar's setup and the newest transform's decoder."""

    def __init__(self) -> None:
        self._setup: tuple[Any, ...] = ()
        self._decoder: Any = None
        self._rivals: Rivals | None = None

    def start(self, *setup: Any) -> None:
        self._setup = setup
        *_, meanings = setup
        self._rivals = Rivals(meanings) if meanings else None

    def load(self, matrix: bytes) -> None:
        files, grammar, extra, _, _, dictionary, _ = self._setup
        self._decoder = None  # the old one's memory first
        self._decoder = load_with_transform(files, grammar, extra, matrix, dictionary)

    def hear(self, *args: Any) -> Any:
        _, _, _, phrases, phones_of, _, _ = self._setup
        return hear(self._decoder, phrases, phones_of, *args)

    def lead(self, *args: Any) -> float:
        if self._rivals is None:
            return NO_RIVAL
        return self._rivals.lead(self._decoder, *args)

    def fit(self, *args: Any) -> Any:
        return phrase_scores(self._decoder, *args)


if __name__ == "__main__":
    serve(socket.socket(fileno=int(sys.argv[1])), _Decoder())
