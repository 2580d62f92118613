"""The built-in engine: PocketSphinx (its wheel ships an en-us model) with a JSGF grammar.

The work is split by job: sphinx_utterances.py finds where utterances start and end,
sphinx_decoder.py decodes one and measures it for rejection, sphinx_speaker.py holds what
was learnt of the voice, sphinx_files.py knows the files, sphinx_margins.py holds the bars
chosen on the calibration voices. This module puts them together.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from typing import NamedTuple

from ..audio.clip import RATE
from . import rejection
from .base import ModelError, Result
from .choice import Decode, Likelihood, choose
from .grammar import split_known
from .narrowband import is_narrowband, load_channel
from .rejection import Features, RejectionModel
from .speaker import SpeakerWarp
from .sphinx_adapted import Adapted, Transforms, likelihood
from .sphinx_decoder import NO_RIVAL, Means, PhraseDecoder
from .sphinx_files import SphinxFiles, extra_pronunciations, load_cmn_prior, sphinx_vocabulary
from .sphinx_margins import EARLY_MARGIN, LEAD_MIN, NEARBY_CUT, NEARBY_MARGIN, WAKE_MARGIN
from .sphinx_speaker import SpeakerState
from .sphinx_utterances import PAUSED, Pause, Utterances, is_clean, nearest_voice

log = logging.getLogger(__name__)

_TAIL_FRAMES = 10
"""Frames of noise floor added after each utterance (see `_end`)."""
_HANGOVER_FRAMES = 3
"""Frames of noise floor added, at a pause, before the tail: the endpointer's utterances
run about six frames past the last loud one (its voice detector holding on), a pause is
offered one frame after it. Five (the full stand-in) made "pause" from the calibration voice
en-us come out as "pause it" below the early bar in 2 of 12 noise floors (eight: 12 of
12; three: none). On bench.pauses three and five are alike: commands 97.9% both; false
accepts 10.0% and 10.9%, each as many as its own run with pauses off."""
class _AtPause(NamedTuple):
    heard: Decode
    bar: float
    audio: bytes
    clean: bool
    warp: float
    lead: float
    """Over phrases of other meanings, if it was sure enough to be answered (else NO_RIVAL)."""


class PocketSphinxRecognizer:
    """Grammar-constrained PocketSphinx with its voice-activity endpointer.

    Rejection: each utterance is decoded twice, with the grammar and with a free phone
    loop, and the calibrated model in `rejection` decides whether the grammar's phrase was
    really said (see that module). `files.calibration=None` turns it off (unless a model
    is given); `last_features` holds the measures of the last utterance (for calibrating).

    Cepstral mean normalisation: PocketSphinx's en-us model normalises each utterance by
    its own mean ("batch"). For a short command that mean depends on how much silence
    surrounds it ("next" with 0.1 s of silence each side was heard right, with 0.3 s as
    "repeat it"). For clean speech (in quiet, not clipped) the mean used is therefore
    halfway between the utterance's own and `cmn_prior`, a typical command's (held-out
    voices: 95.8% -> 96.3% of commands decoded right before rejection). Otherwise the
    utterance's own mean is kept: noise and clipping shift it far from clean speech's (with
    the prior, white noise at 10 dB SNR went from 75% to 22%). `last_cmn` is the own mean
    of the last utterance (at the warp used) if it was clean and some phrase fitted it (for
    calibrating).

    Speaker adaptation (sphinx_speaker.py): while the warp is being chosen, each clean
    utterance is decoded at several; once there is a transform, with and without it, and
    `choice.choose` keeps one: the one the rejection model scores best, or, when the two
    name different phrases, the phrase both models find likelier if it clears the bar.
    Results therefore depend on the voice heard so far; `new_speaker()` starts over,
    `adapt=False` does neither; `background` estimates in a thread (the live coach).

    Answering at a pause (sphinx_utterances.py): where the speech stops, the utterance
    so far is decoded at the settled warp (with and without the transform, if any); if
    the pause holds and the phrase is a command beyond doubt (EARLY_MARGIN), it is the
    result, ~0.1 s after the speech ended instead of ~0.5 s. Otherwise the endpointer's
    end decides, as above.

    Narrowband microphones (narrowband.py): an utterance that came through an 8 kHz
    channel is decoded with the channel transform as well as without, as long as there is
    no transform of the speaker's own (learnt from their narrowband speech, it fits the
    channel too), and it is not used to choose the warp.

    Words missing from the dictionary come from `files.pronunciations`; phrases with words
    in neither are left out and listed in `missing_words`.
    """

    name = "pocketsphinx"

    def __init__(self, phrases: Collection[str], rejection_model: RejectionModel | None = None,
                 files: SphinxFiles | None = None,
                 cmn_prior: tuple[float, ...] | None = None, adapt: bool = True,
                 background: bool = False) -> None:
        files = files or SphinxFiles()
        extra = extra_pronunciations(files.pronunciations)
        usable, self.missing_words = split_known(
            list(phrases), sphinx_vocabulary(files.model) | extra.keys())
        if not usable:
            raise ModelError("none of the intent phrases can be recognised by PocketSphinx")
        self.rejection = rejection_model
        if files.calibration is not None and (rejection_model is None or cmn_prior is None):
            calibration = rejection.read_calibration(files.calibration)
            self.rejection = self.rejection or rejection.load(calibration)
            cmn_prior = cmn_prior or load_cmn_prior(calibration)
            if self.rejection is None:
                log.warning("no rejection calibration in %s: every utterance is taken for "
                            "its nearest command (run python -m bench.calibrate)",
                            files.calibration)
        meanings = phrases if isinstance(phrases, Mapping) else None
        self._decoder = PhraseDecoder(files, usable, extra, cmn_prior, meanings)
        self._transforms = Transforms(self._decoder, elsewhere=background)
        self._voice = SpeakerState(files.model, files.sphinxtrain, adapt, background,
                                   self._decoder.pronounce, self._transforms.load)
        self._channel_matrix = load_channel(files.narrowband, files.model / "en-us")
        self._channel: Adapted | None = None
        """The decoder with the narrowband channel transform, once one was heard."""
        self._utterances = Utterances()
        self.noisy_input = False
        """Set by a front end that denoises the audio: then no utterance counts as spoken
        in quiet (see `is_clean`), however quiet the background sounds after denoising."""
        self.last_features: Features | None = None
        self.last_cmn: tuple[float, ...] | None = None
        self._at_pause: _AtPause | None = None
        """What was decoded where the speech last stopped."""
        self.turned_down: str | None = None
        """The phrase of the last decode, if it was turned down (by the rejection model, or
        for leading phrases of other meanings by too little); Whisper's second opinion takes
        it where it agrees."""
        self.early_margin = EARLY_MARGIN
        """See `_answer_at_pause`; math.inf never answers before the endpointer's end."""
        self.last_pause: tuple[str, float] | None = None
        """The phrase decoded at the last pause and its rejection score (for benches)."""
        self.wideband_input = False
        """Set by a front end that saw the raw audio of this utterance reach above 4.4 kHz:
        then it is not narrowband, however it looks once denoised."""
        self.last_narrowband = False
        """Whether the last utterance decoded came through an 8 kHz channel (narrowband.py)."""
        self.heard_speech = True
        """Whether the voice detector heard speech in the last utterance (else it was noise,
        not even decoded)."""
        self.last_nearest = False
        """Whether the last phrase was heard in the utterance's nearest voice alone (`_end`):
        the rest of its audio is someone else talking."""
        self.speech_ended: Callable[[str | None], None] | None = None
        """Called where an utterance with speech in it ends, before it is decoded (with
        None), and at a pause whose phrase will be answered if the pause holds (with the
        phrase): a front end can start its own work on the speech while the engine decodes
        or waits."""

    # --- the voice learnt so far -----------------------------------------------------------
    @property
    def cmn_prior(self) -> tuple[float, ...] | None:
        return self._decoder.cmn_prior

    @property
    def speaker(self) -> SpeakerWarp:
        return self._voice.warp

    @speaker.setter
    def speaker(self, warp: SpeakerWarp) -> None:
        self._voice.warp = warp

    @property
    def adaptation(self) -> object:
        return self._voice.adaptation

    @property
    def adaptation_notice(self) -> str:
        return self._voice.notice

    @property
    def wake_confidence(self) -> float:
        """The confidence a wake phrase needs to start a session at once (WAKE_MARGIN)."""
        if self.rejection is None:
            return 0.0
        return rejection.confidence_at(WAKE_MARGIN)

    @property
    def adapted(self) -> bool:
        """Whether a transform for this speaker is in use (see adaptation.py)."""
        return self._voice.adapted is not None

    def new_speaker(self) -> None:
        """Forget the voice adapted to."""
        self._voice.reset()

    def adopt_speaker(self, other: PocketSphinxRecognizer) -> None:
        """Go on with the voice `other` has adapted to (its warp and transform)."""
        self._voice.adopt(other._voice)

    def learn(self, text: str) -> None:
        """Adapt to the last utterance as the speaker saying `text` (the caller says so
        once it acted on the command), if it was clean and the warp is settled."""
        self._voice.learn(text)

    # --- audio in, results out ---------------------------------------------------------------
    def accept(self, chunk: bytes) -> list[Result]:
        results = []
        for item in self._utterances.accept(chunk):
            if isinstance(item, Pause):
                self._at_pause = self._decode_pause(item.audio)
                continue
            if item == PAUSED:
                early = self._answer_at_pause()
                if early is not None:
                    self._utterances.answered()
                    results.append(early)
            elif isinstance(item, bytes):
                results.append(self._end(item))
            else:  # STARTED
                results.append(Result("", 0.0, final=False))
            self._at_pause = None
        return results

    def finish(self) -> Result | None:
        speech = self._utterances.finish()
        result = self._end(speech) if speech is not None else None
        self._utterances.restart()
        self._at_pause = None
        return result

    def _decode_pause(self, speech: bytes) -> _AtPause | None:
        """The utterance so far, where its speech stopped (sphinx_utterances.py), decoded
        at the settled warp (and with the speaker's transform, if there is one). None
        while the warp is being chosen or without rejection."""
        narrow = self._narrow(speech)
        if self.rejection is None or not (self._voice.warp.settled or narrow):
            return None
        # As the endpointer would cut it (its quiet end included, which `is_clean` needs),
        # then the tail.
        cut = speech + self._utterances.silence(_HANGOVER_FRAMES)
        audio = cut + self._utterances.silence(_TAIL_FRAMES)
        clean = not self.noisy_input and is_clean(cut)
        warp = self._voice.warp.chosen
        # Chosen as at the end: the plain model alone heard a deep voice's "next" as
        # "repeat" after adapting (tests/test_adaptation.py).
        means = self._decoder.means(audio, clean, warp)
        heard, fit, adapted = self._hear(speech, audio, means, warp, narrow)
        best, bar = choose(heard, self.rejection, fit)
        if best is None:
            return None
        sure = self.rejection.score(best.features) >= bar + self.early_margin
        lead = self._lead(best, heard, adapted, audio, means[1], warp) if sure else NO_RIVAL
        if sure and lead >= LEAD_MIN and self.speech_ended is not None:
            self.speech_ended(best.text)  # it is answered if the pause holds
        return _AtPause(best, bar, audio, clean, warp, lead)

    def _hear(self, speech: bytes, audio: bytes, means: Means, warp: float, narrow: bool,
              ) -> tuple[list[Decode | None], Likelihood | None, Adapted | None]:
        """The plain model's decode and, once there is a speaker transform (or else, for
        `narrow` speech, the channel transform), its decode too (on the other core in the
        live coach: sphinx_adapted.py), with the likelihood `choose` needs (else None). The
        transform fits most voices better, but not every word of every voice (see
        adaptation.py); the cepstral mean does not depend on it."""
        self._voice.take_transform()
        adapted = self._voice.adapted or (self._channel_decoder() if narrow else None)
        if adapted is None:
            return [self._decoder.hear(speech, audio, means, warp)], None, None
        theirs = adapted.hear(speech, audio, means, warp)
        heard = [self._decoder.hear(speech, audio, means, warp), theirs()]
        return heard, likelihood(self._decoder, adapted, audio, means[1], warp), adapted

    def _lead(self, best: Decode, heard: list[Decode | None], adapted: Adapted | None,
              audio: bytes, cmn: tuple[float, ...], warp: float) -> float:
        """How far `best`, one of `heard` (the second by `adapted`, if there is one), leads
        phrases of other meanings: measured in noise only (LEAD_MIN), and only for a
        phrase that clears the rejection bar, by the decoder that decoded it."""
        if not self.noisy_input:
            return NO_RIVAL
        if adapted is not None and len(heard) > 1 and best is heard[1]:
            return adapted.lead(best, audio, cmn, warp)()
        return self._decoder.lead(best, audio, cmn, warp)

    def _narrow(self, speech: bytes) -> bool:
        """Whether `speech` came through an 8 kHz channel (kept in `last_narrowband`)."""
        self.last_narrowband = not self.wideband_input and is_narrowband(speech)
        return self.last_narrowband

    def _channel_decoder(self) -> Adapted | None:
        """The channel transform's decoder (loaded when first needed, ~0.1 s)."""
        if self._channel is None and self._channel_matrix is not None:
            try:
                self._channel = self._transforms.here(self._channel_matrix)
            except ModelError as err:
                log.warning("narrowband microphones get no channel transform: %s", err)
                self._channel_matrix = None
        return self._channel

    def _answer_at_pause(self) -> Result | None:
        """The pause held: what was decoded there, if it is a command beyond doubt (a
        rejection score EARLY_MARGIN above the bar). Otherwise None, and the endpointer's
        end decides."""
        at, self._at_pause = self._at_pause, None
        self.last_pause = None
        if at is None or self.rejection is None:
            return None
        score = self.rejection.score(at.heard.features)
        self.last_pause = (at.heard.text, score - at.bar + self.rejection.threshold)
        log.debug("at a pause heard %r, scores %.2f, needs %.2f, leads %.2f", at.heard.text,
                  score, at.bar + self.early_margin, at.lead)
        if score < at.bar + self.early_margin or at.lead < LEAD_MIN:
            return None
        self.last_features = at.heard.features
        self.last_cmn = at.heard.own_cmn if at.clean else None
        self._voice.heard(self._utterances.silence(_TAIL_FRAMES) + at.audio
                          if at.clean else None, at.warp)
        return Result(at.heard.text, self.rejection.confidence(at.heard.features), final=True)

    def _end(self, speech: bytes) -> Result:
        """The utterance `speech` decoded; if it is turned down in a quiet background, its
        nearest voice (sphinx_utterances.nearest_voice: without the faint speech of
        someone talking nearby) once more, taken if it is a command beyond doubt
        (NEARBY_MARGIN), or if over a second of faint speech was cut and it means what
        the whole utterance's phrase meant ("next" in "on to the next" over the partner's
        words). In noise the noise is as loud at the edges: nothing is cut."""
        if self.speech_ended is not None and self._utterances.speech_heard:
            self.speech_ended(None)
        self.last_nearest = False
        result = self._decode(speech)
        if (result.text or self.noisy_input or self.rejection is None
                or not self._utterances.speech_heard):
            return result
        nearest = nearest_voice(speech)
        if nearest is None:
            return result
        first = self.turned_down
        again = self._decode(nearest)
        meaning = self._decoder.meanings.get
        agrees = (first is not None and len(speech) - len(nearest) >= NEARBY_CUT * 2 * RATE
                  and meaning(first, first) == meaning(again.text, again.text))
        if again.text and (agrees or again.confidence >= rejection.confidence_at(NEARBY_MARGIN)):
            log.debug("the nearest voice (%.2f of %.2f s) is %r", len(nearest) / 2 / RATE,
                      len(speech) / 2 / RATE, again.text)
            self.last_nearest = True
            return again
        return result

    def _decode(self, speech: bytes) -> Result:
        self.turned_down = None
        self.heard_speech = self._utterances.speech_heard
        if not self.heard_speech:  # noise: not even decoded
            log.debug("no speech in the utterance (Silero VAD)")
            self.last_features = None
            return Result("", 0.0, final=True)
        # Decoded whole, once it has ended: cepstral mean normalisation is then computed
        # on the utterance itself ("batch"), instead of being carried over from earlier
        # audio, which made short commands after long silences fail. The endpointer cuts
        # close to the last phone, so some silence is added for the search to end in.
        audio = speech + self._utterances.silence(_TAIL_FRAMES)
        self.last_features = None
        narrow = self._narrow(speech)
        clean = not self.noisy_input and is_clean(speech)
        warps = self._voice.warp.candidates(clean and not narrow)
        means = [self._decoder.means(audio, clean, warp) for warp in warps]
        adapted = None
        if len(warps) > 1:
            heard = [self._decoder.hear(speech, audio, m, warp)
                     for m, warp in zip(means, warps, strict=True)]
            self._voice.warp.observe([h.features.margin if h else None for h in heard])
            fit = None
        else:
            heard, fit, adapted = self._hear(speech, audio, means[0], warps[0], narrow)
        best, bar = choose(heard, self.rejection, fit)
        self.last_cmn = best.own_cmn if clean and best else None
        self._voice.heard(self._utterances.silence(_TAIL_FRAMES) + audio
                          if clean and len(warps) == 1 else None, warps[0])
        if best is None:
            log.debug("heard no phrase (%d decodes)", len(heard))
            return Result("", 0.0, final=True)
        features = self.last_features = best.features
        if self.rejection is None:
            return Result(best.text, 1.0, final=True)
        score = self.rejection.score(features)
        log.debug("heard %s: %r scores %.2f, needs %.2f", [h and h.text for h in heard],
                  best.text, score, bar)
        if score < bar:
            self.turned_down = best.text
            return Result("", 0.0, final=True)
        at = next(i for i, h in enumerate(heard) if h is best) if len(warps) > 1 else 0
        lead = self._lead(best, heard, adapted, audio, means[at][1], warps[at])
        if lead < LEAD_MIN:
            log.debug("%r leads other meanings by %.2f only, needs %.2f", best.text, lead,
                      LEAD_MIN)
            self.turned_down = best.text
            return Result("", 0.0, final=True)
        return Result(best.text, self.rejection.confidence(features), final=True)
