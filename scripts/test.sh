#!/usr/bin/env bash
# Installs what is missing, builds, checks formatting, and runs every test (unit, end-to-end,
# fuzz smoke) through ctest. The last line is ctest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh

echo "== clang-format"
mapfile -t sources < <(git ls-files -co --exclude-standard -- 'src/*.cc' 'src/*.h' 'tests/*.cc' 'bench/*.cc')
if ! clang-format --dry-run --Werror "${sources[@]}"; then
  echo "formatting differs from .clang-format: run clang-format -i on the files above" >&2
  exit 1
fi

echo "== ctest"
cd build
ctest --output-on-failure -j"$(nproc)" --timeout 600
