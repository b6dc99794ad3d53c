#!/bin/sh
# bench.sh - install what is missing, build (release) and run the benchmark
# suite: weft beside sequential C, OpenMP, oneTBB and rayon, in one run.
#
#   scripts/bench.sh                 the full suite (about 15 min on 2 cores)
#   scripts/bench.sh --quick         a subset with small inputs (< 1 min)
#   scripts/bench.sh --only fib,sort some benchmarks (names: --help)
#   scripts/bench.sh --publish       also write the results into
#                                    docs/benchmarks.md
#   scripts/bench.sh fib [n runs threads...]
#                                    the fib fork-overhead microbenchmark
#
# Each peer is optional: without OpenMP, oneTBB, cargo or the Python
# packages the suite says what it skips and runs the rest.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh bench
cmake --preset release >/dev/null
cmake --build --preset release

if [ "${1:-}" = fib ]; then
    shift
    exec ./build/release/bench/weft_bench_fib "$@"
fi

# The rayon peer: a cargo project, built in release.
if command -v cargo >/dev/null 2>&1; then
    (cd bench/peers/rayon && cargo build --release --quiet) ||
        echo "bench.sh: the rayon peer did not build; the suite runs without it"
else
    echo "bench.sh: cargo not found (install Rust with rustup): the rayon peer is skipped"
fi

# The chart needs matplotlib; the Python benchmark pytest-benchmark.
if ! python3 -c 'import matplotlib, pytest_benchmark' 2>/dev/null; then
    python3 -m pip install --quiet matplotlib pytest-benchmark 2>/dev/null ||
        { [ "$(id -u)" -eq 0 ] &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
                python3-matplotlib python3-pytest-benchmark >/dev/null; } ||
        echo "bench.sh: could not install matplotlib/pytest-benchmark: no chart, no Python benchmark"
fi

exec python3 bench/run.py "$@"
