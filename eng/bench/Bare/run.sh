#!/usr/bin/env bash
# Starts the bare Aspire app (eng/bench/Bare/AppHost) the way eng/run.sh starts the real one: built once, then the
# built AppHost directly with its launch profile's settings. eng/bench.sh alternates it with eng/run.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../prerequisites.sh"
cd "$PLATFORM_ROOT/eng/bench/Bare"

stamp="AppHost/obj/bare-build.stamp"
if [ ! -f "$stamp" ] || [ -n "$(find AppHost Service ../../../Directory.Build.props ../../../Directory.Build.targets ../../../Directory.Packages.props ../../../global.json \
      -path '*/bin' -prune -o -path '*/obj' -prune -o -type f -newer "$stamp" -print -quit)" ]; then
  log "Building the bare Aspire app"
  dotnet build AppHost/BareAppHost.csproj --nologo -clp:ErrorsOnly
  touch "$stamp"
fi

eval "$(node -e '
  const profile = require("./AppHost/Properties/launchSettings.json").profiles.http;
  const env = { ...profile.environmentVariables, ASPNETCORE_URLS: profile.applicationUrl, DOTNET_LAUNCH_PROFILE: "http" };
  for (const [name, value] of Object.entries(env)) console.log(`export ${name}=\x27${String(value).replaceAll("\x27", "")}\x27`);')"
cd AppHost
exec bin/Debug/net10.0/BareAppHost "$@"
