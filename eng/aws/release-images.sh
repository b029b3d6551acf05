#!/usr/bin/env bash
# Build once, promote by digest (docs/aws.md, "Deploy to AWS"; docs/aws.md, "Release: build once, promote by digest"):
#   eng/aws/release-images.sh push ASSEMBLY_DIR REGISTRY TAG > digests.json
#       Builds and pushes each service image of ASSEMBLY_DIR/images.json as REPOSITORY:TAG (dotnet publish
#       -t:PublishContainer), unless ECR already has that tag (the tags are immutable: a re-run, or a commit dev already
#       built, reuses the image), and prints each image's digest.
#   eng/aws/release-images.sh tag digests.json STAGE_TAG
#       Points STAGE_TAG (dev-current, prod-deploying, …: the repositories' only mutable tags) at each digest; a tag that
#       already names the digest is left alone, so a re-run is a no-op.
#   eng/aws/release-images.sh parameters digests.json STACK
#       Prints the `cdk deploy` arguments that deploy STACK with exactly these digests.
set -euo pipefail
command -v aws >/dev/null || { echo "the AWS CLI v2 is needed" >&2; exit 1; }
usage() { echo "usage: $0 push ASSEMBLY_DIR REGISTRY TAG | tag DIGESTS STAGE_TAG | parameters DIGESTS STACK" >&2; exit 2; }

# Sets `found` to the digest TAG names in REPOSITORY and returns 0, or returns 1 when ECR has no such image (or no such
# repository). Any other failure (access denied, throttling, no network, expired credentials) stops the script with
# ECR's message: read as "missing", it would rebuild and push over an immutable tag, or tag nothing and deploy anyway.
errors="$(mktemp)"
trap 'rm -f "$errors"' EXIT
digest_of() {
  local status=0
  found="$(aws ecr describe-images --repository-name "$1" --image-ids "imageTag=$2" --query 'imageDetails[0].imageDigest' --output text 2>"$errors")" || status=$?
  [ "$status" -eq 0 ] && return 0
  if grep -qE 'ImageNotFoundException|RepositoryNotFoundException' "$errors"; then return 1; fi
  echo "looking up $1:$2 in ECR failed (exit $status):" >&2
  cat "$errors" >&2
  exit 1
}

# Each image of a JSON list as one line of its fields.
rows() { node -e 'for (const i of require(require("path").resolve(process.argv[1]))) console.log(process.argv.slice(2).map(k => i[k]).join(" "))' "$@"; }

case "${1:-}" in
  push)
    [ $# -eq 4 ] || usage
    assembly="$2" registry="$3" tag="$4"
    [[ "$tag" =~ ^sha-[0-9a-f]{7,40}$ ]] || { echo "the build tag must be sha-<commit>, not '$tag'" >&2; exit 2; }
    first=1
    echo "["
    while read -r service project repository parameter; do
      if digest_of "$repository" "$tag"; then
        digest="$found"
        echo "$repository:$tag exists ($digest): not built again" >&2
      else
        # arm64: the task definitions run on Graviton (RuntimePlatform in FargateServiceTranslator).
        dotnet publish "$project" -c Release --os linux --arch arm64 -t:PublishContainer \
          -p:ContainerRegistry="$registry" -p:ContainerRepository="$repository" -p:ContainerImageTags="$tag" >&2
        digest_of "$repository" "$tag" || { echo "$repository:$tag is not in ECR after the push" >&2; exit 1; }
        digest="$found"
      fi
      [[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "$repository:$tag has no sha256 digest ('$digest')" >&2; exit 1; }
      [ "$first" = 1 ] || echo ","
      first=0
      printf '  {"service": "%s", "repository": "%s", "digestParameter": "%s", "digest": "%s"}\n' "$service" "$repository" "$parameter" "$digest"
    done < <(rows "$assembly/images.json" service project repository digestParameter)
    echo "]"
    ;;
  tag)
    [ $# -eq 3 ] || usage
    digests="$2" tag="$3"
    [[ "$tag" =~ ^(dev|prod)-(current|deploying)$ ]] || { echo "'$tag' is not a stage tag (the only mutable tags)" >&2; exit 2; }
    while read -r repository digest; do
      if digest_of "$repository" "$tag" && [ "$found" = "$digest" ]; then
        echo "$repository:$tag is $digest already"
        continue
      fi
      # Tagging is PutImage with the manifest the digest names: no layer moves, the digest stays the same.
      manifest="$(aws ecr batch-get-image --repository-name "$repository" --image-ids "imageDigest=$digest" --query 'images[0].imageManifest' --output text)"
      media_type="$(aws ecr batch-get-image --repository-name "$repository" --image-ids "imageDigest=$digest" --query 'images[0].imageManifestMediaType' --output text)"
      [ -n "$manifest" ] && [ "$manifest" != None ] || { echo "$repository has no image $digest" >&2; exit 1; }
      aws ecr put-image --repository-name "$repository" --image-tag "$tag" --image-digest "$digest" \
        --image-manifest "$manifest" --image-manifest-media-type "$media_type" >/dev/null
      echo "$repository:$tag -> $digest"
    done < <(rows "$digests" repository digest)
    ;;
  parameters)
    [ $# -eq 3 ] || usage
    while read -r parameter digest; do
      [[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "'$digest' is not a sha256 digest" >&2; exit 2; }
      printf -- '--parameters\n%s:%s=%s\n' "$3" "$parameter" "$digest"
    done < <(rows "$2" digestParameter digest)
    ;;
  *) usage ;;
esac
