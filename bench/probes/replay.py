"""Two rules replayed on `bench.probes.scores` output, without decoding again: the last
decode of each clip is accepted if its score clears the bar as the rule moves it.

    python -m bench.probes.replay speaker CLEAN.jsonl ...
        a bar lowered for a speaker whose accepted commands score below the calibration
        voices' mean (by SHARE of the difference, at most MOST), once 5 were accepted
    python -m bench.probes.replay untrusted NARROW.jsonl ...
        at 8 kHz, phrases that the calibration voices' commands of another intent were
        taken for (at least twice, or once) are turned down
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench.evaluate import CALIBRATION_VOICES, HELD_OUT_VOICES
from voice_coach.app.data import CoachData
from voice_coach.recognition import phrase_meanings

CALIBRATION = [v for v, _ in CALIBRATION_VOICES]
HELD_OUT = [v for v, _ in HELD_OUT_VOICES]
Rule = Callable[[str, list[float]], float]
"""(phrase, scores of the speaker's accepted commands so far) -> how far the bar moves."""


def load(paths: list[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for p in paths for line in Path(p).read_text().splitlines()]


def replay(clips: list[dict[str, Any]], meaning: dict[str, str], voices: list[str],
           rule: Rule) -> tuple[int, int, int, int, int]:
    """(commands, understood, taken for another, unrelated sentences, accepted)."""
    n = ok = wrong = others = accepted = 0
    for voice in voices:
        scores: list[float] = []
        for clip in (c for c in clips if c["voice"] == voice):
            phrase, score = clip["decodes"][-1] if clip["decodes"] else ("", -99.0)
            got = meaning.get(phrase) if score >= -rule(phrase, scores) else None
            if clip["command"]:
                n += 1
                ok += got == clip["want"]
                wrong += got is not None and got != clip["want"]
            else:
                others += 1
                accepted += got is not None
            if got is not None:
                scores.append(score)
    return n, ok, wrong, others, accepted


def show(name: str, row: tuple[int, int, int, int, int]) -> None:
    n, ok, wrong, others, accepted = row
    print(f"| {name} | {ok}/{n} ({ok / n:.1%}) | {wrong} ({wrong / n:.1%}) "
          f"| {accepted}/{others} ({accepted / others:.1%}) |")


def main() -> None:
    mode, paths = sys.argv[1], sys.argv[2:]
    clips = load(paths)
    meaning = phrase_meanings(CoachData.load().intents)
    voices = list(dict.fromkeys(c["voice"] for c in clips))
    print("| rule | commands understood | taken for another | unrelated accepted |")
    print("|---|---|---|---|")
    if mode == "speaker":
        accepted = [c["decodes"][-1][1] for c in clips if c["voice"] in CALIBRATION
                    and c["command"] and c["got"] is not None and c["decodes"]]
        mean = float(np.mean(accepted))
        for share, most in ((0.0, 0.0), (0.5, 0.5), (1.0, 1.0)):
            def rule(_: str, scores: list[float], share: float = share,
                     most: float = most) -> float:
                return (min(most, max(0.0, share * (mean - float(np.mean(scores)))))
                        if len(scores) >= 5 else 0.0)
            show(f"share {share}, at most {most}, all voices",
                 replay(clips, meaning, voices, rule))
            for voice in voices:
                show(f"  {voice}", replay(clips, meaning, [voice], rule))
    elif mode == "untrusted":
        taken: Counter[str] = Counter(
            c["decodes"][-1][0] for c in clips if c["voice"] in CALIBRATION and c["command"]
            and c["got"] is not None and c["got"] != c["want"])
        for least in (0, 2, 1):
            bad = {p for p, k in taken.items() if k >= least} if least else set()
            def rule(phrase: str, _: list[float], bad: set[str] = bad) -> float:
                return -1e9 if phrase in bad else 0.0
            print(f"| untrusted (taken at least {least or 'never'}): "
                  f"{', '.join(sorted(bad)) or '-'} | | | |")
            show("  held-out", replay(clips, meaning, HELD_OUT, rule))
            show("  calibration voices", replay(clips, meaning, CALIBRATION, rule))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
