"""Calibrate PocketSphinx's rejection model on data and write it for the recognizer.

Calibration speech shares no sentence and no voice with what the tests measure:

- commands: every phrase of one or two words the intents allow, and a fixed sample of the
  longer ones (phrases come from the intent files, not from the sentence tests);
- not commands: bench/calibration.yaml (running chatter, requests for other apps, sentences
  sharing words with the commands), and noise alone (white, pink, babble; other random
  seeds and levels than the tests');
- voices: CALIBRATION_VOICES (espeak-ng); the tests use HELD_OUT_VOICES;
- each sentence is decoded three times: clean, with other speech 30 dB down behind it (the
  coach's own voice leaking from earbuds, a faint talker nearby), and in white or pink
  noise at 10 or 5 dB SNR (in turn; other seeds than the tests'). Without the noisy clips
  the model accepted a quarter of the unrelated sentences heard in noise;
- every clip goes through the coach's front end, as in use: RNNoise while the background
  is noisy (voice_coach/recognition/frontend.py); `--no-denoise` leaves it out, as
  calibrations before 2026-12-01 did.

First the typical cepstral mean of a command spoken in quiet is measured (the recognizer
blends it with each quiet utterance's own; see voice_coach/recognition/sphinx.py), on every
CMN_SAMPLE-th command of each voice, unwarped. Then each clip is decoded with rejection off
by a recognizer adapting to the voice as in use (voice_coach/recognition/speaker.py), keeping
its rejection features
(voice_coach/recognition/rejection.py). A logistic model is fitted to tell clips whose
phrase was really said (the right intent) from the rest. Its threshold is the lowest at
which the false-accept rate on the clean non-commands is below TARGET_FALSE_ACCEPTS (the
product's target), so as little accuracy as possible is given up to meet it.

    python -m bench.calibrate [--jobs N] [--save-clips F.json]   # writes
        voice_coach/data/recognition/pocketsphinx.yaml (about 25 minutes on 2 cores)
    python -m bench.calibrate --from-clips F.json   # refit without decoding again
        (keeps the CMN prior already written, which those clips were decoded with)
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, replace
from datetime import date
from pathlib import Path

import numpy as np
import yaml

from bench.evaluate import CALIBRATION_VOICES, Conditions, add_noise
from bench.rejection_fit import fit
from voice_coach.app.data import CoachData
from voice_coach.audio.clip import AudioClip
from voice_coach.recognition import Recognizer, phrase_list, recognize_clip
from voice_coach.recognition.frontend import Denoised
from voice_coach.recognition.rejection import (
    CALIBRATION,
    Features,
    RejectionModel,
    read_calibration,
)
from voice_coach.recognition.sphinx import PocketSphinxRecognizer
from voice_coach.recognition.sphinx_files import SphinxFiles, load_cmn_prior
from voice_coach.speech import synthesize

ROOT = Path(__file__).resolve().parent.parent

TARGET_FALSE_ACCEPTS = 0.10
NOISES = (("white", 10.0), ("pink", 10.0), ("white", 5.0), ("pink", 5.0))
NOISE_SEED = 5000
LEAK_GAIN = 10 ** (-30 / 20)
LONG_PHRASES = 120
"""How many phrases of three words or more are sampled (there are over a thousand)."""
SENTENCES = Path(__file__).with_name("calibration.yaml")
CMN_SAMPLE = 4
"""Every this-many-th command is decoded to measure the typical cepstral mean."""

Clip = tuple[bool, bool, Features | None, bool]
"""(a command?, recognised the right intent / accepted something?, features or None when
the decoder itself found no whole phrase, clean (no background or noise)?)."""


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
        intent = matcher.understand(phrase).intent
        if intent is not None:
            commands.append((phrase, intent))
    others = yaml.safe_load(SENTENCES.read_text(encoding="utf-8"))["out_of_domain"]
    matching = [s for s in others if matcher.understand(s).intent is not None]
    if matching:
        raise SystemExit(f"{SENTENCES} has sentences that are commands: {matching}")
    return commands + [(s, None) for s in others]


class _Decoder:
    """PocketSphinx with rejection off, behind the coach's front end (see DENOISE), and
    the intent matcher, in one worker process."""

    def __init__(self, cmn_prior: tuple[float, ...] | None, adapt: bool = True,
                 denoise: bool = True) -> None:
        self.data = CoachData.load()
        self._matcher = self.data.matcher()
        self.engine = PocketSphinxRecognizer(phrase_list(self.data.intents),
                                             files=SphinxFiles(calibration=None),
                                             cmn_prior=cmn_prior, adapt=adapt)
        self.recognizer: Recognizer = Denoised(self.engine) if denoise else self.engine

    def clip(self, audio: AudioClip, want: str | None, clean: bool = True) -> Clip:
        result = recognize_clip(self.recognizer, audio)
        got = self._matcher.understand(result.text).intent
        ok = got == want if want is not None else got is not None
        if want is not None and ok:
            # In use the coach adapts to the commands it acts on; rejection is off
            # here, so to the commands it understood.
            self.recognizer.learn(result.text)
        return (want is not None, ok, self.engine.last_features, clean)

    def others(self, seed: int = 1) -> Conditions:
        """Other people's speech (the non-command sentences) for backgrounds."""
        return Conditions([synthesize(text) for text, want in speech(self.data)
                           if want is None], seed=seed)


