#!/usr/bin/env bash
# Starts an AppHost the way eng/run.sh does: built only when a source changed, then its built executable directly, with
# the settings of its launch profile 'http'. Sourced by eng/run.sh, eng/bench/Bare/run.sh (the bare Aspire app that
# eng/bench.sh compares start-up against, which must start the same way) and eng/bench.sh.

# The file whose time says when an AppHost project was last built here. Usage: apphost_build_stamp <project>
apphost_build_stamp() { printf '%s/obj/last-build.stamp' "$(dirname "$1")"; }

# Builds an AppHost project and records when (apphost_build_stamp). Usage: build_apphost <project>
build_apphost() {
  local project="$1" stamp
  stamp="$(apphost_build_stamp "$project")"
  mkdir -p "$(dirname "$stamp")"
  # Recorded as of the build's start: a file saved while the build runs is newer, so the next start builds again.
  touch "$stamp.next"
  log "Building $(basename "$project" .csproj)"
  dotnet build "$project" --nologo -clp:ErrorsOnly
  mv "$stamp.next" "$stamp"
}

# Usage: start_built_apphost <AppHost project> <source path>... -- <AppHost argument>...
# Never returns: the AppHost replaces the shell, so Ctrl+C and a stop signal reach it directly.
start_built_apphost() {
  local project="$1"; shift
  local sources=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    [ -e "$1" ] || die "start_built_apphost: the source path '$1' does not exist, so its changes would never rebuild $project."
    sources+=("$1"); shift
  done
  [ $# -gt 0 ] && shift

  # MSBuild's own up-to-date check costs seconds on two cores even when nothing changed, so build only when a source
  # file is newer than the last build.
  local dir name stamp
  dir="$(dirname "$project")"; name="$(basename "$project" .csproj)"; stamp="$(apphost_build_stamp "$project")"
  if [ ! -f "$stamp" ] || [ -n "$(find "${sources[@]}" -path '*/bin' -prune -o -path '*/obj' -prune -o -type f -newer "$stamp" -print -quit)" ]; then
    build_apphost "$project"
  fi

  log "Starting $name (Ctrl+C stops everything)"
  # `dotnet run` would evaluate the project again first and stay beside the AppHost as a second process; its launch
  # profile's environment and URLs are what it would set. Read first, so a missing or broken profile stops here.
  local profile
  profile="$(node -e '
    const profile = require(require("path").resolve(process.argv[1])).profiles.http;
    const env = { ...profile.environmentVariables, ASPNETCORE_URLS: profile.applicationUrl, DOTNET_LAUNCH_PROFILE: "http" };
    for (const [name, value] of Object.entries(env)) console.log(`export ${name}=\x27${String(value).replaceAll("\x27", "")}\x27`);' \
    "$dir/Properties/launchSettings.json")"
  eval "$profile"
  cd "$dir" || die "cannot enter $dir"
  exec "bin/Debug/net10.0/$name" "$@"
}
