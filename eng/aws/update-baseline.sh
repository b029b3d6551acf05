#!/usr/bin/env bash
# Refreshes eng/aws/baseline from the current app model (dev stage, cdk.json defaults). Commit the result with the change.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$root/eng/aws/publish.sh" "$out" --Platform:Aws:Context:githubRepository=example-org/platform
rm -f "$root"/eng/aws/baseline/*.template.json
mkdir -p "$root/eng/aws/baseline"
cp "$out"/*.template.json "$root/eng/aws/baseline/"
git -C "$root" status --short eng/aws/baseline
