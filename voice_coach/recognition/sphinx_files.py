"""PocketSphinx's files: where its en-us model is, which words its dictionary knows, the
pronunciations this project adds, the calibrated cepstral mean, and a decoder made of them."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .adaptation import SPHINXTRAIN_DIRS
from .base import ModelError
from .narrowband import CHANNEL
from .rejection import CALIBRATION

PRONUNCIATIONS = (Path(__file__).resolve().parent.parent / "data" / "recognition"
                  / "pronunciations.dict")
"""Intent words that PocketSphinx's dictionary lacks, with their phones."""
MEAN_SEARCH = "#JSGF V1.0;\ngrammar mean;\npublic <mean> = a;\n"
"""The cheapest search, for passes that only compute the cepstral mean."""
NO_WARP = "1"
"""The frequency warp a decoder starts with. Never left unset: PocketSphinx keeps the warp
in one place per process, and a decoder made without one marks it "none" while the text
of the last warp set stays cached, so the next decoder set to that same warp went on
unwarped (once the speaker transform's decoder was loaded, every decode was)."""
_BEAM = 1e-70
_WORD_BEAM = 1e-50
"""Wider than PocketSphinx's defaults (1e-48, 7e-29), which pruned the right phrase early
for some voices ("hold for thirty seconds" -> "do I call a doctor"); ~10% more CPU."""


def model_dir() -> Path:
    """The en-us model inside the pocketsphinx wheel."""
    import pocketsphinx

    return Path(pocketsphinx.get_model_path()) / "en-us"


@dataclass(frozen=True)
class SphinxFiles:
    """Every file and folder the PocketSphinx engine reads, passed in (tests give their own)."""

    model: Path = field(default_factory=model_dir)
    """The folder with the acoustic model (en-us/), its dictionary and phone model."""
    pronunciations: Path = PRONUNCIATIONS
    """Intent words the dictionary lacks (see `extra_pronunciations`)."""
    calibration: Path | None = CALIBRATION
    """The rejection model and cepstral-mean prior; None: no rejection, no prior."""
    sphinxtrain: tuple[str, ...] = SPHINXTRAIN_DIRS
    """Folders with SphinxTrain's tools, for speaker adaptation (besides $PATH)."""
    narrowband: Path | None = CHANNEL
    """The channel transform for 8 kHz microphones (narrowband.py); None: without it."""


def sphinx_vocabulary(folder: Path | None = None) -> frozenset[str]:
    """Words the pronunciation dictionary knows."""
    path = (folder or model_dir()) / "cmudict-en-us.dict"
    try:
        with open(path, encoding="utf-8") as f:
            return frozenset(line.split(maxsplit=1)[0] for line in f if line.strip())
    except OSError as err:
        raise ModelError(f"PocketSphinx dictionary {path} cannot be read ({err.strerror}); "
                         "reinstall it with: pip install --force-reinstall pocketsphinx") from err


def extra_pronunciations(path: Path = PRONUNCIATIONS) -> dict[str, str]:
    """Word -> phones from `path`, in the dictionary's own format ("unpause AH N P AO Z";
    "#" starts a comment line)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise ModelError(f"{path} cannot be read ({err.strerror}); reinstall voice-coach") from err
    words: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split()
        if len(parts) < 2:
            raise ModelError(f"{path}, line {number}: a word needs its phones "
                             f"(like 'unpause AH N P AO Z'), got {line.strip()!r}")
        words[parts[0]] = " ".join(parts[1:])
    return words


def load_cmn_prior(doc: dict[str, Any]) -> tuple[float, ...] | None:
    """The typical cepstral mean of a clean command in a calibration
    (`rejection.read_calibration`), or None if there is none."""
    try:
        return tuple(float(v) for v in doc["cmn_prior"])
    except (KeyError, TypeError, ValueError):
        return None


def load_decoder(model: Path, grammar: str, extra: dict[str, str], source: Path,
                 mllr: Path | None = None, dictionary: Path | None = None) -> Any:
    """A decoder of the model in `model` with three searches: "grammar" (the JSGF
    `grammar`, active), "phones" (a free phone loop) and "mean" (MEAN_SEARCH); with the
    `extra` pronunciations (read from `source`), the speaker's MLLR transform `mllr` and a
    smaller `dictionary`, if given."""
    import pocketsphinx

    options = {"mllr": os.fspath(mllr)} if mllr else {}
    try:
        decoder = pocketsphinx.Decoder(
            hmm=os.fspath(model / "en-us"),
            dict=os.fspath(dictionary or model / "cmudict-en-us.dict"),
            lm=None, cmn="live", bestpath=False, beam=_BEAM, pbeam=_BEAM,
            wbeam=_WORD_BEAM, loglevel="FATAL", warp_params=NO_WARP, **options)
        for word, phones in extra.items():
            if decoder.lookup_word(word) is not None:
                continue
            try:
                decoder.add_word(word, phones)
            except RuntimeError as err:
                raise ModelError(f"{source}: PocketSphinx cannot use the phones given for "
                                 f"'{word}' ({phones}); use the phones of its dictionary, "
                                 f"{model / 'cmudict-en-us.dict'}") from err
        decoder.add_jsgf_string("grammar", grammar)
        decoder.add_allphone_file("phones", os.fspath(model / "en-us-phone.lm.bin"))
        decoder.add_jsgf_string("mean", MEAN_SEARCH)
        decoder.activate_search("grammar")
    except (RuntimeError, ValueError) as err:
        raise ModelError(f"PocketSphinx could not load its model in {model}: {err}") from err
    return decoder


def dictionary_lines(model: Path, words: Iterable[str]) -> str:
    """The dictionary entries (every pronunciation) in `model` of `words` and of
    MEAN_SEARCH's word, as a dictionary file's text."""
    wanted = {*words, "a"}
    with open(model / "cmudict-en-us.dict", encoding="utf-8") as f:
        return "".join(line for line in f
                       if line.strip() and line.split()[0].split("(", 1)[0] in wanted)
