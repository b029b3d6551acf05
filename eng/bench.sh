#!/usr/bin/env bash
# The performance table: what users run, every row a ratio to a baseline measured in the same run (see
# eng/bench/Program.cs for what each row measures and how). Rows, all by default; BENCH_ONLY=row,row,… selects:
#   startup    eng/run.sh (built) -> all healthy, alternated with a bare Aspire app (eng/bench/Bare) started the same way
#   list       the gallery's list, services as published (ReadyToRun) exporting telemetry over OTLP, against bare Kestrel
#   devlist    the same list under eng/run.sh (Debug, dashboard on)
#   coldstart  each service's own start (process start -> healthy, as published) against a bare minimal API
#   worker     12 MP complete -> ready and 200 small images against the Worker's own thumbnailer
#   mixed      a mixed load through the whole system, then each service's resident memory
# BENCH_STARTUP_RUNS (3), BENCH_COLDSTART_RUNS (3) and BENCH_WRK_SECONDS (10) trade time for steadier numbers.
# Starts the real AppHost (throw-away data folders) and stops it at the end. About 10 minutes; run it on an idle machine.
# Its exit status says whether every goal was met; it is not part of eng/test.sh's verdict.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/prerequisites.sh"
source "$PLATFORM_ROOT/eng/start-apphost.sh"
cd "$PLATFORM_ROOT"
install_prerequisites
apt_install_missing "wrk:wrk"

selected() { [ -z "${BENCH_ONLY:-}" ] || [[ ",$BENCH_ONLY," == *",$1,"* ]]; }

if selected startup; then
  # Both apps built first, as a developer's second start finds them (eng/run.sh builds only when a source changed).
  log "Building the AppHost and the bare Aspire app (Debug, as eng/run.sh runs them)"
  build_apphost AppHost/AppHost.csproj
  build_apphost eng/bench/Bare/AppHost/BareAppHost.csproj
  runs="${BENCH_STARTUP_RUNS:-3}"
  log "Start-up: eng/run.sh and the bare Aspire app, alternated, $runs runs each (after one warm-up of each)"
  profile="$(mktemp)"
  real=(); bare=()
  seconds() { grep -o 'healthy [0-9.]* s after' | awk '{print $2}'; }
  STARTUP_COMMAND=eng/bench/Bare/run.sh bash eng/measure-startup.sh 1 >/dev/null
  bash eng/measure-startup.sh 1 >/dev/null
  for _ in $(seq 1 "$runs"); do
    out="$(STARTUP_COMMAND=eng/bench/Bare/run.sh bash eng/measure-startup.sh 1)"; echo "$out" >&2; bare+=("$(seconds <<<"$out")")
    out="$(STARTUP_PROFILE="$profile" bash eng/measure-startup.sh 1)"; echo "$out" >&2; real+=("$(seconds <<<"$out")")
  done
  median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
  BENCH_STARTUP_SECONDS="$(median "${real[@]}")"
  BENCH_STARTUP_BARE_SECONDS="$(median "${bare[@]}")"
  export BENCH_STARTUP_SECONDS BENCH_STARTUP_BARE_SECONDS BENCH_STARTUP_PROFILE="$profile"
fi

log "Building the benchmark and its baselines (Release, as the services it starts)"
dotnet build eng/bench/Baseline/Baseline.csproj -c Release --nologo -clp:ErrorsOnly
dotnet build eng/bench/Bench.csproj -c Release --nologo -clp:ErrorsOnly
if selected devlist; then
  # eng/run.sh runs the Debug build; the startup row built it already.
  selected startup || build_apphost AppHost/AppHost.csproj
fi
if selected coldstart || selected list || selected worker || selected mixed; then
  # The production-like rows run each service as it ships: published for this platform with ReadyToRun code, as the
  # container image is (Directory.Build.props); the cold starts' bare minimal API the same way.
  log "Publishing the services and the bare minimal API (Release, ReadyToRun), as their images carry them"
  published="eng/bench/obj/published"
  rm -rf "$published"
  # The runtime identifier named on the command line, as release-images.sh names it (--os/--arch): ReadyToRun is on for a
  # publish for a platform (Directory.Build.props), which --use-current-runtime would decide too late for.
  rid="$(dotnet --info | awk '/^ *RID:/ { print $2; exit }')"
  for project in Api/Api.csproj Worker/Worker.csproj Web/Web.csproj eng/bench/Baseline/Baseline.csproj; do
    dotnet publish "$project" -c Release -r "$rid" --self-contained false --nologo -clp:ErrorsOnly \
      -o "$published/$(basename "$project" .csproj)" >/dev/null
  done
  export BENCH_PUBLISHED_DIR="$PWD/$published"
fi
if selected coldstart || selected list || selected devlist; then
  # dotnet-trace (a .NET global tool from NuGet, installed beside the build output) records the Api's start (coldstart)
  # and samples it under the list's load (list, devlist); without it those rows print no profile.
  tools="eng/bench/obj/tools"
  [ -x "$tools/dotnet-trace" ] || dotnet tool install dotnet-trace --version 10.0.750501 --tool-path "$tools" >/dev/null \
    || log "dotnet-trace could not be installed: the Api's start-up profile will have its log timeline only"
  [ -x "$tools/dotnet-trace" ] && export BENCH_DOTNET_TRACE="$PWD/$tools/dotnet-trace"
fi
log "Running"
exec dotnet run --project eng/bench/Bench.csproj -c Release --no-build
