"""What the PocketSphinx engine has learnt of the voice it hears: the frequency warp
(speaker.py) and an MLLR transform of the acoustic model (adaptation.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from . import adaptation
from .speaker import SpeakerWarp
from .sphinx_adapted import Adapted

log = logging.getLogger(__name__)


class SpeakerState:
    """The warp and transform for one speaker; `reset()` starts over for someone else.

    (1) The first few clean utterances are decoded at several warps; then the warp that
    fitted best over them is used alone. (2) The clean utterances acted on as commands
    after that (`learn`) are collected, and at adaptation.ESTIMATE_AT of them a transform
    is estimated (in a thread when `background`); each utterance is then decoded with and
    without it. Without SphinxTrain's tools (2) is skipped and `notice` says why;
    `adapt=False` does neither."""

    def __init__(self, model: Path, tool_dirs: tuple[str, ...], adapt: bool,
                 background: bool, pronounce: Callable[[str], str],
                 load_adapted: Callable[[bytes], Adapted]) -> None:
        self._adapt = adapt
        self._background = background
        self._pronounce = pronounce
        self._load_adapted = load_adapted
        self.notice = ""
        self._tools: dict[str, str] | None = None
        self._hmm: Path | None = None
        if adapt:
            try:
                self._tools = adaptation.find_tools(tool_dirs)
                self._hmm = adaptation.prepare_model(model / "en-us", self._tools)
            except adaptation.AdaptationError as err:
                self.notice = f"Speaker adaptation is off: {err}."
        self.reset()

    def reset(self) -> None:
        self.warp = SpeakerWarp() if self._adapt else SpeakerWarp(warps=(1.0,))
        self.adapted: Adapted | None = None
        """The decoder with this speaker's transform, once there is one."""
        self.adaptation = (adaptation.SpeakerAdaptation(
            self._hmm, self._pronounce, self._tools, self._load_adapted, self._background)
            if self._tools is not None and self._hmm is not None else None)
        self._last_clean: tuple[bytes, float] | None = None

    def adopt(self, other: SpeakerState) -> None:
        """Go on with the voice `other` has adapted to."""
        self.warp, self.adaptation, self.adapted = other.warp, other.adaptation, other.adapted

    def take_transform(self) -> None:
        """Switch to the decoder with the newest transform, if one is ready; drop a
        decoder that failed (sphinx_adapted.py)."""
        decoder = self.adaptation.take() if self.adaptation is not None else None
        if decoder is not None:
            self.adapted = decoder
        elif self.adapted is not None and self.adapted.failed is not None:
            log.warning("going on without the speaker's transform: %s", self.adapted.failed)
            self.adapted = None

    def heard(self, audio: bytes | None, warp: float) -> None:
        """The last utterance, if it may teach the voice (clean, decoded at the settled
        warp), else None."""
        self._last_clean = (audio, warp) if audio is not None else None

    def learn(self, text: str) -> None:
        """The last utterance was the speaker saying `text` (the caller acted on it)."""
        if self.adaptation is not None and self._last_clean is not None:
            audio, warp = self._last_clean
            self._last_clean = None  # once
            self.adaptation.add(audio, text, warp)
