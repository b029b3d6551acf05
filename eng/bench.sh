#!/usr/bin/env bash
# The performance table, every row against a baseline measured in the same run (see eng/bench/Program.cs):
# the gallery's list against bare Kestrel (wrk), start-up (eng/measure-startup.sh), a 12-megapixel JPEG and 200 small
# images against the Worker's own thumbnailer, and a mixed load through the whole system. Starts the real AppHost
# (process runtime, throw-away data folder) and stops it at the end. Takes about five minutes; run it on an idle machine.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/prerequisites.sh"
cd "$PLATFORM_ROOT"
install_prerequisites
apt_install_missing "wrk:wrk"

log "Start-up: eng/run.sh -> all resources healthy, 3 runs"
profile="$(mktemp)"
startup_runs="$(STARTUP_PROFILE="$profile" bash eng/measure-startup.sh 3 | tee /dev/stderr)"
startup_median="$(grep -o 'healthy [0-9.]* s after eng/run.sh' <<<"$startup_runs" | awk '{print $2}' | sort -n | sed -n 2p)"

log "Building the benchmark and its bare-Kestrel baseline (Release)"
dotnet build eng/bench/Baseline/Baseline.csproj -c Release --nologo -clp:ErrorsOnly
dotnet build eng/bench/Bench.csproj -c Release --nologo -clp:ErrorsOnly
log "Running"
BENCH_STARTUP_SECONDS="$startup_median" BENCH_STARTUP_PROFILE="$profile" exec dotnet run --project eng/bench/Bench.csproj -c Release --no-build
