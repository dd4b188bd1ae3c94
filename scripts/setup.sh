#!/usr/bin/env bash
# Installs everything Sightline needs to build, run and test on Debian 12, idempotently:
# Debian packages (only the missing ones), then the npm packages pinned by package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  cmake ninja-build g++ pkg-config
  libboost-dev libsimdjson-dev libzstd-dev zlib1g-dev libyaml-cpp-dev libxxhash-dev libdeflate-dev
  libgtest-dev libgmock-dev libbenchmark-dev libmaxminddb-dev libre2-dev uap-core
  libprotobuf-dev protobuf-compiler
  clang libclang-rt-14-dev clang-format
  nginx-light wrk curl procps
  chromium
)

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
# Node.js may come from another source than Debian's archive: ask for the commands, not packages.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ -f package-lock.json ]; then
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "setup: installing npm packages"
    npm ci --no-audit --no-fund --loglevel=error
  fi
fi
