#!/bin/sh
# test.sh - install what is missing, build, and run every test (release).
#
#   scripts/test.sh            release build, all tests
#   scripts/test.sh tsan       the same tests under ThreadSanitizer
#   scripts/test.sh asan       ... under AddressSanitizer + UBSan
set -eu
cd "$(dirname "$0")/.."
preset="${1:-release}"
scripts/deps.sh
cmake --workflow --preset "$preset"
