"""Run a bench with a variant of the recognizer that was measured and not kept.

    python -m bench.probes.variants VARIANT bench.runner_world [its arguments]

VARIANT is one of:
  loudest   in noise, an utterance the recognizer turns down is decoded once more, cut to
            its loudest stretch (within LOUDEST_DB of its loudest 150 ms, plus 100 ms): the
            runner's own voice is the nearest, so louder than people talking nearby;
            with LOUDEST_QUIET=1 that second decode is made as for quiet speech
  loudest-clip
            the same cut made to each noisy clip before the front end hears it (a bench
            can do that; the coach cannot: it does not know where the command is)
  gate      before the front end, 10 ms frames whose 150 ms level is more than GATE_DB under
            the runner's own (the median voiced level of the clean command: an upper
            bound on what a coach could learn) are attenuated by 40 dB
  fillers   PocketSphinx's filler words ("[SPEECH]", "[NOISE]") allowed between and
            around the words at probability FILLPROB (default 1e-8), to soak up other
            talkers around a command
  keyphrase in noise, an utterance the recognizer turns down is searched for the grammar's
            phrases by PocketSphinx's keyphrase spotting (threshold 1e-KWS_PER_PHONE per
            phone), and each stretch where one is spotted (plus 100 ms) is decoded once
            more, to find a command among people talking nearby; with KWS_AGREE=1 only
            a decode that is the phrase spotted there counts
  trim      every utterance loses its start and end where the level (150 ms) is more than
            TRIM_DB under its loudest (keeping 100 ms more): people talking faintly
            nearby then no longer fill the utterance around the runner's command; with
            TRIM_SECOND=1 only an utterance turned down is decoded again so trimmed,
            and its decode must clear the bar by TRIM_MARGIN more (with TRIM_NOISY=1 it
            is decoded as in noise: no prior cepstral mean, a lead over other meanings;
            with TRIM_QUIET=1 only while the front end finds the background quiet);
            TRIM_SECOND=1 TRIM_QUIET=1 TRIM_DB=10 TRIM_MARGIN=2.5 is what was kept
            (NEARBY_MARGIN in voice_coach/recognition/sphinx.py)
  atten     RNNoise's suppression limited to ATTEN_DB: the noisy input is mixed back in at
            -ATTEN_DB, so that the weak consonants RNNoise takes away with the noise keep
            some of their sound (an "attenuation limit", as DeepFilterNet has)
  whisper-near
            an utterance Whisper's second opinion does not find a phrase in is put to it
            once more with its fainter voices taken out: NEAR_MODE=gate attenuates by
            30 dB each 10 ms whose 50 ms level is more than NEAR_DB under the loudest,
            NEAR_MODE=cut keeps only the stretch within NEAR_DB of it (`nearest_voice`)
  no-s      every grammar word with /s/ or /z/ gets a pronunciation without them, as an
            8 kHz headset leaves them (their energy is above 4 kHz)

See docs/recognition-experiments.md for what each gave.
"""

from __future__ import annotations

import os
import runpy
import sys
from typing import Any

import numpy as np

LOUDEST_DB = float(os.environ.get("LOUDEST_DB", "4"))
FILLPROB = float(os.environ.get("FILLPROB", "1e-2"))
KWS_PER_PHONE = float(os.environ.get("KWS_PER_PHONE", "3"))
KWS_AGREE = os.environ.get("KWS_AGREE") == "1"
ATTEN_DB = float(os.environ.get("ATTEN_DB", "20"))
TRIM_DB = float(os.environ.get("TRIM_DB", "15"))
TRIM_SECOND = os.environ.get("TRIM_SECOND") == "1"
TRIM_MARGIN = float(os.environ.get("TRIM_MARGIN", "0"))
TRIM_NOISY = os.environ.get("TRIM_NOISY") == "1"
TRIM_QUIET = os.environ.get("TRIM_QUIET") == "1"
GATE_DB = float(os.environ.get("GATE_DB", "8"))
LOUDEST_QUIET = os.environ.get("LOUDEST_QUIET") == "1"
NEAR_MODE = os.environ.get("NEAR_MODE", "gate")
NEAR_DB = float(os.environ.get("NEAR_DB", "10"))


def _levels(samples: np.ndarray, smooth: int = 15) -> np.ndarray:
    """The level in dB of each 10 ms frame of `samples` (16 kHz), averaged over `smooth`."""
    from voice_coach.recognition.sphinx_utterances import levels

    return levels(samples.astype("<i2").tobytes(), smooth)


