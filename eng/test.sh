#!/usr/bin/env bash
# Runs every test: installs what is missing, builds, runs the .NET test projects (the distributed tests start the real
# AppHost themselves and record the routes and AWS calls the AWS checks replay) and the repository checks (AWS synthesis,
# policies, workflows, deploy readiness), then prints one line: `N passed, N failed[, N skipped]`.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/prerequisites.sh"
cd "$PLATFORM_ROOT"
# A run leaves nothing in the temp folder: everything it starts (npm, builds, the test hosts, the AppHost and its
# orchestrator, node, and jsii, which unpacks about 64 MB per CDK synthesis and never removes it) gets one folder of this
# run as its TMPDIR, removed when the run ends, also when it fails or is interrupted. The path stays short: the
# orchestrator puts Unix sockets in it, and those allow about 100 characters.
run_tmp="$(mktemp -d "${TMPDIR:-/tmp}/platform-test.XXXXXX")"
# mktemp makes it private; the 'postgres' user, which runs the database when the tests run as root, must enter it.
chmod 755 "$run_tmp"
trap 'rm -rf "$run_tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
export TMPDIR="$run_tmp"
set -e
install_prerequisites
# The browser tests drive Debian's Chromium; Playwright never downloads a browser of its own. A unit test of the
# services' Redis tracing starts a redis-server of its own, also where a container engine runs the AppHost's Redis.
apt_install_missing "chromium:chromium" "redis-server:redis-server"
set +e

results="$PLATFORM_ROOT/artifacts/test-results"
rm -rf "$results" && mkdir -p "$results"
passed=0 failed=0 skipped=0

# A repository check counts as one test: its name, then the command. Exit 77 means the check could not be made here
# (e.g. a registry without vulnerability data): it counts as skipped and its last line, the reason, is printed.
check() {
  local name="$1"; shift
  "$@" >"$results/check-$name.log" 2>&1
  local status=$?
  if [ $status -eq 0 ]; then
    passed=$((passed + 1)); log "check $name: passed"
  elif [ $status -eq 77 ]; then
    skipped=$((skipped + 1)); log "check $name: SKIPPED: $(tail -1 "$results/check-$name.log")"
  else
    failed=$((failed + 1)); log "check $name: FAILED"; tail -40 "$results/check-$name.log" >&2
  fi
}

log "Building"
if ! dotnet build Platform.sln --nologo -clp:ErrorsOnly; then
  echo "0 passed, 1 failed"
  exit 1
fi

# House style (.editorconfig: layout and naming), one test: `dotnet format Platform.sln` fixes what it reports.
log "House style"
check format dotnet format Platform.sln --verify-no-changes --no-restore

log "Running .NET tests"
rm -rf "$PLATFORM_ROOT/artifacts/figures"
dotnet test --solution Platform.sln --no-build --results-directory "$results" --report-ctrf --timeout 20m
test_exit=$?

# Counts the tests a set of CTRF files report (one per .NET test project, one per AWS check run): COUNT_CTRF PREFIX.
count_ctrf() {
  node -e '
    const fs = require("fs"), path = require("path"), [dir, prefix] = process.argv.slice(1);
    let p = 0, f = 0, s = 0;
    for (const file of fs.readdirSync(dir).filter(n => n.endsWith(".ctrf") && n.startsWith(prefix))) {
      const summary = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")).results.summary;
      p += summary.passed; f += summary.failed; s += summary.skipped + (summary.pending ?? 0) + (summary.other ?? 0);
    }
    console.log(p, f, s);' "$results" "$1"
}
read -r p f s < <(count_ctrf "")
passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
if [ "$test_exit" -ne 0 ] && [ "$f" -eq 0 ]; then
  # A test host that crashed or timed out reports no failed test; count the run itself as one.
  log "dotnet test exited with $test_exit without a failed test: counting it as a failure"
  failed=$((failed + 1))
fi

