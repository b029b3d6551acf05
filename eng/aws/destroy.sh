#!/usr/bin/env bash
# Destroys the dev stack and everything it stored. CloudFormation deletes only empty buckets, so the stack retains its
# buckets (AppHost/Aws/PlatformStack.cs, BucketRemovalPolicy); this deletes the stack, then empties each of its buckets
# (every object version and delete marker) and removes it. prod is never destroyed by a script.
#   eng/aws/destroy.sh dev
set -euo pipefail
stage="${1:-}"
[ "$stage" = dev ] || { echo "usage: $0 dev (prod keeps its data; take it down by hand if you must)" >&2; exit 2; }
command -v aws >/dev/null || { echo "the AWS CLI v2 is needed (Debian: apt-get install awscli)" >&2; exit 1; }
stack="Platform-$stage"

buckets="$(aws cloudformation describe-stack-resources --stack-name "$stack" \
  --query "StackResources[?ResourceType=='AWS::S3::Bucket'].PhysicalResourceId" --output text)"
echo "deleting $stack (buckets kept for now: ${buckets:-none})"
aws cloudformation delete-stack --stack-name "$stack"
aws cloudformation wait stack-delete-complete --stack-name "$stack"

# Deletes one page (up to 1000) of a bucket's versions or delete markers; fails when there was nothing left.
delete_page() {
  local bucket="$1" kind="$2" page
  page="$(aws s3api list-object-versions --bucket "$bucket" --max-items 1000 \
    --query "{Objects: $kind[].{Key: Key, VersionId: VersionId}, Quiet: \`true\`}" --output json)"
  grep -q '"Key"' <<<"$page" || return 1
  aws s3api delete-objects --bucket "$bucket" --delete "$page" >/dev/null
}

for bucket in $buckets; do
  # Log deliveries (CloudFront, the load balancer) can still arrive for a while: empty again if removal finds objects.
  for attempt in 1 2 3; do
    while delete_page "$bucket" Versions; do :; done
    while delete_page "$bucket" DeleteMarkers; do :; done
    if aws s3api delete-bucket --bucket "$bucket"; then
      echo "removed bucket $bucket"
      break
    fi
    [ "$attempt" -lt 3 ] || { echo "could not remove $bucket: run this again later" >&2; exit 1; }
    sleep 30
  done
done
echo "$stack is gone"
