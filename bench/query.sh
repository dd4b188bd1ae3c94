#!/usr/bin/env bash
# Query speed: Sightline's embedded store against ClickHouse on the same rows, same machine.
#
# `sightline generate` writes VITALS realistic vital events (the load generator's distributions,
# in sessions with a checkout_completed business event) over 7 days as JSON lines. The same file
# is imported into Sightline (`sightline import`, the offline path) and into ClickHouse (Debian's
# clickhouse-server, started here on loopback; MergeTree partitioned by day), each timed: rows/s.
# Then both answer Q1-Q6 over HTTP on loopback (curl), RUNS times each after one warm-up; the
# median latency of each is printed with the ratio ClickHouse / Sightline (above 1: Sightline is
# faster). Sightline answers percentiles from its rollup sketches by default and by scanning with
# exact=true; ClickHouse with quantilesExact, and for reference with its approximate
# quantilesTDigest. At the end: bytes on disk and peak resident memory of both servers.
#
#   Q1 overall p75 and p95 LCP                    Q4 hourly p75 LCP over 7 days for mobile
#   Q2 p75 LCP, INP, CLS by country               Q5 conversion rate by LCP bucket (sessions)
#   Q3 p75 LCP by device x browser, one day       Q6 distinct sessions by country
#
# Needs build/sightline (scripts/build.sh), curl, bc and GNU time; installs clickhouse-server if
# missing.
# Environment: VITALS (10000000), RUNS (5), KEEP=1 keeps the work directory.
set -euo pipefail
cd "$(dirname "$0")/.."

VITALS="${VITALS:-10000000}"
RUNS="${RUNS:-5}"
SIGHTLINE="$PWD/build/sightline"
END="2026-11-28T00:00:00Z"
END_MS=1795824000000
FROM_MS=$((END_MS - 7 * 86400000))
DAY_FROM_MS=$((END_MS - 86400000))
PROJECT=bench

die() {
  echo "query.sh: $*" >&2
  exit 1
}
[[ -x "$SIGHTLINE" ]] || die "$SIGHTLINE not found: run scripts/build.sh first"
for tool in curl bc /usr/bin/time; do command -v "$tool" >/dev/null || die "$tool not found"; done
if ! command -v clickhouse-server >/dev/null; then
  echo "query.sh: installing clickhouse-server and clickhouse-client" >&2
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends clickhouse-server clickhouse-client >/dev/null
fi

