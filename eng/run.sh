#!/usr/bin/env bash
# Runs the whole system on this machine: installs what is missing, builds, and starts the AppHost.
# Dashboard: http://localhost:18888 (sign in with the "Login to the dashboard at …" link the AppHost prints)
# Web: http://localhost:5100   Api: http://localhost:5200
# Ctrl+C stops everything. Extra arguments go to the AppHost (e.g. --Platform:LocalRuntime=processes).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/prerequisites.sh"
source "$(dirname "${BASH_SOURCE[0]}")/start-apphost.sh"
cd "$PLATFORM_ROOT"

install_prerequisites

# The dashboard shows every resource's logs, environment and connection strings, so it asks for the token Aspire makes
# at each start: open the link of the line "Login to the dashboard at http://localhost:18888/login?t=…" printed below.
log "Dashboard: open the 'Login to the dashboard at http://localhost:18888/login?t=…' link printed below (a new token each run)"
start_built_apphost AppHost/AppHost.csproj \
  AppHost Api Web Worker ServiceDefaults Directory.Build.props Directory.Build.targets Directory.Packages.props global.json \
  -- "$@"
