#!/usr/bin/env bash
# `npx cdk synth` from the repository root (cdk.json runs the AppHost's publish), offline, and the same templates as
# the AppHost's own publish in ASSEMBLY_DIR.
#   eng/aws/cdk-synth.sh ASSEMBLY_DIR
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
expected="$1"
# `cdk synth` runs the AppHost's publish (jsii unpacks about 64 MB into the temp folder and never removes it): the
# command gets a temp folder of its own, removed with the templates it wrote when it ends.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export TMPDIR="$scratch"
out="$scratch/cdk.out"
cd "$root"
export AWS_EC2_METADATA_DISABLED=true CDK_DISABLE_CLI_TELEMETRY=true
# The deploy roles' repository has no default (cdk.json); the offline synthesis names the example one.
npx --no-install cdk synth --no-notices --quiet --output "$out" -c githubRepository=example-org/platform
npx --no-install cdk ls --no-notices --app "$out"
for template in "$expected"/*.template.json; do
  cmp "$template" "$out/$(basename "$template")"
done
echo "cdk synth: the same $(ls "$expected"/*.template.json | wc -l) templates as the AppHost's publish"
