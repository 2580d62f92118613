"""Audio: clips in memory, WAV files, sources and sinks (microphone/speaker in devices.py)."""

from .clip import RATE, AudioClip, AudioFileError, read_wav, write_wav

__all__ = ["RATE", "AudioClip", "AudioFileError", "read_wav", "write_wav"]
