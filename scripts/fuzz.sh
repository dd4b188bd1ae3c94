#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (in build-fuzz/) and runs one for a bounded time.
#   scripts/fuzz.sh TARGET SECONDS     e.g. scripts/fuzz.sh beacon_parser 30
# The corpus starts from tests/fuzz/corpus/TARGET and grows in build-fuzz/corpus/TARGET.
set -euo pipefail
cd "$(dirname "$0")/.."
target="$1"
seconds="${2:-30}"
if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSIGHTLINE_FUZZ=ON >/dev/null
fi
cmake --build build-fuzz --target "fuzz_$target" -- -j"$(nproc)"
mkdir -p "build-fuzz/corpus/$target" "tests/fuzz/corpus/$target"
exec "build-fuzz/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 "build-fuzz/corpus/$target" "tests/fuzz/corpus/$target"
