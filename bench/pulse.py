"""A private PulseAudio server with a virtual microphone and a virtual speaker, for tests.

`mic` is a null sink: what a test plays into it comes out of its monitor source, which is
the server's default input, so a program recording "the microphone" hears it. `spk` is a
null sink set as the default output; recording its monitor captures what a program played.
Programs reach the server through PULSE_SERVER (PortAudio via ALSA's pulse plugin).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

CONFIG = """\
load-module module-native-protocol-unix socket={socket}
load-module module-null-sink sink_name=mic rate=16000 channels=1
load-module module-null-sink sink_name=spk
set-default-sink spk
set-default-source mic.monitor
"""


class PulseUnavailable(Exception):
    pass


class PrivatePulse:
    def __init__(self, folder: Path) -> None:
        if shutil.which("pulseaudio") is None or shutil.which("paplay") is None:
            raise PulseUnavailable("pulseaudio and pulseaudio-utils are needed for the audio "
                                   "device tests: scripts/setup.sh test installs them")
        self.folder = folder
        self.socket = folder / "native"
        self.config = folder / "default.pa"
        self.config.write_text(CONFIG.format(socket=self.socket))
        self.env = {**os.environ, "PULSE_SERVER": f"unix:{self.socket}",
                    "XDG_RUNTIME_DIR": str(folder), "PULSE_RUNTIME_PATH": str(folder)}
        self.env.pop("PULSE_SINK", None)
        self.env.pop("PULSE_SOURCE", None)
        self._server: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        home = self.folder / "home"
        home.mkdir(exist_ok=True)
        self._server = subprocess.Popen(
            ["pulseaudio", "-n", "-F", str(self.config), "--daemonize=no",
             "--exit-idle-time=-1", "--use-pid-file=no", "--disallow-module-loading=no",
             f"--log-target=file:{self.folder / 'pulse.log'}"],
            env={**self.env, "HOME": str(home)}, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self._server.poll() is not None:
                raise PulseUnavailable(f"pulseaudio exited; see {self.folder / 'pulse.log'}")
            if self.pactl("info").returncode == 0:
                return
            time.sleep(0.1)
        raise PulseUnavailable("pulseaudio did not start within 15 s")

    def kill(self) -> None:
        """The whole sound server vanishes at once, devices and all."""
        if self._server is not None:
            self._server.kill()
            self._server.wait()
            self._server = None
        self.socket.unlink(missing_ok=True)

    def stop(self) -> None:
        if self._server is not None:
            self._server.terminate()
            try:
                self._server.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._server.kill()
            self._server = None

    def pactl(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(["pactl", *args], env=self.env, capture_output=True,
                              timeout=10)

    def play(self, wav: Path) -> None:
        """Play a WAV into the virtual microphone; returns when it has been played."""
        subprocess.run(["paplay", "--device=mic", str(wav)], env=self.env, check=True,
                       timeout=30)

    def record(self, wav: Path) -> subprocess.Popen[bytes]:
        """Start recording the virtual speaker into `wav` (stop with terminate())."""
        return subprocess.Popen(["parecord", "--device=spk.monitor", "--file-format=wav",
                                 "--rate=16000", "--channels=1", str(wav)], env=self.env)
