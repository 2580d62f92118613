"""Adapting to the speaker: the frequency warp that fits their voice best.

Voices differ in vocal-tract length, which shifts every formant; the acoustic model fits
some voices better than others ("next" said by a deep voice heard as "repeat it").
PocketSphinx can warp the frequency axis of its features (`warp_params`, inverse linear):
a warp below 1 suits a longer vocal tract. Which warp suits a voice is measured on its
first few clean utterances: each is decoded at every warp in WARPS, and the warp that fits
best against a free phone loop (the rejection `margin`) most often is kept for the rest of
the session (ties: the best summed margin). Counting wins rather than summing margins keeps
one long phrase from outweighing the rest: by the sum, en-us-nyc (a calibration voice) got
1.03 from its first three utterances, where 0.94 fits it best most often and gets 253 of
its 263 commands right (1.03: 250).

Simulated from decodes without rejection (five warps, 0.94 to 1.06, per utterance; the
choice from the first three utterances, 30 random orders): calibration phrases 97.1% ->
97.4% of commands decoded right, held-out voices 95.8% -> 97.2%, with these three warps
as with all five, at three fifths of the cost while probing. bench/recognition.py measures
the result with rejection.
"""

from __future__ import annotations

from collections.abc import Sequence

WARPS = (1.0, 0.94, 1.03)
"""Candidate warps, no warp first (it wins ties)."""
PROBES = 3
"""Clean utterances decoded at every warp before one is chosen."""
FLOOR = -30.0
"""In the summed margin a margin counts at least this (one utterance no warp fits must not
decide a tie alone); a warp at which nothing was found counts this too."""


class SpeakerWarp:
    """Which warps to decode the next utterance at, learnt from the margins seen so far.

    `candidates` is every warp until PROBES clean utterances have been `observe`d, then
    the chosen one alone. `SpeakerWarp(warps=(1.0,))` never adapts.
    """

    def __init__(self, warps: Sequence[float] = WARPS, probes: int = PROBES) -> None:
        if not warps:
            raise ValueError("at least one warp is needed")
        self.warps = tuple(warps)
        self.probes = probes
        self._wins = [0] * len(self.warps)
        self._sums = [0.0] * len(self.warps)
        self.observed = 0

    @property
    def settled(self) -> bool:
        return len(self.warps) == 1 or self.observed >= self.probes

    @property
    def chosen(self) -> float:
        """The warp that fitted best most often so far; ties: the best summed margin,
        then the earlier in `warps` (the first before any utterance)."""
        best = max(range(len(self.warps)), key=lambda i: (self._wins[i], self._sums[i], -i))
        return self.warps[best]

    def candidates(self, clean: bool) -> tuple[float, ...]:
        """Every warp while still probing and the utterance is `clean` (spoken in quiet:
        noise changes which warp fits), else the chosen one."""
        return self.warps if clean and not self.settled else (self.chosen,)

    def observe(self, margins: Sequence[float | None]) -> None:
        """The margins (None: nothing found) of one clean utterance decoded at every warp,
        in the order of `warps`."""
        if len(margins) != len(self.warps):
            raise ValueError(f"{len(margins)} margins for {len(self.warps)} warps")
        floored = [FLOOR if m is None else max(m, FLOOR) for m in margins]
        for i, m in enumerate(floored):
            self._sums[i] += m
        self._wins[max(range(len(floored)), key=lambda i: (floored[i], -i))] += 1
        self.observed += 1
