#!/usr/bin/env bash
# Runs every test: installs what is missing, builds, runs the .NET test projects (the distributed tests start the real
# AppHost themselves) and the repository checks, then prints one line: `N passed, N failed[, N skipped]`.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/prerequisites.sh"
cd "$PLATFORM_ROOT"
set -e
require_toolchains
install_process_runtime
install_npm_packages
# The browser tests drive Debian's Chromium; Playwright never downloads a browser of its own.
apt_install_missing "chromium:chromium"
set +e

results="$PLATFORM_ROOT/artifacts/test-results"
rm -rf "$results" && mkdir -p "$results"
passed=0 failed=0 skipped=0

# A repository check counts as one test: its name, then the command.
check() {
  local name="$1"; shift
  if "$@" >"$results/check-$name.log" 2>&1; then
    passed=$((passed + 1)); log "check $name: passed"
  else
    failed=$((failed + 1)); log "check $name: FAILED"; tail -40 "$results/check-$name.log" >&2
  fi
}

log "Building"
if ! dotnet build Platform.sln --nologo -clp:ErrorsOnly; then
  echo "0 passed, 1 failed"
  exit 1
fi

log "Running .NET tests"
dotnet test --solution Platform.sln --no-build --results-directory "$results" --report-ctrf --timeout 20m
test_exit=$?

# Count what the test projects report (one CTRF file per project).
read -r p f s < <(node -e '
  const fs = require("fs"), path = require("path"), dir = process.argv[1];
  let p = 0, f = 0, s = 0;
  for (const file of fs.readdirSync(dir).filter(n => n.endsWith(".ctrf"))) {
    const summary = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")).results.summary;
    p += summary.passed; f += summary.failed; s += summary.skipped + (summary.pending ?? 0) + (summary.other ?? 0);
  }
  console.log(p, f, s);' "$results")
passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
if [ "$test_exit" -ne 0 ] && [ "$f" -eq 0 ]; then
  # A test host that crashed or timed out reports no failed test; count the run itself as one.
  log "dotnet test exited with $test_exit without a failed test: counting it as a failure"
  failed=$((failed + 1))
fi

summary="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
[ "$failed" -eq 0 ]
