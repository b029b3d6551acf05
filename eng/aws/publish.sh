#!/usr/bin/env bash
# Publishes the app model as a CDK cloud assembly (CloudFormation templates + manifest.json) into OUTDIR, offline:
#   eng/aws/publish.sh OUTDIR [--Platform:Aws:Context:KEY=VALUE ...]
# The same as `aspire publish`; `npx cdk deploy --app OUTDIR` deploys the result. Set PLATFORM_NO_BUILD=1 after a build.
# Prints the synthesis time the AppHost measured, and the whole command's wall time.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [AppHost arguments]" >&2; exit 2; }
out="$(mkdir -p "$1" && cd "$1" && pwd)"; shift
rm -rf "${out:?}"/*
# The synthesis runs jsii, which unpacks about 64 MB into the temp folder and never removes it, and Aspire leaves its
# pipeline folders there: the publish gets a temp folder of its own, removed when it ends.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export TMPDIR="$scratch"
build=(); [ "${PLATFORM_NO_BUILD:-0}" = 1 ] && build=(--no-build)
started=$(date +%s%N)
set +e
dotnet run --project "$root/AppHost/AppHost.csproj" "${build[@]}" --no-launch-profile -- \
  --operation publish --step publish --output-path "$out" "$@" >"$out.log" 2>&1
status=$?
set -e
grep -E "CDK synthesis" "$out.log" || true
[ "$status" -eq 0 ] && [ -f "$out/manifest.json" ] || { echo "publish failed (exit $status), log: $out.log" >&2; tail -30 "$out.log" >&2; exit 1; }
elapsed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
echo "publish wall time: $((elapsed_ms / 1000)).$(( (elapsed_ms % 1000) / 100 )) s"