# Figures the tests measured (fuzz cases and 5xx counts, …), one line each.
if compgen -G "$PLATFORM_ROOT/artifacts/figures/*.txt" >/dev/null; then
  log "Figures"
  cat "$PLATFORM_ROOT"/artifacts/figures/*.txt >&2
fi

# Known-vulnerable dependencies, as far as the registries served here can say.
log "Dependencies: vulnerability audits"
check nuget-vulnerable eng/security/audit-dependencies.sh nuget
check npm-audit eng/security/audit-dependencies.sh npm

# The AWS form: the app model published as CDK templates (offline), then checked as a reviewer would.
log "AWS: synthesis, determinism, policies, workflows"
aws="$PLATFORM_ROOT/artifacts/aws"
rm -rf "$aws" && mkdir -p "$aws"
export AWS_EC2_METADATA_DISABLED=true CDK_DISABLE_CLI_TELEMETRY=true PLATFORM_NO_BUILD=1
# The repository the deploy roles trust has no default (cdk.json): offline synthesis names an example one.
repository=(--Platform:Aws:Context:githubRepository=example-org/platform)
# Production as it is meant to run: a domain, certificates and an alarm address (example values, nothing is looked up).
prod_context=(
  --Platform:Aws:Context:stage=prod
  --Platform:Aws:Context:domainName=media.example.com
  --Platform:Aws:Context:hostedZoneId=Z0123456789ABCDEFGHIJ
  --Platform:Aws:Context:hostedZoneName=example.com
  --Platform:Aws:Context:certificateArn=arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555
  --Platform:Aws:Context:cloudFrontCertificateArn=arn:aws:acm:us-east-1:123456789012:certificate/66666666-7777-8888-9999-000000000000
  --Platform:Aws:Context:alarmEmail=oncall@example.com
  "${repository[@]}"
)
check aws-synth-dev eng/aws/publish.sh "$aws/dev" "${repository[@]}"
check aws-synth-deterministic eng/aws/deterministic.sh "$aws/dev" "$aws/dev-again" "${repository[@]}"
check aws-synth-prod eng/aws/publish.sh "$aws/prod" "${prod_context[@]}"
check aws-policy-dev node eng/policy/check.mjs "$aws/dev" "$aws/policy-dev.json"
check aws-policy-prod node eng/policy/check.mjs "$aws/prod" "$aws/policy-prod.json"
check cdk-synth eng/aws/cdk-synth.sh "$aws/dev"
check workflows node eng/ci/validate-workflows.mjs
unset PLATFORM_NO_BUILD

# Deploy readiness, offline, per stage (docs/aws.md, "Deploy readiness"): the templates against the CloudFormation resource
# spec, the semantic rules, the app's real routes through CloudFront and the load balancer, and the AWS calls the
# integration tests recorded (artifacts/recorded) replayed against the stack's policies; each rule and check one test.
# Then the checks' own test: each fails on templates with known faults and on faults planted in the current one.
log "AWS: deploy readiness (schema, rules, routing, IAM replay) and the checks' self-test"
readiness_started=$(date +%s)
readiness() {
  local name="$1"; shift
  if ! node "$@" --ctrf "$results/aws-$name.ctrf" >"$results/check-aws-$name.log" 2>&1; then
    grep -E "^  FAIL|^         " "$results/check-aws-$name.log" | head -40 >&2
    # A run that crashed wrote no CTRF file: it counts as one failure.
    [ -f "$results/aws-$name.ctrf" ] || { failed=$((failed + 1)); log "aws $name: crashed"; tail -20 "$results/check-aws-$name.log" >&2; }
  fi
  grep -E "^aws checks" "$results/check-aws-$name.log" | sed "s/^/  /" >&2 || true
}
for stage in dev prod; do
  readiness "readiness-$stage" eng/aws/checks/run.mjs --assembly "$aws/$stage" --recorded "$PLATFORM_ROOT/artifacts/recorded" \
    --require-recordings --report "$aws/readiness-$stage.json"
done
readiness checks-selftest eng/aws/checks/selftest.mjs --assembly "$aws/dev" --recorded "$PLATFORM_ROOT/artifacts/recorded"
read -r p f s < <(count_ctrf "aws-")
passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
log "AWS deploy readiness took $(( $(date +%s) - readiness_started )) s"
for name in aws-synth-dev aws-synth-prod aws-policy-dev aws-policy-prod; do
  grep -hE "CDK synthesis|publish wall time|cdk-nag|cfn-guard" "$results/check-$name.log" | sed "s/^ */  $name: /" >&2 || true
done

summary="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
[ "$failed" -eq 0 ]
