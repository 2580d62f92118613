"""Whisper's transcripts as the phrases are written: lower case, words only, numbers in
words, a repeated phrase said once, and words compared without a final "s"
(second_opinion.py compares them with the phrases; whisper_worker.py weighs them)."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from unicode_rbnf import RbnfEngine


def normalise(text: str) -> str:
    """Lower case, words and apostrophes only, numbers in words as the phrases say them:
    "I've got a cramp." -> "i've got a cramp", "Hold for 95 seconds." -> "hold for ninety
    five seconds" (Whisper writes numbers in digits)."""
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)  # "1,000"
    text = re.sub(r"(?<!\w)-?\d+", lambda m: _number_words(int(m.group())), text)
    text = text.lower().replace("\u2019", "'")
    return " ".join(re.sub(r"[^a-z' ]+", " ", text).split())


@functools.cache
def _rbnf() -> RbnfEngine:
    """English number words by unicode-rbnf (hassil's own), imported when first needed:
    the Whisper worker (about 4 MB) pays for it only once Whisper writes a number."""
    from unicode_rbnf import RbnfEngine

    return RbnfEngine.for_language("en")


def _number_words(number: int) -> str:
    """`number` in English words, as hassil's number ranges say it ("ninety-five"); none
    for a number too long to say (its digits are then no word)."""
    from unicode_rbnf.engine import NoRuleForNumberError

    try:
        return f" {_rbnf().format_number(number).text} "
    except NoRuleForNumberError:
        return " "


def once(words: str) -> str:
    """`words` said once, if they are one phrase said again and again: on a short window
    Whisper's greedy decoding can repeat itself ("time left time left time left"), and a
    transcript cut at its token limit can end in the middle of a repeat ("time left time
    left ti"). Twice at least: "next step ne" is not "next step"."""
    split = words.split()
    for size in range(1, len(split) // 2 + 1):
        repeated = (split[:size] * (len(split) // size + 1))[:len(split)]
        if split[:-1] == repeated[:-1] and repeated[-1].startswith(split[-1]):
            return " ".join(split[:size])
    return words


def without_final_s(words: str) -> str:
    """`words` with each word's final "s" left out (not of "ss", nor of a word of two
    letters): in noise the "s" is the sound lost first, and Whisper writes "Ten second."
    for "ten seconds" and "Command." for "commands". Compared so, no two of the coach's
    phrases of different meanings are alike (second_opinion.py keeps only those that
    are not)."""
    return " ".join(w[:-1] if len(w) > 2 and w.endswith("s") and not w.endswith("ss") else w
                    for w in words.split())