def measure_cmn(voice: str, rate: int) -> list[tuple[float, ...]]:
    """The own cepstral means of every CMN_SAMPLE-th command, spoken in quiet by one
    voice."""
    decoder = _Decoder(cmn_prior=None, adapt=False, denoise=False)  # quiet speech only
    means = []
    for text, want in speech(decoder.data)[::CMN_SAMPLE]:
        if want is not None:
            decoder.clip(synthesize(text, voice, rate), want)
            if decoder.engine.last_cmn is not None:
                means.append(decoder.engine.last_cmn)
    return means


def measure_voice(voice: str, rate: int, cmn_prior: tuple[float, ...], denoise: bool,
                  ) -> list[Clip]:
    """Decode every calibration sentence spoken by one voice (one process per voice):
    clean and with a background, then in noise. The recognizer adapts to the voice on its
    first clean commands (recognition/speaker.py, recognition/adaptation.py), as it would
    in use; the noisy clips get a decoder of their own, adapted the same way, so that the
    clean figures do not depend on them."""
    decoder = _Decoder(cmn_prior, denoise=denoise)
    others = decoder.others(seed=rate)
    clips: list[Clip] = []
    spoken = [(synthesize(text, voice, rate), want) for text, want in speech(decoder.data)]
    for i, (clip, want) in enumerate(spoken):
        behind = np.resize(others.babble().samples, len(clip.samples)) * LEAK_GAIN
        mixed = AudioClip(np.clip(clip.samples + np.roll(behind, 997 * i),
                                  -32768, 32767).astype(np.int16), clip.rate)
        clips += [decoder.clip(clip, want), decoder.clip(mixed, want, clean=False)]
    adapted = decoder.engine
    decoder = _Decoder(cmn_prior, denoise=denoise)
    decoder.engine.adopt_speaker(adapted)  # the same speaker, now in noise
    for i, (clip, want) in enumerate(spoken):
        kind, snr = NOISES[i % len(NOISES)]
        clips.append(decoder.clip(add_noise(clip, kind, snr, seed=NOISE_SEED + i), want,
                                  clean=False))
    print(f"  {voice} {rate} wpm: {len(clips)} clips", file=sys.stderr, flush=True)
    return clips


NOISE_CLIPS = 48
"""Noise-only clips (white, pink and babble in turn)."""


def measure_noise(cmn_prior: tuple[float, ...], denoise: bool) -> list[Clip]:
    """Decode noise with no speech in it: anything accepted is a false accept."""
    decoder = _Decoder(cmn_prior, denoise=denoise)
    noise = decoder.others().noise_clips(NOISE_CLIPS, (800.0, 2000.0, 5000.0), first_seed=1000)
    clips = [decoder.clip(clip, None) for clip in noise]
    print(f"  noise: {len(clips)} clips", file=sys.stderr, flush=True)
    return clips


def rates(clips: list[Clip], model: RejectionModel | None) -> tuple[float, float]:
    """(intent accuracy on commands, false-accept rate on non-commands)."""
    def kept(ok: bool, f: Features | None) -> bool:
        return ok and f is not None and (model is None or model.accepts(f))

    pos = [kept(ok, f) for command, ok, f, _ in clips if command]
    neg = [kept(ok, f) for command, ok, f, _ in clips if not command]
    return float(np.mean(pos)), float(np.mean(neg))


