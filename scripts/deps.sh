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
      liburcu-dev libjemalloc-dev python3 python3-venv python3-dev"
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
