#!/usr/bin/env bash
# Installs what running Platform needs, and only what is missing. Sourced by eng/run.sh and eng/test.sh.
#   - .NET 10 SDK and Node.js 20+ must already be there (the README's prerequisites); we say so clearly if not.
#   - Debian packages for the process runtime (postgresql, redis-server), and more when asked (e.g. chromium).
#   - npm packages pinned in package-lock.json (fauxqs), with `npm ci`, when node_modules is missing or stale.
set -euo pipefail

PLATFORM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

require_toolchains() {
  command -v dotnet >/dev/null || die "the .NET SDK is not on PATH. Install the .NET 10 SDK: https://dot.net/download"
  dotnet --list-sdks | grep -q '^10\.' || die "the .NET 10 SDK is required (found: $(dotnet --list-sdks | tr '\n' ' '))."
  command -v node >/dev/null && command -v npm >/dev/null || die "Node.js 20+ and npm are required (sudo apt-get install -y nodejs npm, or https://nodejs.org)."
  local major; major="$(node -p 'process.versions.node.split(".")[0]')"
  [ "$major" -ge 20 ] || die "Node.js 20 or newer is required (found $(node --version))."
}

# apt-get install, only for the packages whose command is missing. Usage: apt_install_missing cmd:package ...
apt_install_missing() {
  local missing=()
  for pair in "$@"; do
    local cmd="${pair%%:*}" pkg="${pair#*:}"
    if ! command -v "$cmd" >/dev/null 2>&1 && ! compgen -G "$cmd" >/dev/null 2>&1; then missing+=("$pkg"); fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing: ${missing[*]}. Install them with your package manager."
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  log "Installing ${missing[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  local apt_log="$PLATFORM_ROOT/artifacts/apt-get.log"
  mkdir -p "$(dirname "$apt_log")"
  if ! $sudo apt-get install -y --no-install-recommends "${missing[@]}" >"$apt_log" 2>&1; then
    $sudo apt-get update >>"$apt_log" 2>&1 || true
    $sudo apt-get install -y --no-install-recommends "${missing[@]}" >>"$apt_log" 2>&1 \
      || { tail -20 "$apt_log" >&2; die "apt-get could not install ${missing[*]} (log: artifacts/apt-get.log)"; }
  fi
}

# The process runtime is used unless a container engine answers (the AppHost decides the same way, see
# AppHost/Hosting/Local/LocalRuntime.cs) or Platform__LocalRuntime says otherwise.
uses_process_runtime() {
  case "${Platform__LocalRuntime:-auto}" in
    processes) return 0 ;;
    containers) return 1 ;;
  esac
  for engine in docker podman; do
    if command -v "$engine" >/dev/null && timeout 5 "$engine" info >/dev/null 2>&1; then return 1; fi
  done
  return 0
}

install_process_runtime() {
  uses_process_runtime || { log "A container engine answers: Postgres, Redis and LocalStack run as containers"; return 0; }
  apt_install_missing "/usr/lib/postgresql/*/bin/postgres:postgresql" "redis-server:redis-server"
}

install_npm_packages() {
  local stamp="$PLATFORM_ROOT/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$PLATFORM_ROOT/package-lock.json" -nt "$stamp" ]; then
    log "Installing npm packages (npm ci)"
    (cd "$PLATFORM_ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# Everything running the system needs: the toolchains checked, the process runtime's packages and the npm packages
# installed when missing. What eng/run.sh, eng/test.sh and eng/bench.sh each do first.
install_prerequisites() {
  require_toolchains
  install_process_runtime
  install_npm_packages
}
