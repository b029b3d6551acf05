#!/usr/bin/env bash
# Measures what a developer waits for: the time from `eng/run.sh` (already built) until the AppHost reports every
# resource healthy, and the memory (RSS) of the whole process tree once it is. Usage: eng/measure-startup.sh [runs=3]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-3}"

tree_rss_mb() { # RSS of a process and all its descendants, in MB
  local pids=("$1") i=0
  while [ $i -lt ${#pids[@]} ]; do
    for child in $(pgrep -P "${pids[$i]}" || true); do pids+=("$child"); done
    i=$((i + 1))
  done
  ps -o rss= -p "$(IFS=,; echo "${pids[*]}")" | awk '{ kb += $1 } END { printf "%.0f", kb / 1024 }'
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
  rss=$(tree_rss_mb "$pid")
  printf 'run %d: all resources healthy %.1f s after eng/run.sh started; process tree RSS %s MB (%s)\n' \
    "$run" "$(echo "$end - $start" | bc)" "$rss" "$(grep -o 'All [0-9]* resources are healthy, [0-9.]* s after the AppHost started' "$log")"
  kill -TERM -- -"$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  for _ in $(seq 1 300); do pgrep -f "$(pwd)/(Api|Web|Worker)|\.data/postgres|eng/local-aws/server.mjs" >/dev/null || break; sleep 0.1; done
  rm -f "$log"
done
