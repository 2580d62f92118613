"""Recognizer grammars compiled from the intent files (never edited by hand)."""

from __future__ import annotations

from ..intents.loader import IntentSet
from ..intents.phrases import expand_phrases

UNKNOWN = "[unk]"


def phrase_list(intent_set: IntentSet) -> list[str]:
    """Every spoken phrase the intents allow, sorted and without duplicates."""
    return list(phrase_meanings(intent_set))


class PhraseMeanings(dict[str, str]):
    """Phrases with the intent each means, and `examples`: one phrase per intent, the one
    "what can I say" offers (Whisper's second opinion is told them)."""

    examples: tuple[str, ...] = ()


def phrase_meanings(intent_set: IntentSet) -> PhraseMeanings:
    """Every spoken phrase the intents allow, sorted, with the intent it means (the first
    one, if templates of two intents allow it). An engine given this instead of a plain
    list can also tell how far a phrase led phrases of other meanings."""
    meanings: dict[str, str] = {}
    for intent, texts in expand_phrases(intent_set).items():
        for phrase in texts:
            meanings.setdefault(phrase, intent)
    result = PhraseMeanings(sorted(meanings.items()))
    result.examples = tuple(intent_set.example(name) for name in intent_set.names)
    return result


def split_known(phrases: list[str], known: set[str] | frozenset[str],
                ) -> tuple[list[str], list[str]]:
    """(phrases whose words are all in the model's vocabulary, the words that are not)."""
    missing = sorted({w for p in phrases for w in p.split() if w not in known})
    bad = set(missing)
    return [p for p in phrases if not bad.intersection(p.split())], missing


def jsgf(phrases: list[str], name: str = "coach") -> str:
    """A JSGF grammar accepting exactly `phrases`, as a word prefix tree.

    Sharing prefixes keeps the search graph small: a flat list of ~1,200 alternatives makes
    PocketSphinx several times slower and prunes the right phrase away more often.
    """
    trie: dict[str, dict] = {}
    for phrase in phrases:
        node = trie
        for word in phrase.split():
            node = node.setdefault(word, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        alternatives = []
        for word, child in sorted(node.items()):
            if word:
                rest = emit(child)
                alternatives.append(f"{word} {rest}" if rest else word)
        if not alternatives:
            return ""
        body = " | ".join(alternatives)
        if "" in node:
            return f"[{body}]"
        return f"({body})" if len(alternatives) > 1 else body

    return f"#JSGF V1.0;\ngrammar {name};\npublic <phrase> = {emit(trie)};\n"
