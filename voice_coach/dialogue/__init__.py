"""Dialogue: the pure state machine that walks a runner through the treatment."""

from .clock import Clock, MonotonicClock, VirtualClock
from .content import Content, ContentFileError, load_content
from .events import (
    Action,
    CancelTimer,
    Event,
    Say,
    SessionEnded,
    SetTimer,
    SpeechFinished,
    Spoken,
    StopSpeech,
    TimerFired,
    UserSaid,
)
from .manager import INTENTS, DialogueManager

__all__ = [
    "INTENTS",
    "Action",
    "CancelTimer",
    "Clock",
    "Content",
    "ContentFileError",
    "DialogueManager",
    "Event",
    "MonotonicClock",
    "Say",
    "SessionEnded",
    "SetTimer",
    "SpeechFinished",
    "Spoken",
    "StopSpeech",
    "TimerFired",
    "UserSaid",
    "VirtualClock",
    "load_content",
]
