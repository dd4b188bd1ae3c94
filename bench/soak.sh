#!/usr/bin/env bash
# Soak: `sightline serve` for DURATION seconds at half the rate it can take, with queries
# alongside, to show that nothing drifts: throughput, p99 latency, resident memory and open files
# over time, and the slope of each (a least-squares line over the samples, per minute).
#
# First the maximum: the load generator (`sightline loadgen`, realistic beacons over keep-alive
# connections) sends as fast as the server answers for MAX_S seconds. Then the soak: the load
# generator at half that rate in back-to-back windows of WINDOW_S seconds, each reporting its
# achieved rate and p99; a reader asks a rotating set of dashboard queries (overview, metrics,
# timeseries, sessions) once a second over the last QUERY_RANGE_S seconds, as a dashboard open on
# "the last minutes" does: the work of each query is then the same all along, so any drift is the
# server's. (A query over everything stored grows with the store; limits.max_query_memory_mb bounds
# it.) During each window the server's VmRSS is read every second (its mean, peak and minimum are
# reported: the memtable fills and empties every 30 s and a compaction holds the rows it merges,
# so the minimum, the floor after a flush, is where something that accumulates shows first), and
# its open descriptors and live segments at the end (the store grows all along; today's small
# segments are merged in tiers, and segment metadata lives with the at most storage.max_open_files
# open files). The server flushes every 30 s and compacts every 60 s meanwhile.
#
# Needs build/sightline (scripts/build.sh) and curl.
# Environment: DURATION (600), WINDOW_S (30), MAX_S (20), CONNECTIONS (8), QUERY_RANGE_S (120),
# KEEP=1 keeps the work directory.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-600}"
WINDOW_S="${WINDOW_S:-30}"
MAX_S="${MAX_S:-20}"
CONNECTIONS="${CONNECTIONS:-8}"
QUERY_RANGE_S="${QUERY_RANGE_S:-120}"
SIGHTLINE="$PWD/build/sightline"

die() {
  echo "soak.sh: $*" >&2
  exit 1
}
[[ -x "$SIGHTLINE" ]] || die "$SIGHTLINE not found: run scripts/build.sh first"
command -v curl >/dev/null || die "curl not found"
# shellcheck source=bench/lib.sh
source bench/lib.sh

work="$(mktemp -d -t sightline-soak.XXXXXX)"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [[ -n "${KEEP:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port="$(free_port)"
cat >"$work/sightline.yaml" <<EOF
listen: 127.0.0.1:$port
data_dir: $work/data
limits:
  beacons_per_second_per_client: 0
storage:
  memtable_flush_interval_s: 30
  compact_interval_s: 60
projects:
  - id: soak
    ingest_keys: [pk_soak]
    read_tokens: [rt_soak]
EOF
"$SIGHTLINE" serve --config "$work/sightline.yaml" >"$work/serve.log" 2>&1 &
server=$!
pids+=("$server")
wait_for "http://127.0.0.1:$port/healthz" "$server" sightline "$work/serve.log"

loadgen() {  # $1: rate (0: as fast as answered), $2: seconds; prints "<beacons/s> <p99 ms>"
  "$SIGHTLINE" loadgen --target "http://127.0.0.1:$port/v1/beacon" --key pk_soak --rate "$1" \
    --duration "$2" --connections "$CONNECTIONS" --seed "$RANDOM" 2>/dev/null |
    awk '/^achieved/ {rate = $2} /^latency ms/ {p99 = $8} END {print rate, p99}'
}

read -r max _ < <(loadgen 0 "$MAX_S")
rate=$(awk -v m="$max" 'BEGIN {printf "%d", m / 2}')
echo "maximum: $max beacons/s over $MAX_S s; soaking at $rate beacons/s for $DURATION s"

# The reader: one dashboard query a second, round robin.
(
  queries=(
    "overview?project=soak"
    "metrics?project=soak&name=LCP&stats=p75,p95,count&group_by=device"
    "timeseries?project=soak&name=INP&stats=p75&interval=1m"
    "sessions?project=soak&limit=50"
    "metrics?project=soak&name=LCP&stats=p75&exact=true&group_by=country"
  )
  i=0
  while true; do
    now_ms=$(date +%s%3N)
    range="from=$((now_ms - QUERY_RANGE_S * 1000))&to=$now_ms"
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H 'Authorization: Bearer rt_soak' \
      "http://127.0.0.1:$port/api/v1/${queries[i % ${#queries[@]}]}&$range" >>"$work/queries.log" ||
      true
    i=$((i + 1))
    sleep 1
  done
) &
pids+=("$!")

# The server's VmRSS in MiB, once a second, into $work/rss (one line each).
(
  while kill -0 "$server" 2>/dev/null; do
    echo $(( $(mem_kb "$server" VmRSS) / 1024 )) >>"$work/rss"
    sleep 1
  done
) &
pids+=("$!")

echo "minute  beacons/s  p99_ms  rss_MiB(mean)  open_files  rss_MiB(peak)  rss_MiB(min)  segments"
windows=$((DURATION / WINDOW_S))
for w in $(seq 1 "$windows"); do
  rss_from=$(wc -l <"$work/rss" 2>/dev/null || echo 0)
  read -r achieved p99 < <(loadgen "$rate" "$WINDOW_S")
  read -r rss peak floor < <(tail -n +"$((rss_from + 1))" "$work/rss" |
    awk '{s += $1; if ($1 > m) m = $1; if (!l || $1 < l) l = $1} END {printf "%d %d %d\n", NR ? s / NR : 0, m, l}')
  fds=$(ls "/proc/$server/fd" | wc -l)
  segments=$(curl -s "http://127.0.0.1:$port/metrics" | awk '$1 == "sightline_segments" {print $2}')
  minute=$(awk -v w="$w" -v s="$WINDOW_S" 'BEGIN {printf "%.1f", w * s / 60}')
  echo "$minute $achieved $p99 $rss $fds $peak $floor $segments" | tee -a "$work/samples"
done

# Least-squares slope of each column against the minute, and its share of the column's mean, once
# the queries' range has filled (before, each query has more to read than the last).
echo "slopes from minute $(awk -v r="$QUERY_RANGE_S" 'BEGIN {printf "%.1f", r / 60}') on:"
awk -v warm="$QUERY_RANGE_S" '
  $1 * 60 <= warm { next }
  { n++; x[n] = $1; for (c = 2; c <= 7; c++) y[c, n] = $c }
  END {
    split("beacons/s p99_ms rss_MiB(mean) open_files rss_MiB(peak) rss_MiB(min)", name, " ")
    for (c = 2; c <= 7; c++) {
      sx = sy = sxx = sxy = 0
      for (i = 1; i <= n; i++) { sx += x[i]; sy += y[c, i]; sxx += x[i] * x[i]; sxy += x[i] * y[c, i] }
      slope = (n * sxy - sx * sy) / (n * sxx - sx * sx); mean = sy / n
      printf "slope %-13s %+.3f per minute (%+.2f%% of its mean %.1f per minute)\n", name[c - 1], slope, mean ? 100 * slope / mean : 0, mean
    }
  }' "$work/samples"
total=$(wc -l <"$work/queries.log")
bad=$(awk '$1 != 200' "$work/queries.log" | wc -l)
sort -n -k2 "$work/queries.log" | awk -v n="$total" -v bad="$bad" '
  NR == int(n * 0.5) + 1 { p50 = $2 } NR == int(n * 0.99) + 1 { p99 = $2 }
  END { printf "queries: %d, non-200: %d, p50 %.3f s, p99 %.3f s\n", n, bad, p50, p99 }'
