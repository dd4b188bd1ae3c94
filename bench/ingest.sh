#!/usr/bin/env bash
# Ingest throughput: `sightline serve` accepting beacons (or OTLP trace exports) against nginx
# answering 204 to the same requests, the upper bound of what an HTTP server on this machine can
# take.
#
# Both servers listen on loopback and stay up for the whole script; wrk POSTs one realistic beacon
# (`sightline loadgen --print-beacon`) to each in turn, RUNS times, alternating nginx and sightline.
# With PAYLOAD=otlp it POSTs one OTLP/HTTP protobuf export of SPANS spans (bench/otlp_export.mjs,
# encoded by protoc) to /v1/traces instead: requests are exports and events are spans.
# Each run prints beacons/s, events/s (beacons/s times the beacon's events), wrk's p99 latency,
# the non-2xx answers, and the server's resident memory at the start and end of the run and its
# peak so far (VmRSS, VmHWM of the process that serves: nginx's worker, sightline itself). Then
# the medians, the ratio sightline/nginx of the medians, and the median of the per-run ratios.
#
# Needs build/sightline (scripts/build.sh), nginx, wrk, curl; for PAYLOAD=otlp node and protoc.
# Builds nothing.
# Environment: DURATION seconds per run (10), CONNECTIONS (32), THREADS wrk threads (1), RUNS (3),
# PAYLOAD beacon or otlp (beacon), SPANS per export (100).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-1}"
RUNS="${RUNS:-3}"
PAYLOAD="${PAYLOAD:-beacon}"
SPANS="${SPANS:-100}"
case "$PAYLOAD" in
  beacon) route=/v1/beacon content_type=text/plain expected=202 ;;
  otlp) route=/v1/traces content_type=application/x-protobuf expected=200 ;;
  *) echo "ingest.sh: PAYLOAD must be beacon or otlp" >&2 && exit 1 ;;
esac
SIGHTLINE="$PWD/build/sightline"
NGINX="${NGINX:-/usr/sbin/nginx}"

die() {
  echo "ingest.sh: $*" >&2
  exit 1
}
[[ -x "$SIGHTLINE" ]] || die "$SIGHTLINE not found: run scripts/build.sh first"
[[ -x "$NGINX" ]] || die "nginx not found at $NGINX"
command -v wrk >/dev/null || die "wrk not found (apt-get install wrk)"
command -v curl >/dev/null || die "curl not found"

tmp="$(mktemp -d -t sightline-bench.XXXXXX)"
server_pids=()
cleanup() {
  local pid
  for pid in "${server_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${server_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=bench/lib.sh
source bench/lib.sh  # the working directory is the repository's root

# --- nginx: one worker, no logging, 204 to POST /v1/beacon --------------------------------------
nginx_port="$(free_port)"
mkdir -p "$tmp/nginx"
user_line=""
[[ "$(id -u)" == 0 ]] && user_line="user root;"  # the worker must reach the temp paths in $tmp
cat >"$tmp/nginx/nginx.conf" <<EOF
$user_line
daemon off;
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx/client_body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$nginx_port;
    location = $route {
      if (\$request_method = POST) { return 204; }
      return 405;
    }
    location = /healthz { return 200; }
  }
}
EOF
"$NGINX" -p "$tmp/nginx" -e "$tmp/nginx/error.log" -c "$tmp/nginx/nginx.conf" \
  >"$tmp/nginx/stdout.log" 2>&1 &
nginx_master=$!
server_pids+=("$nginx_master")
wait_for "http://127.0.0.1:$nginx_port/healthz" "$nginx_master" nginx "$tmp/nginx/error.log"
nginx_worker="$(ps -o pid= --ppid "$nginx_master" | head -n 1 | tr -d ' ')"
[[ -n "$nginx_worker" ]] || die "nginx has no worker process"

# --- sightline: no rate limits, group commit every 50 ms ----------------------------------------
sightline_port="$(free_port)"
mkdir -p "$tmp/sightline/data"
cat >"$tmp/sightline/sightline.yaml" <<EOF
listen: 127.0.0.1:$sightline_port
data_dir: $tmp/sightline/data
limits:
  beacons_per_second_per_client: 0
  beacons_per_second_per_key: 0
storage:
  wal_fsync_interval_ms: 50
projects:
  - id: bench
    ingest_keys: [bench-key]
    read_tokens: [bench-read]
    allowed_origins: []
EOF
"$SIGHTLINE" serve --config "$tmp/sightline/sightline.yaml" --data "$tmp/sightline/data" \
  >"$tmp/sightline/stdout.log" 2>"$tmp/sightline/stderr.log" &
sightline_pid=$!
server_pids+=("$sightline_pid")
wait_for "http://127.0.0.1:$sightline_port/healthz" "$sightline_pid" "sightline serve" \
  "$tmp/sightline/stderr.log"

# --- the request: one typical beacon (a full page load: ~10 events, 1.5-2.2 KB), or an export ----
count_events() {
  if command -v jq >/dev/null; then
    jq '.events | length' "$1"
  else
    python3 -c 'import json,sys; print(len(json.load(sys.stdin)["events"]))' <"$1"
  fi
}
events=0
if [[ "$PAYLOAD" == otlp ]]; then
  SPANS="$SPANS" node bench/otlp_export.mjs | protoc -Isrc/ingest/proto \
    --encode=opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest \
    src/ingest/proto/opentelemetry/proto/collector/trace/v1/trace_service.proto >"$tmp/beacon.json"
  events="$SPANS"
  body_bytes="$(wc -c <"$tmp/beacon.json")"
