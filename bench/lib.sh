# Helpers the benchmark scripts share (sourced). The caller defines die().

# A loopback TCP port nothing listens on, from a range away from the usual ones.
free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 20000))
    if [[ -z "$(ss -Htln "sport = :$port")" ]]; then
      echo "$port"
      return
    fi
  done
  die "no free port found"
}

# kB of a /proc/PID/status field (VmRSS, VmHWM).
mem_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# wait_for URL PID NAME LOG [SECONDS]: until URL answers 2xx, while PID lives (default 30 s).
wait_for() {
  local tries=$((${5:-30} * 10))
  for _ in $(seq 1 "$tries"); do
    curl -fs -o /dev/null "$1" && return
    kill -0 "$2" 2>/dev/null || { cat "$4" >&2; die "$3 exited during start-up"; }
    sleep 0.1
  done
  cat "$4" >&2
  die "$3 did not answer $1 within ${5:-30} s"
}
