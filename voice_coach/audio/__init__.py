"""Audio: clips in memory, audio files, sources and sinks (microphone/speaker in devices.py)."""

from .clip import RATE, AudioClip, AudioFileError
from .files import read_audio, write_audio

__all__ = ["RATE", "AudioClip", "AudioFileError", "read_audio", "write_audio"]
