#!/usr/bin/env bash
# Installs what is missing, builds, and runs `sightline serve` with the demo configuration.
# Open the printed URL: the demo page there sends real beacons to this server.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
echo "Starting Sightline with config/demo.yaml (data in ./data unless --data says otherwise)." \
  "Stop with Ctrl-C."
exec build/sightline serve --config config/demo.yaml "$@"
