#!/usr/bin/env bash
# Measures what a developer waits for: the time from `eng/run.sh` (already built) until the AppHost reports every
# resource healthy, and the memory (RSS) of the whole process tree once it is. Usage: eng/measure-startup.sh [runs=3]
# STARTUP_COMMAND=<script> measures another app started the same way and logging the same line (eng/bench.sh: the bare
# Aspire app, eng/bench/Bare/run.sh).
# With STARTUP_PROFILE=<file>, the last run's profile goes there too: when each resource started, became healthy or
# finished (the AppHost's Platform.Startup timeline), and the CPU time every process spent until all were healthy.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-3}"
command="${STARTUP_COMMAND:-eng/run.sh}"

# Processes started since the run began (DCP, Aspire's orchestrator, puts itself and everything it launches in sessions
# of its own, so neither the process tree nor the session of eng/run.sh holds them all; on an otherwise idle machine
# "started since" does). Shared memory (Postgres buffers) is counted once per process.
started_since() { ps -eo pid=,etimes= | awk -v age="$1" '$2 <= age { print $1 }'; }
rss_since_mb() {
  local age="$1"
  ps -eo etimes=,rss= | awk -v age="$age" '$1 <= age { kb += $2 } END { printf "%.0f", kb / 1024 }'
}
cpu_profile() {
  local age="$1" tck; tck="$(getconf CLK_TCK)"
  for p in $(started_since "$age"); do
    [ -r "/proc/$p/stat" ] || continue
    # Fields after "pid (comm) ": utime and stime are the 12th and 13th.
    read -r -a st < <(sed 's/^[0-9]* (.*) //' "/proc/$p/stat") || continue
    printf '%6.2f  %s\n' "$(echo "(${st[11]} + ${st[12]}) / $tck" | bc -l)" "$(tr '\0' ' ' < "/proc/$p/cmdline" | sed "s#$(pwd)/##g" | cut -c1-110)"
  done | sort -rn | awk '$1 >= 0.05' | head -14
}

for run in $(seq 1 "$runs"); do
  log="$(mktemp)"
  start=$(date +%s.%N)
  setsid bash "$command" --Logging:LogLevel:Platform.Startup=Debug >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 1200); do
    grep -q "resources are healthy" "$log" && break
    if ! kill -0 "$pid" 2>/dev/null; then cat "$log" >&2; echo "$command exited" >&2; exit 1; fi
    sleep 0.05
  done
  end=$(date +%s.%N)
  age="$(printf '%.0f' "$(echo "$(date +%s.%N) - $start + 1" | bc)")"
  if [ -n "${STARTUP_PROFILE:-}" ] && [ "$run" -eq "$runs" ]; then
    {
      echo "    timeline (s after eng/run.sh started; the AppHost is exec'ed by it): first time each state was reported"
      sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^ +[0-9.]+ s  ' \
        | awk '{ key = $3 " " $4 " " $5 } !seen[key]++ && ($4 == "Running" || $4 == "Finished" || $5 == "Healthy") { printf "      %6s s  %-16s %s %s\n", $1, $3, $4, $5 }' \
        | grep -v 'password\|dashboard' || true # an app without the Platform.Startup timeline (the bare app) has none
      echo "    CPU seconds per process until then (2 cores: the sum over 2 is the floor for the wall time):"
      # Read once: a second pass, after this one's own processes, would see the oldest processes age out of the window.
      profile="$(cpu_profile "$age")"
      sed 's/^/      /' <<<"$profile"
      echo "      total $(awk '{ s += $1 } END { printf "%.1f", s }' <<<"$profile") s"
    } >"$STARTUP_PROFILE"
  fi
  sleep 2 # let the services settle before reading memory
  rss=$(rss_since_mb "$(printf '%.0f' "$(echo "$(date +%s.%N) - $start + 1" | bc)")")
  printf 'run %d: all resources healthy %.1f s after %s started; RSS of every process it started %s MB (%s)\n' \
    "$run" "$(echo "$end - $start" | bc)" "$command" "$rss" "$(grep -o 'All [0-9]* resources are healthy, [0-9.]* s after the AppHost started' "$log")"
  kill -TERM -- -"$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  for _ in $(seq 1 300); do pgrep -f "$(pwd)/(Api|Web|Worker|\.data/postgres|eng/local-aws/server.mjs|eng/bench/Bare)" >/dev/null || break; sleep 0.1; done
  # The next run's dashboard needs its ports back.
  for _ in $(seq 1 300); do ss -ltn | grep -qE ':1888[789] ' || break; sleep 0.1; done
  rm -f "$log"
done
