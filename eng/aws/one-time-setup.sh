#!/usr/bin/env bash
# The one-time set-up of an AWS account for Platform-<stage>, with administrator credentials (README, "One-time setup"),
# after `npx cdk bootstrap` and before the first `cdk deploy`:
#   1. The ECS service-linked role (AWSServiceRoleForECS). An account where ECS never ran lacks it, and the first deploy
#      can fail with "Unable to assume the service linked role".
#   2. Generation 1 of the RSA key pair CloudFront signed URLs are made with (thumbnails and previews), by
#      eng/aws/rotate-edge-key.sh: the private key as the Secrets Manager secret Platform-<stage>/edge-signing/1/private-key,
#      the public key as the SSM parameter /Platform-<stage>/edge-signing/1/public-key (the stack reads both at deploy
#      time; later generations: docs/aws.md, "CloudFront signing keys").
# Idempotent: whatever exists is left as it is.
#   eng/aws/one-time-setup.sh dev|prod
set -euo pipefail
stage="${1:-}"
case "$stage" in dev|prod) ;; *) echo "usage: $0 dev|prod" >&2; exit 2 ;; esac
command -v aws >/dev/null || { echo "the AWS CLI v2 is needed (Debian: apt-get install awscli)" >&2; exit 1; }

if aws iam get-role --role-name AWSServiceRoleForECS >/dev/null 2>&1; then
  echo "ECS service-linked role: exists"
else
  aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com >/dev/null
  echo "ECS service-linked role: created"
fi

exec "$(dirname "$0")/rotate-edge-key.sh" "$stage" 1
