"""Estimate the narrowband channel transform and write it for the recognizer.

    python -m bench.narrowband [--out PATH]   # about a minute

Every command phrase that bench/calibrate.py speaks (calibration voices only: the held-out
voices and the test sentences stay out of it, so the figures measured on them hold),
synthesized with espeak-ng, sent through an 8 kHz channel (bench/noises.narrowband), with
the recognizer's noise floor added; one MLLR transform of PocketSphinx's means is
estimated from them with SphinxTrain (recognition/adaptation.py), unwarped. Being fitted on
four voices at once, it learns the channel rather than a speaker. Writes
voice_coach/data/recognition/narrowband.yaml (see recognition/narrowband.py).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

import yaml

from bench import noises
from bench.calibrate import speech
from bench.evaluate import CALIBRATION_VOICES
from voice_coach.app.data import CoachData
from voice_coach.recognition import adaptation
from voice_coach.recognition.narrowband import CHANNEL, model_digest
from voice_coach.recognition.sphinx_decoder import PhraseDecoder
from voice_coach.recognition.sphinx_files import SphinxFiles, extra_pronunciations
from voice_coach.recognition.sphinx_utterances import Utterances
from voice_coach.speech import synthesize


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=CHANNEL)
    args = parser.parse_args()
    data = CoachData.load()
    commands = [text for text, want in speech(data) if want is not None]
    files = SphinxFiles(calibration=None)
    try:
        tools = adaptation.find_tools(files.sphinxtrain)
        hmm = adaptation.prepare_model(files.model / "en-us", tools)
    except adaptation.AdaptationError as err:
        raise SystemExit(str(err)) from err
    decoder = PhraseDecoder(files, commands, extra_pronunciations(files.pronunciations), None)
    floor = Utterances().floor  # the noise floor the recognizer adds
    utterances = []
    for voice, wpm in CALIBRATION_VOICES:
        print(f"synthesizing {len(commands)} commands as {voice} ...", file=sys.stderr)
        for text in commands:
            x = noises.narrowband(synthesize(text, voice, wpm).samples)
            utterances.append((floor(x.tobytes()), text))
    print(f"estimating the transform from {len(utterances)} utterances ...", file=sys.stderr)
    matrix = adaptation.estimate(utterances, 1.0, hmm, decoder.pronounce, tools)
    record = {
        "made": date.today().isoformat(),
        "made_by": "python -m bench.narrowband",
        "voices": [voice for voice, _ in CALIBRATION_VOICES],
        "utterances": len(utterances),
        "model": model_digest(files.model / "en-us"),
        "matrix": [line.strip() for line in matrix.decode("ascii").splitlines()],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("# The narrowband channel transform (recognition/narrowband.py).\n"
                        + yaml.safe_dump(record, sort_keys=False, width=1000),
                        encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
