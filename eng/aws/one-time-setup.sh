#!/usr/bin/env bash
# The one-time set-up of an AWS account for Platform-<stage>, with administrator credentials (README, "One-time setup"),
# before the first `cdk deploy`:
#   0. The CloudFormation execution policy PlatformCloudFormationExecution (eng/aws/cloudformation-execution-policy.json:
#      the services the stacks use, IAM only for the stacks' own roles), and `cdk bootstrap` with it instead of the
#      default AdministratorAccess: CloudFormation deploys every Platform stack with the bootstrap's execution role.
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

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
account="$(aws sts get-caller-identity --query Account --output text)"
policy_arn="arn:aws:iam::$account:policy/PlatformCloudFormationExecution"
if aws iam get-policy --policy-arn "$policy_arn" >/dev/null 2>&1; then
  echo "CloudFormation execution policy: exists ($policy_arn; after editing the JSON: aws iam create-policy-version --set-as-default)"
else
  aws iam create-policy --policy-name PlatformCloudFormationExecution \
    --description "What CloudFormation may do when it deploys the Platform stacks (cdk bootstrap --cloudformation-execution-policies)" \
    --policy-document "file://$root/eng/aws/cloudformation-execution-policy.json" >/dev/null
  echo "CloudFormation execution policy: created ($policy_arn)"
fi
# Idempotent: a bootstrapped account is updated in place (to this execution policy, if it had another).
(cd "$root" && npx --no-install cdk bootstrap "aws://$account/$region" --cloudformation-execution-policies "$policy_arn" --no-notices)

if aws iam get-role --role-name AWSServiceRoleForECS >/dev/null 2>&1; then
  echo "ECS service-linked role: exists"
else
  aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com >/dev/null
  echo "ECS service-linked role: created"
fi

exec "$(dirname "$0")/rotate-edge-key.sh" "$stage" 1