else
  for seed in $(seq 1 100); do
    "$SIGHTLINE" loadgen --print-beacon --key bench-key --seed "$seed" >"$tmp/beacon.json"
    events="$(count_events "$tmp/beacon.json")"
    body_bytes="$(wc -c <"$tmp/beacon.json")"
    ((events >= 9 && events <= 11 && body_bytes >= 1500 && body_bytes <= 2200)) && break
  done
fi
[[ "$events" =~ ^[0-9]+$ && "$events" -gt 0 ]] || die "could not count the beacon's events"

post() {  # post URL: prints the HTTP status of one POST of the body
  curl -s -o "$tmp/curl.out" -w '%{http_code}' -X POST -H "Content-Type: $content_type" \
    -H 'Origin: https://shop.example' -H 'x-sightline-key: bench-key' \
    --data-binary "@$tmp/beacon.json" "$1"
}
status="$(post "http://127.0.0.1:$sightline_port$route")"
if [[ "$status" != "$expected" ]]; then
  echo "ingest.sh: sightline answered HTTP $status (expected $expected) to the benchmark body:" >&2
  cat "$tmp/curl.out" >&2
  echo >&2
  exit 1
fi
status="$(post "http://127.0.0.1:$nginx_port$route")"
[[ "$status" == 204 ]] || die "nginx answered HTTP $status (expected 204)"

cat >"$tmp/post.lua" <<'EOF'
-- POSTs the beacon in BENCH_BODY; done() prints one machine-readable line.
local file = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = os.getenv("BENCH_TYPE")
wrk.headers["Origin"] = "https://shop.example"
wrk.headers["x-sightline-key"] = "bench-key"
wrk.headers["User-Agent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 " ..
  "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p99_us=%d non2xx=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
EOF
# wrk's errors.status counts answers >= 400; a 3xx would be as wrong here, but neither server
# sends one.

echo "body ($PAYLOAD: beacons/s below are requests/s): $body_bytes bytes, $events events; wrk: $THREADS thread(s), $CONNECTIONS connections," \
  "${DURATION}s per run, $RUNS runs; $(nproc) cores"
printf '%-4s %-10s %10s %11s %8s %8s %8s %18s %9s\n' run server beacons/s events/s \
  "p99 ms" non-2xx "sock err" "RSS start>end MiB" "peak MiB"

declare -A results  # "server run" -> "beacons_per_s p99_ms"
bench_one() {  # bench_one RUN NAME PORT PID
  local run=$1 name=$2 port=$3 pid=$4 rss_start rss_end hwm out line
  rss_start="$(mem_kb "$pid" VmRSS)"
  out="$(BENCH_BODY="$tmp/beacon.json" BENCH_TYPE="$content_type" wrk -t"$THREADS" \
    -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$tmp/post.lua" "http://127.0.0.1:$port$route")"
  kill -0 "$pid" 2>/dev/null || die "$name died during run $run"
  rss_end="$(mem_kb "$pid" VmRSS)"
  hwm="$(mem_kb "$pid" VmHWM)"
  line="$(grep '^RESULT ' <<<"$out")" || { echo "$out" >&2; die "wrk printed no result"; }
  awk -v run="$run" -v name="$name" -v ev="$events" -v r0="$rss_start" -v r1="$rss_end" \
    -v hwm="$hwm" -v last="$tmp/last" '{
      for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
      bps = f["requests"] / (f["duration_us"] / 1e6)
      printf "%-4s %-10s %10.0f %11.0f %8.2f %8d %8d %8.1f > %-7.1f %9.1f\n", run, name, bps,
        bps * ev, f["p99_us"] / 1000, f["non2xx"], f["socket_errors"], r0 / 1024, r1 / 1024,
        hwm / 1024
      printf "%.3f %.3f\n", bps, f["p99_us"] / 1000 > last
    }' <<<"$line"
  results["$name $run"]="$(cat "$tmp/last")"
}

for run in $(seq 1 "$RUNS"); do
  bench_one "$run" nginx "$nginx_port" "$nginx_worker"
  bench_one "$run" sightline "$sightline_port" "$sightline_pid"
done

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
column_of() {  # column_of SERVER FIELD(1 = beacons/s, 2 = p99 ms)
  local run
  for run in $(seq 1 "$RUNS"); do awk -v f="$2" '{ print $f }' <<<"${results["$1 $run"]}"; done
}
nginx_bps="$(column_of nginx 1 | median)"
nginx_p99="$(column_of nginx 2 | median)"
sightline_bps="$(column_of sightline 1 | median)"
sightline_p99="$(column_of sightline 2 | median)"
# Each run's own ratio (sightline against the nginx run just before it) cancels the machine's slow
# drifts in speed, which the ratio of the medians does not.
run_ratios() {
  local run nginx_line sightline_line
  for run in $(seq 1 "$RUNS"); do
    nginx_line="${results["nginx $run"]}"
    sightline_line="${results["sightline $run"]}"
    awk -v n="${nginx_line%% *}" -v s="${sightline_line%% *}" 'BEGIN { printf "%.4f\n", s / n }'
  done
}
run_ratio="$(run_ratios | median)"
echo
awk -v nb="$nginx_bps" -v np="$nginx_p99" -v sb="$sightline_bps" -v sp="$sightline_p99" \
  -v ev="$events" -v rr="$run_ratio" 'BEGIN {
    printf "median     nginx      %10.0f beacons/s %11.0f events/s   p99 %.2f ms\n", nb, nb * ev, np
    printf "median     sightline  %10.0f beacons/s %11.0f events/s   p99 %.2f ms\n", sb, sb * ev, sp
    printf "ratio sightline/nginx: throughput %.3f, p99 latency %.2fx\n", sb / nb, sp / np
    printf "median of the per-run ratios sightline/nginx: throughput %.3f\n", rr
  }'
