"""Calibrate PocketSphinx's rejection model on data and write it for the recognizer.

Calibration speech shares no sentence and no voice with what the tests measure:

- commands: every phrase of one or two words the intents allow, and a fixed sample of the
  longer ones (phrases come from the intent files, not from the sentence tests);
- not commands: bench/calibration.yaml (running chatter, requests for other apps, sentences
  sharing words with the commands);
- voices: CALIBRATION_VOICES (espeak-ng); the tests use HELD_OUT_VOICES;
- each sentence is decoded twice: clean, and with other speech 30 dB down behind it (the
  coach's own voice leaking from earbuds into the microphone, a faint talker nearby).

Each clip is decoded with rejection off, keeping its rejection features
(voice_coach/recognition/rejection.py). A logistic model is fitted to tell clips whose
phrase was really said (the right intent) from the rest. Its threshold is the lowest at
which the false-accept rate on the non-commands is below TARGET_FALSE_ACCEPTS (the
product's target), so as little accuracy as possible is given up to meet it.

    python bench/calibrate.py [--jobs N]   # writes voice_coach/data/recognition/pocketsphinx.yaml
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voice_coach.app.coach import CoachData  # noqa: E402
from voice_coach.audio.clip import AudioClip  # noqa: E402
from voice_coach.recognition import phrase_list, recognize_clip  # noqa: E402
from voice_coach.recognition.evaluate import CALIBRATION_VOICES, synthesize  # noqa: E402
from voice_coach.recognition.rejection import (  # noqa: E402
    CALIBRATION,
    Features,
    RejectionModel,
    fit,
)
from voice_coach.recognition.sphinx import PocketSphinxRecognizer  # noqa: E402

TARGET_FALSE_ACCEPTS = 0.10
BACKGROUND_GAIN = 10 ** (-30 / 20)
LONG_PHRASES = 120
"""How many phrases of three words or more are sampled (there are over a thousand)."""
SENTENCES = Path(__file__).with_name("calibration.yaml")

Clip = tuple[bool, bool, Features | None]
"""(a command?, recognised the right intent / accepted something?, features or None when
the decoder itself found no whole phrase)."""


def speech(data: CoachData) -> list[tuple[str, str | None]]:
    """(sentence, intent or None) to speak: the commands, then the non-commands."""
    matcher = data.matcher()
    phrases = phrase_list(data.intents)
    short = [p for p in phrases if len(p.split()) <= 2]
    long = [p for p in phrases if len(p.split()) > 2]
    rng = np.random.default_rng(0)
    sample = short + [long[i] for i in sorted(rng.choice(len(long), LONG_PHRASES,
                                                         replace=False))]
    commands: list[tuple[str, str | None]] = []
    for phrase in sample:
        match = matcher.match(phrase)
        if match is not None:
            commands.append((phrase, match.intent))
    others = yaml.safe_load(SENTENCES.read_text(encoding="utf-8"))["out_of_domain"]
    matching = [s for s in others if matcher.match(s) is not None]
    if matching:
        raise SystemExit(f"{SENTENCES} has sentences that are commands: {matching}")
    return commands + [(s, None) for s in others]


def measure_voice(voice: str, rate: int) -> list[Clip]:
    """Decode every calibration sentence spoken by one voice (one process per voice)."""
    data = CoachData.load()
    matcher = data.matcher()
    recognizer = PocketSphinxRecognizer(phrase_list(data.intents), calibrated=False)
    sentences = speech(data)
    talk = [synthesize(text).samples for text, want in sentences if want is None]
    rng = np.random.default_rng(len(voice) * 1000 + rate)
    clips: list[Clip] = []
    for text, want in sentences:
        clip = synthesize(text, voice, rate)
        behind = np.resize(talk[int(rng.integers(len(talk)))], len(clip.samples))
        behind = np.roll(behind, int(rng.integers(len(behind)))) * BACKGROUND_GAIN
        mixed = AudioClip(np.clip(clip.samples + behind, -32768, 32767).astype(np.int16),
                          clip.rate)
        for audio in (clip, mixed):
            result = recognize_clip(recognizer, audio)
            match = matcher.match(result.text) if result.text else None
            got = match.intent if match else None
            ok = got == want if want is not None else got is not None
            clips.append((want is not None, ok, recognizer.last_features))
    print(f"  {voice} {rate} wpm: {len(clips)} clips", file=sys.stderr, flush=True)
    return clips


def rates(clips: list[Clip], model: RejectionModel | None) -> tuple[float, float]:
    """(intent accuracy on commands, false-accept rate on non-commands)."""
    def kept(ok: bool, f: Features | None) -> bool:
        return ok and f is not None and (model is None or model.accepts(f))

    pos = [kept(ok, f) for command, ok, f in clips if command]
    neg = [kept(ok, f) for command, ok, f in clips if not command]
    return float(np.mean(pos)), float(np.mean(neg))


def choose(clips: list[Clip]) -> RejectionModel:
    """Fit the weights, then the threshold by the rule in the module docstring."""
    usable = [(command and ok, f) for command, ok, f in clips if f is not None]
    weights = fit([f for _, f in usable], [good for good, _ in usable])
    scores = sorted({RejectionModel(weights, 0.0).score(f) for _, f in usable})
    for threshold in scores:
        model = RejectionModel(weights, threshold)
        if rates(clips, model)[1] < TARGET_FALSE_ACCEPTS:
            return model
    raise SystemExit("no threshold reaches the false-accept target")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=CALIBRATION)
    parser.add_argument("--jobs", type=int, default=2, help="voices decoded at once")
    args = parser.parse_args()
    data = CoachData.load()
    sentences = speech(data)
    print(f"decoding {len(sentences)} sentences x {len(CALIBRATION_VOICES)} voices ...",
          file=sys.stderr)
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        per_voice = pool.map(measure_voice, *zip(*CALIBRATION_VOICES, strict=True))
        clips = [clip for voice in per_voice for clip in voice]
    base_acc, base_fa = rates(clips, None)
    model = choose(clips)
    accuracy, false_accepts = rates(clips, model)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "weights": [round(w, 5) for w in model.weights],
        "threshold": round(model.threshold, 5),
        "calibration": {
            "written_by": "bench/calibrate.py", "date": date.today().isoformat(),
            "rule": f"lowest threshold with false accepts < {TARGET_FALSE_ACCEPTS:.0%}",
            "voices": [f"{v} {r} wpm" for v, r in CALIBRATION_VOICES],
            "features": Features.DESCRIPTION,
            "command_clips": sum(command for command, _, _ in clips),
            "other_clips": sum(not command for command, _, _ in clips),
            "without_rejection": {"accuracy": round(float(base_acc), 3),
                                  "false_accepts": round(float(base_fa), 3)},
            "with_rejection": {"accuracy": round(accuracy, 3),
                               "false_accepts": round(false_accepts, 3)},
        },
    }
    header = "# Written by bench/calibrate.py; rerun it instead of editing by hand.\n"
    args.out.write_text(header + yaml.safe_dump(record, sort_keys=False), encoding="utf-8")
    print(f"threshold {model.threshold:.3f}: accuracy {base_acc:.1%} -> {accuracy:.1%}, false "
          f"accepts {base_fa:.1%} -> {false_accepts:.1%}; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
