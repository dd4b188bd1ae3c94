#!/usr/bin/env bash
# Start-up time of `sightline serve` on a large store, and the descriptors it holds.
#
# `sightline generate` writes VITALS vitals (with their sessions' other events) over 7 days;
# `sightline import` stores them. Then `serve` is started RUNS times (killed with -9 after each,
# as a crash would leave it): the time from exec to the "listening" log line, its median, the
# open descriptors right after start and after a query over the 7 days, and the segments. The
# baseline is `sightline serve` on an empty data directory, measured in the same run.
#
# Needs build/sightline (scripts/build.sh) and curl.
# Environment: VITALS (10000000), RUNS (5), KEEP=1 keeps the work directory.
set -euo pipefail
cd "$(dirname "$0")/.."

VITALS="${VITALS:-10000000}"
RUNS="${RUNS:-5}"
SIGHTLINE="$PWD/build/sightline"
END_MS=1795824000000
[[ -x "$SIGHTLINE" ]] || { echo "startup.sh: run scripts/build.sh first" >&2; exit 1; }

work="$(mktemp -d)"
cleanup() {
  pkill -9 -f "sightline serve --config $work" 2>/dev/null || true
  [[ -n "${KEEP:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT

write_config() {  # $1: data directory, $2: file
  cat >"$2" <<EOF
listen: 127.0.0.1:0
data_dir: $1
projects:
  - id: bench
    ingest_keys: [pk_bench]
    read_tokens: [rt_bench]
EOF
}

echo "startup.sh: generating and importing $VITALS vitals over 7 days" >&2
write_config "$work/data" "$work/big.yaml"
write_config "$work/empty" "$work/empty.yaml"
"$SIGHTLINE" generate --vitals "$VITALS" --days 7 --end "$END_MS" --project bench >"$work/rows.jsonl"
"$SIGHTLINE" import --config "$work/big.yaml" "$work/rows.jsonl" | tail -1
rm -f "$work/rows.jsonl"

# Starts serve on config $1; prints "<ms to listening> <descriptors> <port> <pid>".
start() {
  local log="$work/serve.log" begin now port pid
  : >"$log"
  begin=$(date +%s%N)
  "$SIGHTLINE" serve --config "$1" >"$log" 2>&1 &
  pid=$!
  until grep -q "listening on" "$log"; do
    sleep 0.005
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
  done
  now=$(date +%s%N)
  port=$(grep -o 'http://127.0.0.1:[0-9]*' "$log" | head -1 | sed 's/.*://')
  echo "$(( (now - begin) / 1000000 )) $(ls /proc/$pid/fd | wc -l) $port $pid"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

for config in empty big; do
  : >"$work/$config.ms"
  for _ in $(seq "$RUNS"); do
    read -r ms fds port pid < <(start "$work/$config.yaml")
    echo "$ms" >>"$work/$config.ms"
    if [[ $config == big ]]; then
      curl -sf -H 'Authorization: Bearer rt_bench' -o /dev/null \
        "http://127.0.0.1:$port/api/v1/metrics?project=bench&name=LCP&stats=p75&exact=true&from=$((END_MS - 7 * 86400000))&to=$END_MS"
      after=$(ls /proc/"$pid"/fd | wc -l)
      segments=$(curl -sf "http://127.0.0.1:$port/healthz" | grep -o '"segments":[0-9]*' | cut -d: -f2)
      echo "  start ${ms} ms, ${fds} descriptors at start, ${after} after an exact 7-day query, ${segments} segments"
    fi
    kill -9 "$pid"
    wait "$pid" 2>/dev/null || true
  done
done
empty=$(median <"$work/empty.ms")
big=$(median <"$work/big.ms")
echo "start-up, median of $RUNS: empty store ${empty} ms, $VITALS-vital store ${big} ms (+$((big - empty)) ms)"
