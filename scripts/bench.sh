#!/bin/sh
# bench.sh - install what is missing, build (release) and run the benchmark
# suite.  For now: the fib fork-overhead microbenchmark.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
./build/release/bench/weft_bench_fib "$@"
