#!/usr/bin/env bash
# Runs the whole system on this machine: installs what is missing, builds, and starts the AppHost.
# Dashboard: http://localhost:18888 (sign in with the "Login to the dashboard at …" link the AppHost prints)
# Web: http://localhost:5100   Api: http://localhost:5200
# Ctrl+C stops everything. Extra arguments go to the AppHost (e.g. --Platform:LocalRuntime=processes).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/prerequisites.sh"
cd "$PLATFORM_ROOT"

install_prerequisites

# MSBuild's own up-to-date check costs seconds on two cores even when nothing changed, so build only when a source
# file is newer than the last successful build.
stamp="AppHost/obj/platform-build.stamp"
if [ ! -f "$stamp" ] || [ -n "$(find AppHost Api Web Worker ServiceDefaults Directory.Build.props Directory.Build.targets Directory.Packages.props global.json \
      -path '*/bin' -prune -o -path '*/obj' -prune -o -type f -newer "$stamp" -print -quit)" ]; then
  log "Building"
  dotnet build AppHost/AppHost.csproj --nologo -clp:ErrorsOnly
  touch "$stamp"
fi

log "Starting the AppHost (Ctrl+C stops everything)"
# The dashboard shows every resource's logs, environment and connection strings, so it asks for the token Aspire makes
# at each start: open the link of the line "Login to the dashboard at http://localhost:18888/login?t=…" printed below.
log "Dashboard: open the 'Login to the dashboard at http://localhost:18888/login?t=…' link printed below (a new token each run)"
# The built AppHost is started directly, with the settings of its launch profile 'http' (dashboard URLs, environment):
# `dotnet run` would evaluate the project again first and stay beside it as a second process.
eval "$(node -e '
  const profile = require("./AppHost/Properties/launchSettings.json").profiles.http;
  const env = { ...profile.environmentVariables, ASPNETCORE_URLS: profile.applicationUrl, DOTNET_LAUNCH_PROFILE: "http" };
  for (const [name, value] of Object.entries(env)) console.log(`export ${name}=\x27${String(value).replaceAll("\x27", "")}\x27`);')"
cd AppHost
exec bin/Debug/net10.0/AppHost "$@"