def _with_gain(samples: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """`samples` (int16) with each 10 ms frame scaled by its `gain` (at most 1)."""
    out = samples.astype(np.float64)
    per_sample = np.repeat(gain, 160)[:len(out)]
    out[:len(per_sample)] *= per_sample
    return out.astype(np.int16)


def loudest_stretch(speech: bytes, within_db: float = LOUDEST_DB) -> bytes | None:
    """The nearest voice of `speech` (the kept `nearest_voice`) within `within_db` of the
    loudest; None if that is most of it anyway, or too short to hold a word."""
    from voice_coach.recognition.sphinx_utterances import nearest_voice

    stretch = nearest_voice(speech, within_db)
    if stretch is None or len(stretch) > 0.8 * len(speech) or len(stretch) < 20 * 320:
        return None
    return stretch


def loudest() -> None:
    from voice_coach.recognition.sphinx import PocketSphinxRecognizer

    end = PocketSphinxRecognizer._decode  # one decode, without the kept second one

    def second_chance(self: Any, speech: bytes) -> Any:
        result = end(self, speech)
        if result.text or not self.noisy_input:
            return result
        stretch = loudest_stretch(speech)
        if stretch is None:
            return result
        self.noisy_input = not LOUDEST_QUIET
        try:
            again = end(self, self._utterances.silence(10) + stretch)
        finally:
            self.noisy_input = True
        return again if again.text else result

    PocketSphinxRecognizer._end = second_chance  # type: ignore[method-assign]


def _spotted(decoder: Any, speech: bytes, pad: int = 10) -> list[tuple[str, int, int]]:
    """The stretches (10 ms frames, `pad` wider) of `speech` where `decoder`'s "spot"
    search finds a keyphrase, longest first."""
    decoder.activate_search("spot")
    decoder.reinit_feat()
    decoder.start_utt()
    decoder.process_raw(speech, full_utt=True)
    decoder.end_utt()
    n = len(speech) // 320
    found = {(seg.word, max(0, seg.start_frame - pad), min(n, seg.end_frame + 1 + pad))
             for seg in decoder.seg() or () if seg.word and not seg.word.startswith("<")}
    return sorted(found, key=lambda wab: wab[1] - wab[2])


def keyphrase() -> None:
    import tempfile

    from voice_coach.recognition.sphinx import PocketSphinxRecognizer

    end = PocketSphinxRecognizer._decode  # one decode, without the kept second one
    ready: set[int] = set()

    def second_chance(self: Any, speech: bytes) -> Any:
        result = end(self, speech)
        if result.text or not self.noisy_input or not self._utterances.speech_heard:
            return result
        phrases = self._decoder
        decoder = phrases.base
        if id(decoder) not in ready:
            with tempfile.NamedTemporaryFile("w", suffix=".kws", delete=False) as f:
                for phrase in sorted(phrases.phrases):
                    n = sum(len(phrases.phones_of[w]) for w in phrase.split())
                    f.write(f"{phrase} /1e-{KWS_PER_PHONE * n:g}/\n")
            decoder.add_kws("spot", f.name)
            ready.add(id(decoder))
        cmn = decoder.config["cmn"]
        decoder.config["cmn"] = "batch"
        try:
            stretches = _spotted(decoder, speech)
        finally:
            decoder.config["cmn"] = cmn
            decoder.activate_search("grammar")
        for word, a, b in stretches[:3]:
            if b - a < 20 or b - a > 0.8 * len(speech) // 320:
                continue
            again = end(self, self._utterances.silence(10) + speech[a * 320:b * 320])
            if again.text and (not KWS_AGREE or again.text == word):
                return again
        return result

    PocketSphinxRecognizer._end = second_chance  # type: ignore[method-assign]


def trim() -> None:
    from voice_coach.recognition.sphinx import PocketSphinxRecognizer
    from voice_coach.recognition.sphinx_utterances import nearest_voice

    end = PocketSphinxRecognizer._decode  # one decode, without the kept second one

    def cut(speech: bytes) -> bytes:
        return nearest_voice(speech, TRIM_DB) or speech

    def trimmed(self: Any, speech: bytes) -> Any:
        if not TRIM_SECOND:
            return end(self, cut(speech))
        result = end(self, speech)
        shorter = cut(speech)
        if (result.text or not self._utterances.speech_heard or len(shorter) == len(speech)
                or (TRIM_QUIET and self.noisy_input)):
            return result
        noisy = self.noisy_input
        self.noisy_input = noisy or TRIM_NOISY
        try:
            again = end(self, shorter)
        finally:
            self.noisy_input = noisy
        if not again.text or TRIM_MARGIN <= 0:
            return again
        sure = self.rejection.score(self.last_features) >= self.rejection.threshold + TRIM_MARGIN
        return again if sure else result

    PocketSphinxRecognizer._end = trimmed  # type: ignore[method-assign]


def loudest_clip() -> None:
    from bench import noises

    mix = noises.mix

    def cut(samples: np.ndarray, *args: Any, **kwargs: Any) -> np.ndarray:
        mixed = mix(samples, *args, **kwargs)
        stretch = loudest_stretch(mixed.astype("<i2").tobytes())
        if stretch is None:
            return mixed
        pad = np.zeros(noises.RATE // 2, dtype=np.int16)
        return np.concatenate([pad, np.frombuffer(stretch, dtype="<i2"), pad])

    noises.mix = cut


def gate() -> None:
    from bench import noises

    mix = noises.mix

    def gated(samples: np.ndarray, *args: Any, **kwargs: Any) -> np.ndarray:
        mixed = mix(samples, *args, **kwargs)
        own = _levels(samples)
        runner = float(np.median(own[own > own.max() - 20]))
        return _with_gain(mixed, np.where(_levels(mixed) < runner - GATE_DB, 0.01, 1.0))

    noises.mix = gated


def _decoder_patch(after: Any = None, **options: Any) -> None:
    """Every PocketSphinx decoder the recognizer loads gets `options`, and `after(decoder)`
    once it is loaded."""
    from voice_coach.recognition import sphinx_decoder, sphinx_files

    load = sphinx_files.load_decoder

    def patched(*args: Any, **kwargs: Any) -> Any:
        import pocketsphinx

        plain = pocketsphinx.Decoder

        class Decoder(plain):  # type: ignore[misc, valid-type]
            def __init__(self, *a: Any, **kw: Any) -> None:
                super().__init__(*a, **{**options, **kw})

        pocketsphinx.Decoder = Decoder
        try:
            decoder = load(*args, **kwargs)
        finally:
            pocketsphinx.Decoder = plain
        if after is not None:
            after(decoder)
        return decoder

    sphinx_files.load_decoder = patched
    sphinx_decoder.load_decoder = patched  # type: ignore[attr-defined]


def fillers() -> None:
    _decoder_patch(fillprob=FILLPROB)


def no_s() -> None:
    from voice_coach.app.data import CoachData
    from voice_coach.recognition import phrase_meanings

    words = sorted({w for p in phrase_meanings(CoachData.load().intents) for w in p.split()})

    def add_variants(decoder: Any) -> None:
        for word in words:
            phones = (decoder.lookup_word(word) or "").split()
            kept = [p for p in phones if p not in ("S", "Z")]
            if not kept or len(kept) == len(phones):
                continue
            k = 2
            while decoder.lookup_word(f"{word}({k})"):
                k += 1
            decoder.add_word(f"{word}({k})", " ".join(kept), True)

    _decoder_patch(after=add_variants)


def atten() -> None:
    from voice_coach.audio import denoise

    dry = 10 ** (-ATTEN_DB / 20)
    process = denoise.Denoiser.process

    class Limited:
        """RNNoise's library with each frame's input mixed back into its output."""

        def __init__(self, lib: Any) -> None:
            self._lib = lib

        def __getattr__(self, name: str) -> Any:
            return getattr(self._lib, name)

        def rnnoise_process_frame(self, state: Any, out: Any, inp: Any) -> float:
            raw = np.ctypeslib.as_array(inp, shape=(480,)).copy()
            vad = self._lib.rnnoise_process_frame(state, out, inp)
            np.ctypeslib.as_array(out, shape=(480,))[:] += dry * raw
            return float(vad)

    def limited(self: Any, chunk: bytes, last: bool = False) -> bytes:
        if not isinstance(self._lib, Limited):
            self._lib = Limited(self._lib)
        return process(self, chunk, last)

    denoise.Denoiser.process = limited  # type: ignore[method-assign]


def whisper_near() -> None:
    from voice_coach.recognition.second_opinion import SecondOpinion
    from voice_coach.recognition.sphinx_utterances import nearest_voice

    def nearer(audio: bytes) -> bytes | None:
        if NEAR_MODE == "cut":
            return nearest_voice(audio, NEAR_DB)
        samples = np.frombuffer(audio, dtype="<i2")
        level = _levels(samples, 5)
        if len(level) < 10:
            return None
        gain = np.where(level >= level.max() - NEAR_DB, 1.0, 10 ** (-30 / 20))
        smooth = np.convolve(gain, np.ones(5) / 5, mode="same")
        return _with_gain(samples, smooth).astype("<i2").tobytes()

    phrase = SecondOpinion.phrase

    def twice(self: Any, audio: bytes) -> str | None:
        found = phrase(self, audio)
        other = None if found else nearer(audio)
        return found if other is None else phrase(self, other)

    SecondOpinion.phrase = twice  # type: ignore[method-assign]


VARIANTS = {"loudest": loudest, "loudest-clip": loudest_clip, "gate": gate,
            "fillers": fillers, "no-s": no_s, "keyphrase": keyphrase, "trim": trim,
            "atten": atten, "whisper-near": whisper_near}


def main() -> None:
    if len(sys.argv) < 3 or sys.argv[1] not in VARIANTS:
        sys.exit(__doc__)
    VARIANTS[sys.argv[1]]()
    module = sys.argv[2]
    sys.argv = [module, *sys.argv[3:]]
    runpy.run_module(module, run_name="__main__")


if __name__ == "__main__":
    main()
