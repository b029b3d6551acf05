#!/usr/bin/env bash
# `cdk diff --template` of each stack against the committed baseline (eng/aws/baseline), offline. A change to the stack
# shows here as a CloudFormation diff; when it is intended, refresh the baseline with eng/aws/update-baseline.sh and
# commit it, so the review sees the infrastructure change.
#   eng/aws/diff-baseline.sh ASSEMBLY_DIR
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
assembly="$1"
cd "$root"
export AWS_EC2_METADATA_DISABLED=true CDK_DISABLE_CLI_TELEMETRY=true
failed=0
for baseline in eng/aws/baseline/*.template.json; do
  stack="$(basename "$baseline" .template.json)"
  if ! npx --no-install cdk diff --no-notices --app "$assembly" --template "$baseline" --fail "$stack"; then
    echo "$stack differs from $baseline: if intended, run eng/aws/update-baseline.sh and commit the baseline" >&2
    failed=1
  fi
done
exit "$failed"
