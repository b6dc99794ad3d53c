#!/bin/sh
# deps.sh - install what weft needs on Debian 12, skipping what is there.
#
#   scripts/deps.sh            build and test dependencies
#   scripts/deps.sh bench      + the benchmark peers (OpenMP, oneTBB, Rust)
#   scripts/deps.sh fuzz       + clang and libFuzzer (the fuzz preset)
#
# Needs root (or sudo) for apt-get; does nothing when all is installed.
set -eu

want="cmake ninja-build pkg-config gcc g++ make patch bzip2 xz-utils curl
      liburcu-dev libjemalloc-dev python3 python3-venv python3-dev valgrind"
if [ "${1:-}" = bench ]; then
    want="$want libtbb-dev libgomp1 hyperfine"
fi
if [ "${1:-}" = fuzz ]; then
    want="$want clang libclang-rt-14-dev" # libFuzzer, for the fuzz preset
fi

missing=""
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "deps.sh: installing$missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi

# The Python tests run under the python3 on PATH (the interpreter the
# bindings are built for), which needs pytest: pip for a private Python
# (pyenv, venv), Debian's package for the system one (PEP 668).
if command -v python3 >/dev/null && ! python3 -c "import pytest" 2>/dev/null; then
    echo "deps.sh: installing pytest for $(command -v python3)"
    if ! python3 -m pip install -q pytest 2>/dev/null; then
        SUDO=""
        [ "$(id -u)" -eq 0 ] || SUDO="sudo"
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-pytest >/dev/null
    fi
fi