tmp="$(mktemp -d -t sightline-query-bench.XXXXXX)"
server_pids=()
cleanup() {
  local pid
  for pid in "${server_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${server_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ "${KEEP:-0}" == 1 ]]; then echo "work directory kept: $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=bench/lib.sh
source bench/lib.sh  # the working directory is the repository's root
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
now_s() { date +%s.%N; }

# --- Data ------------------------------------------------------------------------------------------
echo "generating $VITALS vital events over 7 days ..." >&2
"$SIGHTLINE" generate --vitals "$VITALS" --days 7 --end "$END" --project "$PROJECT" >"$tmp/events.jsonl"
rows=$(wc -l <"$tmp/events.jsonl")
echo "  $rows rows, $(du -m "$tmp/events.jsonl" | cut -f1) MiB of JSON lines" >&2

# --- Sightline: import, then serve -------------------------------------------------------------
sl_port="$(free_port)"
mkdir -p "$tmp/sightline/data"
cat >"$tmp/sightline/sightline.yaml" <<EOF
listen: 127.0.0.1:$sl_port
data_dir: $tmp/sightline/data
projects:
  - id: $PROJECT
    ingest_keys: [bench-key]
    read_tokens: [bench-token]
EOF
echo "importing into Sightline ..." >&2
t0=$(now_s)
/usr/bin/time -f '%M' -o "$tmp/sightline/import.maxrss" \
  "$SIGHTLINE" import --config "$tmp/sightline/sightline.yaml" "$tmp/events.jsonl" >"$tmp/sightline/import.out"
t1=$(now_s)
sl_import_s=$(echo "$t1 - $t0" | bc -l)
sl_import_kb=$(cat "$tmp/sightline/import.maxrss")
sl_bytes=$(du -sb "$tmp/sightline/data" | cut -f1)
cat "$tmp/sightline/import.out" >&2

"$SIGHTLINE" serve --config "$tmp/sightline/sightline.yaml" >"$tmp/sightline/serve.log" 2>&1 &
sl_pid=$!
server_pids+=("$sl_pid")
wait_for "http://127.0.0.1:$sl_port/healthz" "$sl_pid" sightline "$tmp/sightline/serve.log" 60

# --- ClickHouse: a private server on loopback, MergeTree partitioned by day ----------------------
ch_http="$(free_port)"
ch_tcp="$(free_port)"
ch="$tmp/clickhouse"
mkdir -p "$ch/data" "$ch/tmp" "$ch/user_files" "$ch/format_schemas"
cat >"$ch/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$ch/server.log</log><errorlog>$ch/error.log</errorlog><console>0</console></logger>
  <http_port>$ch_http</http_port>
  <tcp_port>$ch_tcp</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>$ch/data/</path>
  <tmp_path>$ch/tmp/</tmp_path>
  <user_files_path>$ch/user_files/</user_files_path>
  <format_schema_path>$ch/format_schemas/</format_schema_path>
  <users_config>$ch/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>1073741824</mark_cache_size>
</yandex>
EOF
cat >"$ch/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>10000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
EOF
clickhouse-server --config-file="$ch/config.xml" >"$ch/stdout.log" 2>&1 &
ch_pid=$!
server_pids+=("$ch_pid")
wait_for "http://127.0.0.1:$ch_http/ping" "$ch_pid" clickhouse "$ch/stdout.log" 60
chq() { curl -fsS "http://127.0.0.1:$ch_http/" --data-binary "$1"; }
chq "CREATE TABLE events (
  project String, ts UInt64, type String, session_id String, page_view_id String,
  consent String, sample_rate Float64, route String, release String, environment String,
  connection String, country String, region String, device String, browser String, os String,
  soft UInt8, name String, value Float64, kind String, message String, stack String, file String,
  line Int64, \`column\` Int64
) ENGINE = MergeTree PARTITION BY toDate(intDiv(ts, 1000)) ORDER BY (project, type, name, ts)"
echo "importing into ClickHouse ..." >&2
t0=$(now_s)
clickhouse-client --host 127.0.0.1 --port "$ch_tcp" \
  --query "INSERT INTO events FORMAT JSONEachRow" <"$tmp/events.jsonl"
t1=$(now_s)
ch_import_s=$(echo "$t1 - $t0" | bc -l)
chq "OPTIMIZE TABLE events FINAL" >/dev/null || true
ch_rows=$(chq "SELECT count() FROM events")
[[ "$ch_rows" == "$rows" ]] || die "ClickHouse holds $ch_rows rows, expected $rows"
ch_bytes=$(du -sb "$ch/data/data/default/events" | cut -f1)

# --- Queries -------------------------------------------------------------------------------------
# One request; prints its seconds, or stops the script with the server's answer when it fails.
timed_request() {  # timed_request OUTPUT CURL_ARGS...
  local out="$1" answer
  shift
  answer=$(curl -sS -o "$out" -w '%{http_code} %{time_total}' "$@") || die "request failed: $*"
  [[ "${answer%% *}" == 200 ]] || die "HTTP ${answer%% *} for $*: $(head -c 500 "$out")"
  echo "${answer#* }"
}
sl_get() { timed_request "$tmp/last.json" -H 'Authorization: Bearer bench-token' "http://127.0.0.1:$sl_port/api/v1/$1"; }
ch_post() { timed_request "$tmp/last.tsv" "http://127.0.0.1:$ch_http/" --data-binary "$1"; }
# time_median CMD ARGS...: the median seconds of RUNS runs after a warm-up (several requests of
# one query, separated by ';;', are summed).
time_median() {
  local kind="$1" spec="$2"
  run_once() {
    local total=0 part
    IFS=$'\x01' read -r -a parts <<<"${spec//;;/$'\x01'}"
    for part in "${parts[@]}"; do
      total=$(echo "$total + $("$kind" "$part")" | bc -l)
    done
    echo "$total"
  }
  run_once >/dev/null
  for _ in $(seq 1 "$RUNS"); do run_once; done | median
}

P="project=$PROJECT"
R="from=$FROM_MS&to=$END_MS"
D="from=$DAY_FROM_MS&to=$END_MS"
W="project = '$PROJECT' AND ts >= $FROM_MS AND ts < $END_MS"
WD="project = '$PROJECT' AND ts >= $DAY_FROM_MS AND ts < $END_MS"

declare -A sl_sketch sl_exact ch_exact ch_approx
queries=(Q1 Q2 Q3 Q4 Q5 Q6)
declare -A title=(
  [Q1]="overall p75, p95 LCP"
  [Q2]="p75 LCP, INP, CLS by country"
  [Q3]="p75 LCP by device x browser, 1 day"
  [Q4]="hourly p75 LCP, 7 days, mobile"
  [Q5]="conversion by LCP bucket"
  [Q6]="distinct sessions by country"
)
declare -A sl_q=(
  [Q1]="metrics?$P&name=LCP&stats=p75,p95&$R"
  [Q2]="metrics?$P&name=LCP&stats=p75&group_by=country&$R;;metrics?$P&name=INP&stats=p75&group_by=country&$R;;metrics?$P&name=CLS&stats=p75&group_by=country&$R"
  [Q3]="metrics?$P&name=LCP&stats=p75&group_by=device,browser&$D"
  [Q4]="timeseries?$P&name=LCP&stats=p75&interval=1h&filter=device:mobile&$R"
  [Q5]="conversion?$P&name=LCP&event=checkout_completed&$R"
  [Q6]="sessions/summary?$P&group_by=country&$R"
)
vq="type = 'vital'"
declare -A ch_q=(
  [Q1]="SELECT quantilesExact(0.75, 0.95)(value) FROM events WHERE $W AND $vq AND name = 'LCP'"
  [Q2]="SELECT country, quantileExactIf(0.75)(value, name = 'LCP'), quantileExactIf(0.75)(value, name = 'INP'), quantileExactIf(0.75)(value, name = 'CLS') FROM events WHERE $W AND $vq AND name IN ('LCP', 'INP', 'CLS') GROUP BY country"
  [Q3]="SELECT device, browser, quantileExact(0.75)(value) FROM events WHERE $WD AND $vq AND name = 'LCP' GROUP BY device, browser"
  [Q4]="SELECT intDiv(ts, 3600000) AS hour, quantileExact(0.75)(value) FROM events WHERE $W AND $vq AND name = 'LCP' AND device = 'mobile' GROUP BY hour ORDER BY hour"
  [Q5]="SELECT multiIf(lcp <= 2500, 'good', lcp <= 4000, 'ni', 'poor') AS bucket, count() AS sessions, sum(converted) / count() AS rate FROM (SELECT session_id, argMinIf(value, ts, type = 'vital' AND name = 'LCP') AS lcp, countIf(type = 'vital' AND name = 'LCP') AS n, max(type = 'custom' AND name = 'checkout_completed') AS converted FROM events WHERE $W AND session_id != '' GROUP BY session_id) WHERE n > 0 GROUP BY bucket ORDER BY bucket"
  [Q6]="SELECT country, uniqExact(session_id) FROM events WHERE $W AND session_id != '' GROUP BY country"
)
declare -A ch_approx_q=(
  [Q1]="SELECT quantilesTDigest(0.75, 0.95)(value) FROM events WHERE $W AND $vq AND name = 'LCP'"
  [Q2]="SELECT country, quantileTDigestIf(0.75)(value, name = 'LCP'), quantileTDigestIf(0.75)(value, name = 'INP'), quantileTDigestIf(0.75)(value, name = 'CLS') FROM events WHERE $W AND $vq AND name IN ('LCP', 'INP', 'CLS') GROUP BY country"
  [Q3]="SELECT device, browser, quantileTDigest(0.75)(value) FROM events WHERE $WD AND $vq AND name = 'LCP' GROUP BY device, browser"
  [Q4]="SELECT intDiv(ts, 3600000) AS hour, quantileTDigest(0.75)(value) FROM events WHERE $W AND $vq AND name = 'LCP' AND device = 'mobile' GROUP BY hour ORDER BY hour"
)

for q in "${queries[@]}"; do
  echo "running $q (${title[$q]}) ..." >&2
  sl_sketch[$q]=$(time_median sl_get "${sl_q[$q]}")
  if [[ "$q" == Q1 || "$q" == Q2 || "$q" == Q3 || "$q" == Q4 ]]; then
    exact="${sl_q[$q]//;;/\&exact=true;;}&exact=true"
    sl_exact[$q]=$(time_median sl_get "$exact")
    ch_approx[$q]=$(time_median ch_post "${ch_approx_q[$q]}")
  else
    sl_exact[$q]="${sl_sketch[$q]}"  # Q5, Q6 are scans either way
    sl_sketch[$q]="-"
    ch_approx[$q]="-"
  fi
  ch_exact[$q]=$(time_median ch_post "${ch_q[$q]}")
done

# The same answer from both (a check on the comparison, not a timing).
sl_get "metrics?$P&name=LCP&stats=p75,count&exact=true&$R" >/dev/null
sl_q1=$(grep -o '"p75":[0-9.]*' "$tmp/last.json" | cut -d: -f2)
sl_count=$(grep -o '"count":[0-9.]*' "$tmp/last.json" | cut -d: -f2)
ch_post "SELECT quantileExact(0.75)(value), count() FROM events WHERE $W AND $vq AND name = 'LCP'" >/dev/null
read -r ch_q1 ch_count <"$tmp/last.tsv"

ms() { if [[ "$1" == "-" ]]; then echo "-"; else printf '%.1f' "$(echo "$1 * 1000" | bc -l)"; fi; }
ratio() { if [[ "$1" == "-" || "$2" == "-" ]]; then echo "-"; else printf '%.1fx' "$(echo "$2 / $1" | bc -l)"; fi; }

echo
echo "Sightline vs ClickHouse $(clickhouse-client --version 2>/dev/null | grep -o '[0-9][0-9.]*[0-9]' | head -1), $rows rows ($VITALS vitals), 7 days; median of $RUNS runs, ms over loopback HTTP"
echo "check: LCP p75 exact $sl_q1 (Sightline) / $ch_q1 (ClickHouse), LCP count $sl_count / $ch_count"
printf '%-3s %-36s %10s %10s %11s %11s %9s %9s %9s\n' "" "query" "SL sketch" "SL exact" "CH exact" "CH approx" \
  "CH/SLsk" "CH/SLex" "CHap/SLsk"
for q in "${queries[@]}"; do
  printf '%-3s %-36s %10s %10s %11s %11s %9s %9s %9s\n' "$q" "${title[$q]}" "$(ms "${sl_sketch[$q]}")" \
    "$(ms "${sl_exact[$q]}")" "$(ms "${ch_exact[$q]}")" "$(ms "${ch_approx[$q]}")" \
    "$(ratio "${sl_sketch[$q]}" "${ch_exact[$q]}")" "$(ratio "${sl_exact[$q]}" "${ch_exact[$q]}")" \
    "$(ratio "${sl_sketch[$q]}" "${ch_approx[$q]}")"
done
echo
printf 'import    Sightline %8.0f rows/s (%.1f s, peak %d MiB)   ClickHouse %8.0f rows/s (%.1f s)   ratio SL/CH %.2f\n' \
  "$(echo "$rows / $sl_import_s" | bc -l)" "$sl_import_s" $((sl_import_kb / 1024)) \
  "$(echo "$rows / $ch_import_s" | bc -l)" "$ch_import_s" "$(echo "$ch_import_s / $sl_import_s" | bc -l)"
printf 'on disk   Sightline %d MiB   ClickHouse %d MiB   ratio SL/CH %.2f\n' \
  $((sl_bytes / 1048576)) $((ch_bytes / 1048576)) "$(echo "$sl_bytes / $ch_bytes" | bc -l)"
printf 'peak RSS  Sightline serve %d MiB   ClickHouse server %d MiB\n' \
  $(($(mem_kb "$sl_pid" VmHWM) / 1024)) $(($(mem_kb "$ch_pid" VmHWM) / 1024))
