// One IAM evaluation with @cloud-copilot/iam-simulate, the way AWS evaluates a request (identity policies, resource
// policy, same-account rules). A small adaptation: iam-simulate 0.1.173 recognises context keys with a variable part
// only after a '/' (aws:PrincipalTag/…), so it drops KMS's 'kms:EncryptionContext:<key>' and conditions on it read as
// missing. Both the policies and the request rename those keys to 'aws:RequestTag/kms.encryption-context.<key>', a
// slash-form key it evaluates with the same operators and values; nothing else changes.
import { runSimulation } from "@cloud-copilot/iam-simulate";

const KMS_CONTEXT = /^kms:encryptioncontext:(.+)$/i;
const renamed = (key) => key.replace(KMS_CONTEXT, (_, name) => `aws:RequestTag/kms.encryption-context.${name.toLowerCase()}`);

function renamePolicy(policy) {
  if (!policy) return policy;
  const statements = [].concat(policy.Statement ?? []).map((statement) => {
    if (!statement.Condition) return statement;
    const condition = Object.fromEntries(Object.entries(statement.Condition).map(([operator, keys]) =>
      [operator, Object.fromEntries(Object.entries(keys).map(([key, value]) => [renamed(key), value]))]));
    return { ...statement, Condition: condition };
  });
  return { ...policy, Version: policy.Version ?? "2012-10-17", Statement: statements };
}

/** { allowed, overall, error, response } for one request. */
export async function simulate({ principal, action, resource, account, context = {}, identityPolicies = [], resourcePolicy }) {
  const response = await runSimulation({
    request: {
      principal,
      action,
      resource: { resource, accountId: account },
      contextVariables: Object.fromEntries(Object.entries(context).map(([k, v]) => [renamed(k), v])),
    },
    identityPolicies: identityPolicies.map((p) => ({ name: p.name, policy: renamePolicy(p.document) })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: renamePolicy(resourcePolicy),
  }, {});
  const error = response.resultType === "error" ? JSON.stringify(response.errors) : undefined;
  return { allowed: !error && response.overallResult === "Allowed", overall: error ? "Error" : response.overallResult, error, response };
}
