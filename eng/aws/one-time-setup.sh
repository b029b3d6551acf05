#!/usr/bin/env bash
# The one-time set-up of an AWS account for Platform-<stage>, with administrator credentials (docs/aws.md, "One-time setup"),
# before the first `cdk deploy`:
#   0. The CloudFormation execution policy PlatformCloudFormationExecution (eng/aws/cloudformation-execution-policy.json:
#      the services the stacks use, IAM only for the stacks' own roles), and `cdk bootstrap` of the stage's own
#      qualifier (pfdev, pfprod) with it instead of the default AdministratorAccess: CloudFormation deploys the stage's
#      stacks with that bootstrap's execution role. Its deploy role gets the inline policy PlatformStageDeploy.
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
region="${AWS_REGION:-us-east-1}"
stack="Platform-$stage"
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
# The stage's own bootstrap (qualifier pfdev or pfprod, AppHost/Aws/CdkBootstrap.cs; its own toolkit stack): the
# account's default bootstrap (hnb659fds), which other CDK apps deploy through, keeps its execution policy, and the dev
# GitHub role, which may assume only cdk-pfdev-* roles, never gets the roles that deploy prod.
# Idempotent: a bootstrapped qualifier is updated in place (to this execution policy, if it had another).
qualifier="pf$stage"
(cd "$root" && npx --no-install cdk bootstrap "aws://$account/$region" --qualifier "$qualifier" \
  --toolkit-stack-name "CDKToolkit-$qualifier" --cloudformation-execution-policies "$policy_arn" --no-notices)

# What the bootstrap's deploy role lacks (an inline policy on it; put-role-policy replaces it, so this is idempotent):
#  - reading the stack's SSM-typed parameters (AWS::SSM::Parameter::Value<String>: the edge signing key's public key and
#    secret ARN, /Platform-<stage>/edge-signing/...). CloudFormation resolves them with the credentials of whoever
#    creates the change set, i.e. this role, which by default may read only /cdk-bootstrap/<qualifier>/version.
#  - a guard for an account that holds both stages: CloudFormation may be asked to change a stack only by its own
#    stage's deploy role (the bootstrap lets it change any stack), and PlatformGitHubOidc, which decides what each GitHub
#    role may do, only by the prod one. One account per stage is stronger still.
deploy_role="cdk-$qualifier-deploy-role-$account-$region"
case "$stage" in
  # Platform-<stage>* also covers the stack's nested stacks (the secret rotation's: Platform-<stage>-<id>-<suffix>).
  dev) other_stacks="\"arn:aws:cloudformation:$region:$account:stack/Platform-prod*/*\", \"arn:aws:cloudformation:$region:$account:stack/PlatformGitHubOidc/*\"" ;;
  prod) other_stacks="\"arn:aws:cloudformation:$region:$account:stack/Platform-dev*/*\", \"arn:aws:cloudformation:$region:$account:stack/PlatformImages/*\"" ;;
esac
aws iam put-role-policy --role-name "$deploy_role" --policy-name PlatformStageDeploy --policy-document "$(tr -d '\n' <<JSON
{"Version": "2012-10-17", "Statement": [
  {"Sid": "ReadTheStackSsmParameters", "Effect": "Allow", "Action": ["ssm:GetParameters", "ssm:GetParameter"],
   "Resource": "arn:aws:ssm:$region:$account:parameter/$stack/edge-signing/*"},
  {"Sid": "NeverChangeTheOtherStagesStacks", "Effect": "Deny",
   "Action": ["cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet", "cloudformation:CreateStack",
              "cloudformation:UpdateStack", "cloudformation:DeleteStack", "cloudformation:RollbackStack",
              "cloudformation:ContinueUpdateRollback", "cloudformation:CancelUpdateStack",
              "cloudformation:UpdateTerminationProtection", "cloudformation:SetStackPolicy"],
   "Resource": [$other_stacks]}
]}
JSON
)"
echo "CDK bootstrap $qualifier: its deploy role $deploy_role reads /$stack/edge-signing/* and changes no other stage's stack"

# The execution role may write inline policies on the Platform-* roles (iam:PutRolePolicy cannot be conditioned on a
# policy's content), and the dev GitHub role's change sets run with it: only reviewed code may reach the dev environment.
# This script has no GitHub credentials; it says what to set.
if [ "$stage" = dev ]; then
  cat <<TEXT
GitHub environment 'dev': restrict it to the protected branch (a deployment branch policy) before the first deploy:
  Settings > Environments > dev > Deployment branches and tags: Selected branches, add 'main' (protected, reviewed), or
  gh api -X PUT repos/OWNER/NAME/environments/dev -F 'deployment_branch_policy[protected_branches]=true' -F 'deployment_branch_policy[custom_branch_policies]=false'
  (REST: PUT /repos/OWNER/NAME/environments/dev; check with GET .../environments/dev/deployment-branch-policies)
TEXT
fi

if aws iam get-role --role-name AWSServiceRoleForECS >/dev/null 2>&1; then
  echo "ECS service-linked role: exists"
else
  aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com >/dev/null
  echo "ECS service-linked role: created"
fi

exec "$(dirname "$0")/rotate-edge-key.sh" "$stage" 1
