"""`voice-coach model download` against a local HTTP server (the real host is not reachable
from the build machine): installing, progress, and every check that keeps a bad download
out of the models folder."""

from __future__ import annotations

import functools
import hashlib
import http.server
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from voice_coach.cli import main

NAME = "vosk-model-test-0.1"
FILES = {"am/final.mdl": b"am" * 100, "conf/mfcc.conf": b"--sample-frequency=16000\n",
         "graph/HCLG.fst": b"graph" * 100}


def make_zip(path: Path, files: dict[str, bytes], root: str = NAME) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for rel, data in files.items():
            zf.writestr(f"{root}/{rel}", data)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """(base URL, folder it serves)."""
    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(served))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/models", served
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def translate_path(self, path: str) -> str:
        return super().translate_path(path.replace("/models/", "/", 1))

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home / "voice-coach" / "models"


def test_download_installs_with_progress_and_list_shows_it(server, data_home, capsys):
    url, served = server
    make_zip(served / f"{NAME}.zip", FILES)
    digest = hashlib.sha256((served / f"{NAME}.zip").read_bytes()).hexdigest()
    assert main(["model", "download", NAME, "--url", url, "--sha256", digest]) == 0
    out = capsys.readouterr()
    assert "100%" in out.err and f"installed {NAME} in {data_home / NAME}" in out.out
    assert (data_home / NAME / "am" / "final.mdl").read_bytes() == FILES["am/final.mdl"]
    assert main(["model", "list"]) == 0
    assert f"{NAME}\t{data_home / NAME}" in capsys.readouterr().out
    assert main(["model", "download", NAME, "--url", url]) == 2
    assert "already exists" in capsys.readouterr().err


def _nothing_installed(folder: Path) -> bool:
    return not folder.exists() or list(folder.iterdir()) == []


def test_wrong_checksum_installs_nothing(server, data_home, capsys):
    url, served = server
    make_zip(served / f"{NAME}.zip", FILES)
    assert main(["model", "download", NAME, "--url", url, "--sha256", "0" * 64]) == 2
    err = capsys.readouterr().err
    assert "is corrupt or not the expected file: SHA-256" in err and "nothing was installed" \
        in err
    assert _nothing_installed(data_home)


def test_corrupt_archive_installs_nothing(server, data_home, capsys):
    url, served = server
    make_zip(served / f"{NAME}.zip", FILES)
    raw = bytearray((served / f"{NAME}.zip").read_bytes())
    at = raw.index(b"amamam")
    raw[at:at + 6] = b"XXXXXX"  # the member's bytes no longer match its CRC-32
    (served / f"{NAME}.zip").write_bytes(bytes(raw))
    assert main(["model", "download", NAME, "--url", url]) == 2
    assert "fails its CRC check" in capsys.readouterr().err
    assert _nothing_installed(data_home)
    (served / f"{NAME}.zip").write_bytes(b"<html>not found</html>")
    assert main(["model", "download", NAME, "--url", url]) == 2
    assert "not a zip archive" in capsys.readouterr().err
    assert _nothing_installed(data_home)


def test_incomplete_model_installs_nothing(server, data_home, capsys):
    url, served = server
    make_zip(served / f"{NAME}.zip", {k: v for k, v in FILES.items() if k != "am/final.mdl"})
    assert main(["model", "download", NAME, "--url", url]) == 2
    assert "am/final.mdl is missing" in capsys.readouterr().err
    assert _nothing_installed(data_home)


def test_unknown_model_and_unreachable_host(server, data_home, capsys):
    url, _ = server
    assert main(["model", "download", "vosk-model-nope-1.0", "--url", url]) == 2
    assert "HTTP 404" in capsys.readouterr().err
    assert main(["model", "download", "../etc", "--url", url]) == 2
    assert "is not a Vosk model name" in capsys.readouterr().err
    assert main(["model", "download", NAME, "--url", "http://127.0.0.1:9/models"]) == 2
    assert "cannot download" in capsys.readouterr().err
    assert _nothing_installed(data_home)
