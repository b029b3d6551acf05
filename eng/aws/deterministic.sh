#!/usr/bin/env bash
# Synthesis is deterministic: publishing the same commit again gives the same bytes, file for file.
#   eng/aws/deterministic.sh FIRST_ASSEMBLY_DIR SECOND_OUTDIR [AppHost arguments]
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
first="$1" second="$2"; shift 2
"$here/publish.sh" "$second" "$@"
diff -r "$first" "$second" && echo "identical: $(find "$first" -type f | wc -l) files, $(cat "$first"/*.template.json | wc -c) template bytes"
