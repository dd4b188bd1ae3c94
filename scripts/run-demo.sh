#!/usr/bin/env bash
# Installs what is missing, builds, and runs `sightline serve` with the demo configuration.
# Open the printed URLs: the demo page sends real beacons to this server; the dashboard shows them
# (sign in with the demo project's read token, demo-read-token).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
echo "Starting Sightline with config/demo.yaml (data in ./data unless --data says otherwise)." \
  "Dashboard read token: demo-read-token. Stop with Ctrl-C."
exec build/sightline serve --config config/demo.yaml "$@"