def _rounded(values: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(round(v, 5) for v in values)


def choose(clips: list[Clip]) -> RejectionModel:
    """Fit the weights on every clip, then the threshold by the rule in the module
    docstring, on the clean clips (the target is for clean speech; in noise the rates are
    measured, by bench/recognition.py)."""
    usable = [(command and ok, f) for command, ok, f, _ in clips if f is not None]
    fitted = fit([f for _, f in usable], [good for good, _ in usable])
    # Rounded as written, so that the threshold is chosen for the model the coach loads.
    fitted = replace(fitted, weights=_rounded(fitted.weights), mean=_rounded(fitted.mean),
                     scale=_rounded(fitted.scale))
    clean = [clip for clip in clips if clip[3]]
    scores = sorted({fitted.score(f) for _, f in usable})
    for threshold in scores:
        model = replace(fitted, threshold=threshold)
        if rates(clean, model)[1] < TARGET_FALSE_ACCEPTS:
            return model
    raise SystemExit("no threshold reaches the false-accept target")


def save_clips(path: Path, clips: list[Clip]) -> None:
    rows = [{"command": c, "ok": ok, "clean": clean,
             "features": None if f is None else asdict(f)} for c, ok, f, clean in clips]
    path.write_text(json.dumps(rows), encoding="utf-8")


def load_clips(path: Path) -> list[Clip]:
    return [(r["command"], r["ok"], None if r["features"] is None else Features(**r["features"]),
             r["clean"]) for r in json.loads(path.read_text(encoding="utf-8"))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=CALIBRATION)
    parser.add_argument("--jobs", type=int, default=2, help="voices decoded at once")
    parser.add_argument("--save-clips", type=Path, metavar="JSON",
                        help="also write every clip's features and labels here")
    parser.add_argument("--from-clips", type=Path, metavar="JSON",
                        help="fit on clips saved by --save-clips instead of decoding")
    parser.add_argument("--no-denoise", dest="denoise", action="store_false",
                        help="calibrate on noisy audio as it is, without the coach's "
                             "noise suppression")
    args = parser.parse_args()
    if args.from_clips:
        clips = load_clips(args.from_clips)
        prior = load_cmn_prior(read_calibration(args.out))
        if prior is None:
            raise SystemExit(f"{args.out} has no cmn_prior: decode again (no --from-clips)")
    else:
        sentences = speech(CoachData.load())
        voices, wpm = zip(*CALIBRATION_VOICES, strict=True)
        with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            print("measuring the cepstral mean of commands ...", file=sys.stderr)
            means = [m for voice in pool.map(measure_cmn, voices, wpm) for m in voice]
            prior = tuple(round(float(v), 4) for v in np.mean(means, axis=0))
            print(f"decoding {len(sentences)} sentences x {len(voices)} voices, clean, "
                  "with a background and in noise ...", file=sys.stderr)
            noise_only = pool.submit(measure_noise, prior, args.denoise)
            per_voice = pool.map(measure_voice, voices, wpm, [prior] * len(voices),
                                 [args.denoise] * len(voices))
            clips = [clip for voice in per_voice for clip in voice] + noise_only.result()
    if args.save_clips:
        save_clips(args.save_clips, clips)
    clean = [clip for clip in clips if clip[3]]
    noisy = [clip for clip in clips if not clip[3]]
    base_acc, base_fa = rates(clean, None)
    model = choose(clips)
    accuracy, false_accepts = rates(clean, model)
    noisy_acc, noisy_fa = rates(noisy, model)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "weights": list(model.weights),
        "threshold": model.threshold,
        "mean": list(model.mean),
        "scale": list(model.scale),
        "cmn_prior": list(prior),
        "calibration": {
            "written_by": "bench/calibrate.py", "date": date.today().isoformat(),
            "rule": f"lowest threshold with false accepts < {TARGET_FALSE_ACCEPTS:.0%} on "
                    "clean speech",
            "voices": [f"{v} {r} wpm" for v, r in CALIBRATION_VOICES],
            "features": RejectionModel.INPUTS,
            "command_clips": sum(clip[0] for clip in clips),
            "other_clips": sum(not clip[0] for clip in clips),
            "background": "other speech 30 dB down; white or pink noise at 10 or 5 dB SNR",
            "front_end": "RNNoise while the background is noisy" if args.denoise else "none",
            "clean_without_rejection": {"accuracy": round(float(base_acc), 3),
                                        "false_accepts": round(float(base_fa), 3)},
            "clean_with_rejection": {"accuracy": round(accuracy, 3),
                                     "false_accepts": round(false_accepts, 3)},
            "background_with_rejection": {"accuracy": round(noisy_acc, 3),
                                          "false_accepts": round(noisy_fa, 3)},
        },
    }
    header = "# Written by bench/calibrate.py; rerun it instead of editing by hand.\n"
    args.out.write_text(header + yaml.safe_dump(record, sort_keys=False), encoding="utf-8")
    print(f"threshold {model.threshold:.3f}, clean speech: accuracy {base_acc:.1%} -> "
          f"{accuracy:.1%}, false accepts {base_fa:.1%} -> {false_accepts:.1%}; with a "
          f"background: {noisy_acc:.1%}, {noisy_fa:.1%}; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
