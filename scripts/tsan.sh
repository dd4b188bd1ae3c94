#!/usr/bin/env bash
# The store's and the server's tests under ThreadSanitizer, in their own tree (build-tsan/,
# clang, -O1): the store's unit tests (WAL group commit, flusher, compaction, parallel scans
# against appends) and the server under concurrent ingest, hostile connections and cancelled
# queries. Any report fails the run: the server aborts at the first one, failing its tests.
#   scripts/tsan.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build-tsan/build.ninja ]; then
  CC=clang CXX=clang++ cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS_DEBUG=-O1 -DSIGHTLINE_TSAN=ON >/dev/null
fi
cmake --build build-tsan --target store_test serve_test ingest_test sightline -- -j"$(nproc)"
export TSAN_OPTIONS="halt_on_error=1:abort_on_error=1:second_deadlock_stack=1"
echo "== store, ingest and server unit tests under TSan"
for test in store_test ingest_test serve_test; do
  "build-tsan/src/${test%_test}/$test" --gtest_brief=1
done
echo "== the server under TSan"
for test in ingest hostile_http query_limits recovery; do
  SIGHTLINE_BIN="$PWD/build-tsan/sightline" SIGHTLINE_SANITIZER=thread node --test --test-reporter=spec \
    "tests/e2e/$test.test.mjs"
done
