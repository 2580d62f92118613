"""`voice-coach devices [--check]`: the audio devices, or whether the chosen ones work."""

from __future__ import annotations

import argparse

from ..audio.devices import Microphone, Speaker, list_devices


def run(args: argparse.Namespace) -> int:
    if args.check:  # a DeviceError is reported by the caller: one line, exit 2
        Microphone(args.input_device).close()
        Speaker(args.output_device).close()
        print("microphone and speaker: ok")
        return 0

    devices = list_devices()
    if not devices:
        print("no audio devices found; use --text, 'voice-coach simulate' or "
              "'voice-coach demo' instead")
        return 0
    for d in devices:
        marks = ("  [default input]" if d["default_input"] else "") + (
            "  [default output]" if d["default_output"] else "")
        print(f"{d['index']:3d}  {d['name']}  ({d['inputs']} in, {d['outputs']} out){marks}")
    return 0
