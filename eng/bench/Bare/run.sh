#!/usr/bin/env bash
# Starts the bare Aspire app (eng/bench/Bare/AppHost) the way eng/run.sh starts the real one: built once, then the
# built AppHost directly with its launch profile's settings. eng/bench.sh alternates it with eng/run.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../prerequisites.sh"
source "$PLATFORM_ROOT/eng/start-apphost.sh"
cd "$PLATFORM_ROOT"

start_built_apphost eng/bench/Bare/AppHost/BareAppHost.csproj \
  eng/bench/Bare/AppHost eng/bench/Bare/Service Directory.Build.props Directory.Build.targets Directory.Packages.props global.json \
  -- "$@"
