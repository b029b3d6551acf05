#!/usr/bin/env bash
# Deploy readiness of one stage, offline, on one screen: publishes the stage's cloud assembly, runs the policy checks
# (cdk-nag, Control Tower) and the check families of eng/aws/checks (schema, semantic rules, routing of the app's real
# routes, IAM replay of the AWS calls the integration tests recorded, network reachability, cost at list prices), and
# prints what they found.
#   eng/aws/preflight.sh dev|prod [--record] [--Platform:Aws:Context:KEY=VALUE ...]
# The routes and calls come from artifacts/recorded (written by the integration tests, e.g. by eng/test.sh); --record
# runs the integration tests first (under `flock $PLATFORM_HEAVY_LOCK` when that variable names a lock file).
# Reports of an earlier run are removed first; a check that crashes or cannot run makes the stage NOT READY, named.
# Exits 1 when not ready.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
stage="${1:-}"
case "$stage" in dev|prod) shift ;; *) echo "usage: $0 dev|prod [--record] [AppHost arguments]" >&2; exit 2 ;; esac
record=0
if [ "${1:-}" = "--record" ]; then record=1; shift; fi
cd "$root"
export AWS_EC2_METADATA_DISABLED=true CDK_DISABLE_CLI_TELEMETRY=true
out="$root/artifacts/aws/preflight-$stage"
recorded="$root/artifacts/recorded"
mkdir -p "$(dirname "$out")"
# What this run reports is what this run found: nothing of an earlier run survives.
rm -f "$out.policy.json" "$out.readiness.json" "$out.checks.log" "$out.policy.log"

if [ "$record" = 1 ]; then
  echo "recording routes and AWS calls: the integration tests (a few minutes)" >&2
  lock=(); [ -n "${PLATFORM_HEAVY_LOCK:-}" ] && lock=(flock "$PLATFORM_HEAVY_LOCK")
  "${lock[@]}" dotnet test --project tests/Integration.Tests >"$root/artifacts/preflight-record.log" 2>&1 \
    || echo "some integration tests failed (artifacts/preflight-record.log); the recordings are what they made" >&2
fi

# Each step either writes its report (findings or none: exit 0 or 1) or did not run; report.mjs names the latter.
unrun=()
# The deploy roles' repository has no default (cdk.json): this run's ($GITHUB_REPOSITORY in a workflow) or an example;
# an argument given here wins.
if ! eng/aws/publish.sh "$out" --Platform:Aws:Context:stage="$stage" \
    --Platform:Aws:Context:githubRepository="${GITHUB_REPOSITORY:-example-org/platform}" "$@" >/dev/null; then
  echo "  NOT READY: the stage did not publish (see the log above)"
  exit 1
fi
set +e
node eng/policy/check.mjs "$out" "$out.policy.json" >"$out.policy.log" 2>&1
status=$?
{ [ "$status" -le 1 ] && [ -s "$out.policy.json" ]; } || unrun+=("policy checks (exit $status, $out.policy.log)")
node eng/aws/checks/run.mjs --assembly "$out" --recorded "$recorded" --report "$out.readiness.json" >"$out.checks.log" 2>&1
status=$?
{ [ "$status" -le 1 ] && [ -s "$out.readiness.json" ]; } || unrun+=("deploy-readiness checks (exit $status, $out.checks.log)")
set -e
unrun_list="$(printf '%s\n' "${unrun[@]+"${unrun[@]}"}")"
node eng/aws/checks/report.mjs "$out.readiness.json" "$out.policy.json" "$recorded" "$unrun_list"
