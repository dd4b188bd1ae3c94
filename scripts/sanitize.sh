#!/usr/bin/env bash
# The unit tests and a server smoke run under AddressSanitizer and UndefinedBehaviorSanitizer, in
# the sanitized tree the fuzz targets share (build-fuzz/, clang). Any report fails the run: UBSan
# does not recover, and ASan aborts the server, which fails its end-to-end tests.
#   scripts/sanitize.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSIGHTLINE_FUZZ=ON >/dev/null
fi
cmake --build build-fuzz -- -j"$(nproc)"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1"
echo "== unit tests under ASan and UBSan"
# uap-core's device suite is 16,000 regex matches: minutes under ASan, and RE2's, not ours.
ctest --test-dir build-fuzz -L unit -E PassesUapCoreDeviceSuite -j"$(nproc)" --timeout 600 \
  --output-on-failure
echo "== the server under ASan and UBSan"
for test in ingest hostile_http hostile_input recovery query_limits; do
  SIGHTLINE_BIN="$PWD/build-fuzz/sightline" node --test --test-reporter=spec \
    "tests/e2e/$test.test.mjs"
done
