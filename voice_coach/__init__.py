"""voice-coach: an offline, hands-free voice coach for a hamstring cramp."""

__version__ = "0.1.0"
