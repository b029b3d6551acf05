#!/usr/bin/env bash
# Makes generation N of the RSA key pair CloudFront signed URLs are made with (thumbnails and previews), with
# administrator credentials: the private key as the Secrets Manager secret Platform-<stage>/edge-signing/<N>/private-key
# (the Api reads it as an ECS secret; its complete ARN is the SSM parameter /Platform-<stage>/edge-signing/<N>/private-key-arn),
# the public key as the SSM parameter /Platform-<stage>/edge-signing/<N>/public-key (the stack's EdgeSigningPublicKey<N>
# parameter reads it at deploy time into the public key EdgeSigningKey<N> of the CloudFront key group).
# A generation is written once and never changed: a new key is a new generation, which the stack makes a new public key
# resource (CloudFront cannot change a public key's content). The stack cannot make the pair itself without a
# Lambda-backed custom resource, and a key never belongs in the repository. Then deploy (docs/aws.md, "CloudFront
# signing keys"): edgeSigningKeys=<old>,<N> with the old one active, then active <N>, then edgeSigningKeys=<N>.
# Idempotent: a generation that exists is left as it is.
#   eng/aws/rotate-edge-key.sh dev|prod N
set -euo pipefail
stage="${1:-}"
generation="${2:-}"
case "$stage" in dev|prod) ;; *) echo "usage: $0 dev|prod N (N: the key generation to make, 1, 2, …)" >&2; exit 2 ;; esac
[[ "$generation" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 dev|prod N: the generation '$generation' is not a positive whole number" >&2; exit 2; }
command -v aws >/dev/null || { echo "the AWS CLI v2 is needed (Debian: apt-get install awscli)" >&2; exit 1; }
command -v openssl >/dev/null || { echo "openssl is needed to make the media signing key" >&2; exit 1; }
region="${AWS_REGION:-us-east-1}"
stack="Platform-$stage"
secret="$stack/edge-signing/$generation/private-key"
parameter="/$stack/edge-signing/$generation/public-key"
secret_arn_parameter="/$stack/edge-signing/$generation/private-key-arn"

if aws ssm get-parameter --region "$region" --name "$parameter" >/dev/null 2>&1; then
  echo "media signing key generation $generation: exists ($parameter)"
  exit 0
fi
if aws secretsmanager describe-secret --region "$region" --secret-id "$secret" >/dev/null 2>&1; then
  echo "the secret $secret exists but its public key $parameter does not: delete the secret" \
    "(aws secretsmanager delete-secret --secret-id $secret --force-delete-without-recovery) and run this again" >&2
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 700 "$work"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/private.pem" 2>/dev/null
openssl pkey -in "$work/private.pem" -pubout -out "$work/public.pem"
secret_arn="$(aws secretsmanager create-secret --region "$region" --name "$secret" \
  --description "$stack: the RSA private key of generation $generation of the CloudFront key pair that signs media URLs" \
  --secret-string "file://$work/private.pem" --query ARN --output text)"
# ECS fetches the secret by its complete ARN (with its random suffix), which the stack reads from here.
aws ssm put-parameter --region "$region" --name "$secret_arn_parameter" --type String \
  --description "$stack: the ARN of the secret with the private key of signing key generation $generation" \
  --value "$secret_arn" >/dev/null
aws ssm put-parameter --region "$region" --name "$parameter" --type String \
  --description "$stack: the public key of generation $generation of the CloudFront key pair that signs media URLs" \
  --value "file://$work/public.pem" >/dev/null
echo "media signing key generation $generation: created ($secret, $parameter)"
