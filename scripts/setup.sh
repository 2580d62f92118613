#!/usr/bin/env bash
# One-step set-up for a fresh Debian/Ubuntu machine.
#   scripts/setup.sh run   system packages + .venv, then start the coach
#   scripts/setup.sh test  system packages for the tests + .venv with test extras, then pytest
# Extra arguments after "run" go to voice-coach; after "test", to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-run}"; shift || true
runtime_pkgs=(espeak-ng libportaudio2 python3-venv python3-pip
              sphinxtrain sphinxbase-utils pocketsphinx)  # the last three: speaker adaptation
test_pkgs=(pulseaudio pulseaudio-utils libasound2-plugins)

sudo_() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

install_system() {
    local pkgs=("$@") missing=()
    for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "setup: installing system packages: ${missing[*]}"
        sudo_ apt-get update -qq
        sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

find_python() {
    for py in python3.13 python3.12 python3.11 python3; do
        if command -v "$py" >/dev/null &&
           "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$py"; return
        fi
    done
    echo "setup: Python 3.11 or newer is needed" >&2; exit 1
}

make_venv() {
    local extra="$1"
    if [ ! -x .venv/bin/python ]; then
        "$(find_python)" -m venv .venv
    fi
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e ".${extra}"
}

case "$mode" in
    run)
        install_system "${runtime_pkgs[@]}"
        make_venv ""
        # With no arguments: the live coach, or, on a machine without a microphone and
        # speaker, the demo session (written to demo-session.wav).
        if [ "$#" -eq 0 ] && ! .venv/bin/voice-coach devices --check; then
            echo "setup: no usable audio devices, so here is the demo session instead" \
                 "(to type instead: scripts/setup.sh run --text)"
            set -- demo
        fi
        exec .venv/bin/voice-coach "$@"
        ;;
    test)
        install_system "${runtime_pkgs[@]}" "${test_pkgs[@]}"
        make_venv "[test]"
        exec .venv/bin/python -m pytest "$@"
        ;;
    *)
        echo "usage: scripts/setup.sh run|test [ARGS...]" >&2; exit 2 ;;
esac
