#!/usr/bin/env bash
# Deploy readiness of one stage, offline, on one screen: publishes the stage's cloud assembly, runs the policy checks
# (cdk-nag, Control Tower) and the four check families of eng/aws/checks (schema, semantic rules, routing of the app's
# real routes, IAM replay of the AWS calls the integration tests recorded), and prints what they found.
#   eng/aws/preflight.sh dev|prod [--record] [--Platform:Aws:Context:KEY=VALUE ...]
# The routes and calls come from artifacts/recorded (written by the integration tests, e.g. by eng/test.sh); --record
# runs the integration tests first (under the shared lock when /work/.heavy.lock exists). Exits 1 when not ready.
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

if [ "$record" = 1 ]; then
  echo "recording routes and AWS calls: the integration tests (a few minutes)" >&2
  lock=(); [ -e /work/.heavy.lock ] && lock=(flock /work/.heavy.lock)
  "${lock[@]}" dotnet test --project tests/Integration.Tests >"$root/artifacts/preflight-record.log" 2>&1 \
    || echo "some integration tests failed (artifacts/preflight-record.log); the recordings are what they made" >&2
fi

eng/aws/publish.sh "$out" --Platform:Aws:Context:stage="$stage" "$@" >/dev/null
node eng/policy/check.mjs "$out" "$out.policy.json" >/dev/null || true
node eng/aws/checks/run.mjs --assembly "$out" --recorded "$recorded" --report "$out.readiness.json" >"$out.checks.log" || true
node eng/aws/checks/report.mjs "$out.readiness.json" "$out.policy.json" "$recorded"
