#!/usr/bin/env bash
# Measures the media pipeline on this machine, each number against a baseline taken in the same run (see
# eng/bench/Program.cs): complete -> ready for a 12-megapixel JPEG, and throughput on 200 small images. Starts the real
# AppHost (process runtime, throw-away data folder) and stops it at the end. Takes a minute or two.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/prerequisites.sh"
cd "$PLATFORM_ROOT"
install_prerequisites

log "Building the benchmark (Release)"
dotnet build eng/bench/Bench.csproj -c Release --nologo -clp:ErrorsOnly
log "Running"
exec dotnet run --project eng/bench/Bench.csproj -c Release --no-build
