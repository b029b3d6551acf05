#!/usr/bin/env bash
# Measures what a developer waits for: the time from `eng/run.sh` (already built) until the AppHost reports every
# resource healthy, and the memory (RSS) of the whole process tree once it is. Usage: eng/measure-startup.sh [runs=3]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-3}"

# RSS of every process started since the run began, in MB. DCP (Aspire's orchestrator) puts itself and everything it
# launches in sessions of its own, so neither the process tree nor the session of eng/run.sh holds them all; on an
# otherwise idle machine "started since" does. Shared memory (Postgres buffers) is counted once per process.
rss_since_mb() {
  local age="$1"
  ps -eo etimes=,rss= | awk -v age="$age" '$1 <= age { kb += $2 } END { printf "%.0f", kb / 1024 }'
}

for run in $(seq 1 "$runs"); do
  log="$(mktemp)"
  start=$(date +%s.%N)
  setsid bash eng/run.sh >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 1200); do
    grep -q "resources are healthy" "$log" && break
    if ! kill -0 "$pid" 2>/dev/null; then cat "$log" >&2; echo "eng/run.sh exited" >&2; exit 1; fi
    sleep 0.05
  done
  end=$(date +%s.%N)
  sleep 2 # let the services settle before reading memory
  rss=$(rss_since_mb "$(printf '%.0f' "$(echo "$(date +%s.%N) - $start + 1" | bc)")")
  printf 'run %d: all resources healthy %.1f s after eng/run.sh started; RSS of every process it started %s MB (%s)\n' \
    "$run" "$(echo "$end - $start" | bc)" "$rss" "$(grep -o 'All [0-9]* resources are healthy, [0-9.]* s after the AppHost started' "$log")"
  kill -TERM -- -"$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  for _ in $(seq 1 300); do pgrep -f "$(pwd)/(Api|Web|Worker)|\.data/postgres|eng/local-aws/server.mjs" >/dev/null || break; sleep 0.1; done
  rm -f "$log"
done
