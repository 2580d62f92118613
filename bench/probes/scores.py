"""Every test sentence said by each voice, clean or through an 8 kHz channel, decoded as in
use; per clip the phrase and rejection score (less its bar) of each decode the recognizer
chose from, and the intent it gave, as JSON lines, for `bench.probes.replay`.

    python -m bench.probes.scores OUT.jsonl [--narrowband] VOICE ...   # ~2 min a voice
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bench import noises
from bench.evaluate import CALIBRATION_VOICES, HELD_OUT_VOICES, labelled_sentences
from voice_coach.app.data import CoachData
from voice_coach.app.understand import understand_clip
from voice_coach.audio.clip import AudioClip
from voice_coach.recognition import make_recognizer, phrase_meanings
from voice_coach.recognition import sphinx as engine
from voice_coach.speech import synthesize

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("voices", nargs="+")
    parser.add_argument("--narrowband", action="store_true")
    args = parser.parse_args()
    decodes: list[tuple[str, float]] = []
    choose = engine.choose

    def recording(heard: Any, model: Any, fit: Any = None) -> Any:
        best, bar = choose(heard, model, fit)
        if best is not None and model is not None:
            decodes.append((best.text, float(model.score(best.features) - bar)))
        return best, bar

    engine.choose = recording  # type: ignore[assignment]
    data = CoachData.load()
    matcher = data.matcher()
    recognizer = make_recognizer("pocketsphinx", phrase_meanings(data.intents)).recognizer
    positive, negative = labelled_sentences(ROOT / "tests" / "sentences" / "en")
    rates = dict(CALIBRATION_VOICES + HELD_OUT_VOICES)
    with open(args.out, "w", encoding="utf-8") as out:
        for voice in args.voices:
            recognizer.new_speaker()
            for text, want in [*((c.text, c.intent) for c in positive),
                               *((s, None) for s in negative)]:
                x = synthesize(text, voice, rates.get(voice, 160)).samples
                decodes.clear()
                clip = AudioClip(noises.narrowband(x) if args.narrowband else x, noises.RATE)
                heard = understand_clip(recognizer, matcher, clip)
                out.write(json.dumps({"voice": voice, "text": text, "command": want is not None,
                                      "want": want, "got": heard.intent,
                                      "decodes": decodes}) + "\n")
            print(voice, flush=True)


if __name__ == "__main__":
    main()
