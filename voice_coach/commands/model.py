"""`voice-coach model list|download`: Vosk models."""

from __future__ import annotations

import argparse

from ..recognition.models import DEFAULT_MODEL, installed_models, search_dirs
from .common import notice


def run(args: argparse.Namespace) -> int:
    if args.model_command == "download":
        from ..recognition.download import BASE_URL, download_model, progress_bar

        name = args.name or DEFAULT_MODEL
        notice(f"downloading {name} from {args.url or BASE_URL} ...")
        path = download_model(name, base_url=args.url or BASE_URL, sha256=args.sha256,
                              progress=progress_bar())
        print(f"installed {name} in {path}; the coach uses it from now on (--engine auto)")
        return 0

    models = installed_models()
    for path in models:
        print(f"{path.name}\t{path}")
    if not models:
        print(f"no Vosk model installed; looked in: "
              f"{', '.join(str(d) for d in search_dirs())}. Put {DEFAULT_MODEL} in one of "
              f"them (see models/README.md); the built-in PocketSphinx engine is used "
              f"meanwhile.")
    return 0
