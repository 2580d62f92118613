"""Offline speech recognition: one streaming interface, Vosk and PocketSphinx engines."""

from .base import ModelError, Recognizer, Result, recognize_clip, recognize_stream
from .grammar import jsgf, phrase_list, phrase_meanings
from .models import DEFAULT_MODEL, ENGINES, EngineChoice, find_model, make_recognizer

__all__ = ["DEFAULT_MODEL", "ENGINES", "EngineChoice", "ModelError", "Recognizer", "Result",
           "find_model", "jsgf", "make_recognizer", "phrase_list", "phrase_meanings",
           "recognize_clip", "recognize_stream"]
