#!/usr/bin/env bash
# Runs the whole system on this machine: installs what is missing, builds, and starts the AppHost.
# Dashboard: http://localhost:18888   Web: http://localhost:5100   Api: http://localhost:5200
# Ctrl+C stops everything. Extra arguments go to the AppHost (e.g. --Platform:LocalRuntime=processes).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/prerequisites.sh"
cd "$PLATFORM_ROOT"

install_prerequisites

# MSBuild's own up-to-date check costs seconds on two cores even when nothing changed, so build only when a source
# file is newer than the last successful build.
stamp="AppHost/obj/platform-build.stamp"
if [ ! -f "$stamp" ] || [ -n "$(find AppHost Api Web Worker ServiceDefaults Directory.Build.props Directory.Packages.props global.json \
      -path '*/bin' -prune -o -path '*/obj' -prune -o -type f -newer "$stamp" -print -quit)" ]; then
  log "Building"
  dotnet build AppHost/AppHost.csproj --nologo -clp:ErrorsOnly
  touch "$stamp"
fi

log "Starting the AppHost (Ctrl+C stops everything)"
exec dotnet run --project AppHost/AppHost.csproj --no-build --launch-profile http -- "$@"
