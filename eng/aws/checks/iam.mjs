// IAM sufficiency, by replay: every S3 and SQS request a service made during the integration tests (recorded by the
// emulator, presigned ones included, each signed by the service it names) becomes the IAM request AWS would evaluate
// in the deployed stack: the service's task role, the action the operation needs, the template's resource the local
// name maps to (through the configuration key both forms give the service), and the KMS calls S3 and SQS make with the
// data key on the caller's behalf. Each is evaluated with @cloud-copilot/iam-simulate against the role's policies and
// the bucket, queue and key policies of the template. The services' KMS calls for their Data Protection key rings are
// replayed from the configuration the stack gives them (locally a certificate encrypts the ring). The ECS agent's calls for each task (secrets, logs, image pull)
// are replayed against the execution role the same way, and the ADOT collector's writes (its exporters' calls, read from
// the configuration the stack gives it) against the task role. Then the other direction: grants no replayed call used.
import { ACCOUNT, Stack, ecsServices } from "./lib/assembly.mjs";
import { s3Target } from "./lib/recordings.mjs";
import { simulate } from "./lib/simulate.mjs";
import { collectorWrites } from "./lib/collector.mjs";

// Grants for the ADOT collector sidecar (traces to X-Ray, logs and metrics to CloudWatch Logs): locally the services
// export OTLP to the Aspire dashboard, so the recordings have none of these calls; the collector's replay below uses
// them. One that even that replay leaves unused is reported apart from the services' unused grants.
const COLLECTOR_ACTIONS = new Set(["xray:PutTraceSegments", "logs:CreateLogStream", "logs:PutLogEvents"]);

const SQS_ACTIONS = {
  SendMessageBatch: "SendMessage",
  DeleteMessageBatch: "DeleteMessage",
  ChangeMessageVisibilityBatch: "ChangeMessageVisibility",
};

/**
 * The IAM requests one recorded emulator request stands for: [{ action, resource: {kind, id, key?}, kms? }].
 * S3 operation → action follows "Actions, resources, and condition keys for Amazon S3" (e.g. HeadObject needs
 * s3:GetObject, HeadBucket s3:ListBucket, UploadPart s3:PutObject, ListParts s3:ListMultipartUploadParts); the KMS
 * actions follow "Protecting data with SSE-KMS" (uploads GenerateDataKey, multipart uploads also Decrypt, reads Decrypt)
 * and SQS's "Key management" (producers GenerateDataKey and Decrypt, consumers Decrypt).
 */
export function operationsOf(request) {
  if (request.target?.startsWith("AmazonSQS.")) {
    const operation = request.target.slice("AmazonSQS.".length);
    const action = `sqs:${SQS_ACTIONS[operation] ?? operation}`;
    const kms = action === "sqs:SendMessage" ? ["kms:GenerateDataKey", "kms:Decrypt"] : action === "sqs:ReceiveMessage" ? ["kms:Decrypt"] : [];
    return [{ action, resource: { kind: "queue", url: request.queueUrl, name: request.queueName }, kms }];
  }
  if (request.target) return [{ action: request.target, resource: { kind: "unknown" }, kms: [] }];

  const { bucket, key } = s3Target(request);
  const q = new Set(request.query);
  const onBucket = (action) => [{ action, resource: { kind: "bucket", bucket }, kms: [] }];
  const onObject = (action, kms = [], objectKey = key) => ({ action, resource: { kind: "object", bucket, key: objectKey }, kms });
  if (request.method === "OPTIONS") return []; // a CORS preflight carries no credentials
  if (!key) {
    if (request.method === "HEAD") return onBucket("s3:ListBucket");
    if (request.method === "GET") return onBucket(q.has("uploads") ? "s3:ListBucketMultipartUploads" : q.has("location") ? "s3:GetBucketLocation" : "s3:ListBucket");
    if (request.method === "POST" && q.has("delete")) return (request.keys ?? ["*"]).map((k) => onObject("s3:DeleteObject", [], k));
    if (request.method === "PUT") return onBucket(q.has("cors") ? "s3:PutBucketCORS" : "s3:CreateBucket");
    return onBucket(`s3:${request.method}Bucket`);
  }
  switch (request.method) {
    case "GET": return [q.has("uploadId") ? onObject("s3:ListMultipartUploadParts") : q.has("versionId") ? onObject("s3:GetObjectVersion", ["kms:Decrypt"]) : onObject("s3:GetObject", ["kms:Decrypt"])];
    case "HEAD": return [onObject("s3:GetObject")];
    case "PUT": return [onObject("s3:PutObject", q.has("uploadId") ? ["kms:GenerateDataKey", "kms:Decrypt"] : ["kms:GenerateDataKey"])];
    case "POST": return [onObject("s3:PutObject", ["kms:GenerateDataKey", "kms:Decrypt"])];
    case "DELETE": return [onObject(q.has("uploadId") ? "s3:AbortMultipartUpload" : q.has("versionId") ? "s3:DeleteObjectVersion" : "s3:DeleteObject")];
    default: return [onObject(`s3:${request.method}Object`)];
  }
}

export async function checkIam(stack, recordings) {
  const services = ecsServices(stack);
  // An ECS secret whose ARN comes from an SSM parameter: imagine the secret's complete ARN as its value, the same in
  // the task definition and in the grant that names the parameter.
  for (const service of services) {
    for (const secret of service.containers.flatMap((c) => c.Secrets ?? [])) {
      const parameter = secret.ValueFrom?.Ref;
      if (parameter && /^AWS::SSM::Parameter::Value</.test(stack.parameters[parameter]?.Type ?? "")) {
        stack.ssmValues[parameter] = `arn:aws:secretsmanager:${stack.region}:${ACCOUNT}:secret:${parameter}-AbCdEf`;
      }
    }
  }
  const figures = { calls: 0, evaluations: 0, denied: 0, agentCalls: 0, collectorCalls: 0, databaseCalls: 0, unusedGrants: 0, collectorGrants: 0 };
  const results = { denied: [], unmapped: [], unused: [], collector: [], perService: {} };
  const cache = new Map();

  const evaluate = async (roleId, action, resourceArn, context, resourcePolicy) => {
    const cacheKey = JSON.stringify([roleId, action, resourceArn, context]);
    if (cache.has(cacheKey)) return cache.get(cacheKey);
    figures.evaluations++;
    const identityPolicies = identityPoliciesOf(stack, roleId);
    const roleName = stack.ref(roleId);
    const { allowed, error, overall } = await simulate({
      principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/task`,
      action,
      resource: resourceArn,
      account: ACCOUNT,
      context: {
        "aws:SecureTransport": "true",
        "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT}:role/${roleName}`,
        "aws:PrincipalAccount": ACCOUNT,
        ...context,
      },
      identityPolicies,
      resourcePolicy,
    });
    if (allowed) markUsed(stack, roleId, action, resourceArn);
    const result = { allowed, error, overall };
    cache.set(cacheKey, result);
    return result;
  };

  // The recorded calls, by service.
  const byService = new Map(services.map((s) => [s.name, s]));
  const localResources = localResourceMap(stack, services, recordings);
  for (const request of recordings.requests) {
    const service = byService.get(request.principal);
    if (!service) continue; // the AppHost itself (creating the emulator's bucket and queues), or unsigned probes
    for (const operation of operationsOf(request)) {
      figures.calls++;
      const target = localResources.resolve(service, operation.resource);
      if (!target) {
        results.unmapped.push(`${service.name} ${operation.action} on ${JSON.stringify(operation.resource)}: no resource of the template is given to ${service.name} under that local name`);
        continue;
      }
      const per = (results.perService[service.name] ??= { calls: 0, denied: 0 });
      per.calls++;
      const verdict = await evaluate(service.taskRoleId, operation.action, target.arn, target.context, target.policy);
      if (!verdict.allowed) {
        figures.denied++;
        per.denied++;
        results.denied.push(`${service.name} ${operation.action} on ${target.arn}: ${verdict.error ?? verdict.overall} for role ${service.taskRoleId}`);
      }
      for (const kmsAction of target.keyId ? operation.kms : []) {
        figures.calls++;
        per.calls++;
        const keyVerdict = await evaluate(service.taskRoleId, kmsAction, stack.getAtt(target.keyId, "Arn"), target.kmsContext, keyPolicy(stack, target.keyId));
        if (!keyVerdict.allowed) {
          figures.denied++;
          per.denied++;
          results.denied.push(`${service.name} ${kmsAction} on key ${target.keyId} (for ${operation.action} on ${target.arn}): ${keyVerdict.error ?? keyVerdict.overall}`);
        }
      }
    }
  }

  // The Data Protection key rings: a service given DataProtection__KmsKeyId encrypts each new key and decrypts its ring
  // with KMS Encrypt/Decrypt under its own encryption context (ServiceDefaults' KmsXmlEncryptor). Locally the ring is
  // encrypted with a certificate, so the recordings hold no such call: the calls are replayed from the configuration
  // the stack gives the task, with the context the service sends. Then the other direction: every service (those
  // without a ring too) asking to decrypt another service's ring under that service's context must be denied.
  const rings = keyRingsOf(stack, services);
  for (const ring of rings) {
    const per = (results.perService[ring.service.name] ??= { calls: 0, denied: 0 });
    for (const action of ["kms:Encrypt", "kms:Decrypt"]) {
      figures.calls++;
      figures.keyRingCalls = (figures.keyRingCalls ?? 0) + 1;
      per.calls++;
      const verdict = await evaluate(ring.service.taskRoleId, action, ring.keyArn, ring.context, ring.policy);
      if (!verdict.allowed) {
        figures.denied++;
        per.denied++;
        results.denied.push(`${ring.service.name} ${action} on key ${ring.keyId} (its Data Protection key ring, context ${ring.service.name}): ${verdict.error ?? verdict.overall} for role ${ring.service.taskRoleId}`);
      }
    }
  }
  results.keyRingLeaks = [];
  for (const ring of rings) {
    for (const other of services.filter((s) => s !== ring.service)) {
      figures.keyRingCrossChecks = (figures.keyRingCrossChecks ?? 0) + 1;
      // Not through evaluate(): an allowed cross-service call is a fault, and must not count as a grant's use.
      const { allowed } = await simulate({
        principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${stack.ref(other.taskRoleId)}/task`,
        action: "kms:Decrypt",
        resource: ring.keyArn,
        account: ACCOUNT,
        context: { "aws:SecureTransport": "true", "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT}:role/${stack.ref(other.taskRoleId)}`, "aws:PrincipalAccount": ACCOUNT, ...ring.context },
        identityPolicies: identityPoliciesOf(stack, other.taskRoleId),
        resourcePolicy: ring.policy,
      });
      if (allowed) results.keyRingLeaks.push(`${other.name} may kms:Decrypt ${ring.service.name}'s Data Protection key ring (key ${ring.keyId}, context ${ring.service.name})`);
    }
  }

  // The ECS agent's calls for each task: the secrets it injects, the logs it writes, the image it pulls.
  for (const service of services) {
    for (const call of agentCalls(stack, service)) {
      figures.agentCalls++;
      const verdict = await evaluate(service.executionRoleId, call.action, call.arn, call.context ?? {}, call.policy);
      if (!verdict.allowed) {
        figures.denied++;
        results.denied.push(`${service.name} (ECS agent) ${call.action} on ${call.arn}: ${verdict.error ?? verdict.overall} for execution role ${service.executionRoleId}`);
      }
    }
  }

  // The collector's writes for each task: what its exporters call, into the log groups its configuration names.
  for (const service of services) {
    for (const write of collectorWrites(service)) {
      figures.collectorCalls++;
      const arn = write.action.startsWith("xray:") ? "*"
        : `arn:aws:logs:${stack.region}:${ACCOUNT}:log-group:${write.logGroupId ? stack.ref(write.logGroupId) : `\${${write.variable}}`}:log-stream:${write.stream}`;
      const verdict = await evaluate(service.taskRoleId, write.action, arn, {}, undefined);
      if (!verdict.allowed) {
        figures.denied++;
        results.denied.push(`${service.name} (collector) ${write.action} on ${arn}: ${verdict.error ?? verdict.overall} for role ${service.taskRoleId}`);
      }
    }
  }

  // The database sign-ins: each connection a service signs in to with an IAM token (Database__IamAuthentication) is an
  // rds-db:connect by its task role for the connection's user on the instance its host names.
  // And exactly those: another service's user (on any instance) is refused, so a compromised task signs in as no one else.
  const logins = new Map(services.map((service) => [service, databaseLogins(stack, service)]));
  for (const [service, own] of logins) {
    for (const login of own) {
      figures.databaseCalls++;
      const verdict = await evaluate(service.taskRoleId, "rds-db:connect", login.arn, {}, undefined);
      if (!verdict.allowed) {
        figures.denied++;
        results.denied.push(`${service.name} (database) rds-db:connect as ${login.user} on ${login.instanceId} (${login.variable}): ${verdict.error ?? verdict.overall} for role ${service.taskRoleId}`);
      }
    }
    const others = [...logins.values()].flat().filter((l) => !own.some((o) => o.arn === l.arn));
    for (const login of new Map(others.map((l) => [l.arn, l])).values()) {
      figures.databaseCalls++;
      const verdict = await evaluate(service.taskRoleId, "rds-db:connect", login.arn, {}, undefined);
      if (verdict.allowed) results.denied.push(`${service.name} (database) may rds-db:connect as ${login.user} on ${login.instanceId}, another service's user: Allowed for role ${service.taskRoleId}`);
    }
  }

  // The other direction: each granted (action, resource) of a task role that no replayed call used.
  for (const service of services) {
    if (!recordings.services.some((m) => m.service === service.name)) continue;
    for (const grant of grantsOf(stack, service.taskRoleId)) {
      if (grant.used.size > 0) continue;
      if (COLLECTOR_ACTIONS.has(grant.action)) {
        figures.collectorGrants++;
        results.collector.push(`${service.name}: ${grant.action} on ${grant.resource}`);
      } else {
        figures.unusedGrants++;
        results.unused.push(`${service.name}: ${grant.action} on ${grant.resource}`);
      }
    }
  }
  return { figures, results };
}

/**
 * The database users a service signs in as with IAM tokens: its ConnectionStrings__* whose Host is an RDS instance's
 * endpoint, less the instance's master user (it signs in with the rotated password, Database__OwnerPassword). The IAM
 * resource follows "Creating and using an IAM policy for IAM database access":
 * arn:aws:rds-db:<region>:<account>:dbuser:<DbiResourceId>/<user>, the DbiResourceId of the instance connected to (a
 * replica's own, not its source's).
 */
export function databaseLogins(stack, service) {
  if (String(service.environment.Database__IamAuthentication ?? "").toLowerCase() !== "true") return [];
  const logins = new Map();
  for (const [variable, value] of Object.entries(service.environment)) {
    if (!variable.startsWith("ConnectionStrings__")) continue;
    const parts = value?.["Fn::Join"]?.[1];
    if (!Array.isArray(parts)) continue;
    const hostIndex = parts.findIndex((p) => typeof p === "string" && /(^|;)Host=$/i.test(p));
    const instanceId = hostIndex >= 0 ? Stack.target(parts[hostIndex + 1]) : undefined;
    const instance = stack.resources[instanceId];
    if (instance?.Type !== "AWS::RDS::DBInstance") continue;
    const user = /(?:^|;)\s*(?:Username|User Id|User ID|UserId)=([^;]+)/i.exec(String(stack.resolve(value)))?.[1];
    if (!user || user === masterUser(stack, instanceId)) continue;
    const arn = `arn:aws:rds-db:${stack.region}:${ACCOUNT}:dbuser:${stack.getAtt(instanceId, "DbiResourceId")}/${user}`;
    if (!logins.has(arn)) logins.set(arn, { variable, instanceId, user, arn });
  }
  return [...logins.values()];
}

function masterUser(stack, instanceId) {
  const props = stack.resources[instanceId]?.Properties ?? {};
  if (props.SourceDBInstanceIdentifier) {
    const source = Object.keys(stack.resources).find((id) => String(stack.resolve(props.SourceDBInstanceIdentifier)).endsWith(`:db:${stack.ref(id)}`));
    return source ? masterUser(stack, source) : undefined;
  }
  return props.MasterUsername === undefined ? undefined : String(stack.resolve(props.MasterUsername));
}

/**
 * The services that encrypt a Data Protection key ring with KMS (DataProtection__KmsKeyId), each with the KMS key and the
 * request context of its calls: the encryption context ServiceDefaults' KmsDataProtectionOptions sends.
 */
export function keyRingsOf(stack, services) {
  return services.flatMap((service) => {
    const keyId = Stack.target(service.environment.DataProtection__KmsKeyId);
    if (!keyId) return [];
    const name = service.environment.DataProtection__KmsService;
    return [{
      service,
      keyId,
      keyArn: stack.getAtt(keyId, "Arn"),
      policy: keyPolicy(stack, keyId),
      context: {
        "kms:CallerAccount": ACCOUNT,
        "kms:EncryptionContext:platform:service": name,
        "kms:EncryptionContext:purpose": "data-protection",
        "kms:EncryptionContextKeys": ["platform:service", "purpose"],
      },
    }];
  });
}

/** Local names (bucket 'media', queue URL …/media-events) → the template's resources, through the service's keys. */
function localResourceMap(stack, services, recordings) {
  const byService = new Map();
  for (const manifest of recordings.services) {
    const service = services.find((s) => s.name === manifest.service);
    if (!service) continue;
    const map = { buckets: new Map(), queues: new Map() };
    for (const [key, localValue] of Object.entries(manifest.resources ?? {})) {
      const variable = key.replace(/:/g, "__");
      const id = Stack.target(service.task.Properties.ContainerDefinitions.find((c) => c.Name === "app")?.Environment?.find((e) => e.Name === variable)?.Value);
      if (!id) continue;
      if (key.endsWith(":BucketName")) map.buckets.set(localValue, id);
      else map.queues.set(queueName(localValue), id);
    }
    byService.set(service.name, map);
  }
  return {
    resolve(service, resource) {
      const map = byService.get(service.name);
      if (!map) return undefined;
      if (resource.kind === "bucket" || resource.kind === "object") {
        const id = map.buckets.get(resource.bucket);
        if (!id) return undefined;
        const bucketArn = stack.getAtt(id, "Arn");
        const keyId = bucketKeyId(stack, id);
        return {
          arn: resource.kind === "bucket" ? bucketArn : `${bucketArn}/${resource.key}`,
          policy: bucketPolicy(stack, id),
          context: {},
          keyId,
          kmsContext: { "kms:ViaService": `s3.${stack.region}.amazonaws.com`, "kms:CallerAccount": ACCOUNT, "kms:EncryptionContext:aws:s3:arn": bucketArn },
        };
      }
      if (resource.kind === "queue") {
        const id = map.queues.get(queueName(resource.url ?? resource.name ?? ""));
        if (!id) return undefined;
        const arn = stack.getAtt(id, "Arn");
        return {
          arn,
          policy: queuePolicy(stack, id),
          context: {},
          keyId: Stack.target(stack.resources[id].Properties.KmsMasterKeyId),
          kmsContext: { "kms:ViaService": `sqs.${stack.region}.amazonaws.com`, "kms:CallerAccount": ACCOUNT, "kms:EncryptionContext:aws:sqs:arn": arn },
        };
      }
      return undefined;
    },
  };
}

const queueName = (urlOrName) => String(urlOrName).split("/").filter(Boolean).at(-1);

function bucketKeyId(stack, bucketId) {
  const rules = stack.resources[bucketId].Properties.BucketEncryption?.ServerSideEncryptionConfiguration ?? [];
  const sse = rules[0]?.ServerSideEncryptionByDefault;
  return sse?.SSEAlgorithm === "aws:kms" ? Stack.target(sse.KMSMasterKeyID) : undefined;
}

function bucketPolicy(stack, bucketId) {
  const policy = stack.ofType("AWS::S3::BucketPolicy").find(([, p]) => Stack.target(p.Properties.Bucket) === bucketId)?.[1];
  return policy ? stack.resolve(policy.Properties.PolicyDocument) : undefined;
}

function queuePolicy(stack, queueId) {
  const policy = stack.ofType("AWS::SQS::QueuePolicy").find(([, p]) => (p.Properties.Queues ?? []).some((q) => Stack.target(q) === queueId))?.[1];
  return policy ? stack.resolve(policy.Properties.PolicyDocument) : undefined;
}

export function keyPolicy(stack, keyId) {
  return stack.resolve(stack.resources[keyId]?.Properties?.KeyPolicy);
}

/** The identity policies attached to a role: AWS::IAM::Policy resources naming it, and its inline policies. */
export function identityPoliciesOf(stack, roleId) {
  const policies = stack.ofType("AWS::IAM::Policy")
    .filter(([, p]) => (p.Properties.Roles ?? []).some((r) => Stack.target(r) === roleId))
    .map(([id, p]) => ({ name: id, document: stack.resolve(p.Properties.PolicyDocument) }));
  for (const inline of stack.resources[roleId]?.Properties?.Policies ?? []) {
    policies.push({ name: `${roleId}/${inline.PolicyName}`, document: stack.resolve(inline.PolicyDocument) });
  }
  return policies;
}

// Per role: every (action, resource) an Allow statement grants, and which evaluations it covered.
const grantCache = new WeakMap();
function grantsOf(stack, roleId) {
  let byRole = grantCache.get(stack);
  if (!byRole) grantCache.set(stack, (byRole = new Map()));
  if (!byRole.has(roleId)) {
    const grants = [];
    for (const policy of identityPoliciesOf(stack, roleId)) {
      for (const statement of [].concat(policy.document?.Statement ?? [])) {
        if (statement.Effect !== "Allow") continue;
        for (const action of [].concat(statement.Action ?? [])) {
          for (const resource of [].concat(statement.Resource ?? [])) {
            grants.push({ id: grants.length, action, resource: String(resource), used: new Set() });
          }
        }
      }
    }
    byRole.set(roleId, grants);
  }
  return byRole.get(roleId);
}

function markUsed(stack, roleId, action, resourceArn) {
  for (const grant of grantsOf(stack, roleId)) {
    if (wildcard(grant.action).test(action) && wildcard(grant.resource).test(resourceArn)) grant.used.add(`${action} ${resourceArn}`);
  }
}

const wildcard = (pattern) => new RegExp(`^${pattern.split("*").map((p) => p.split("?").map((x) => x.replace(/[.+^${}()|[\]\\]/g, "\\$&")).join(".")).join(".*")}$`, "is");

/** What the ECS agent does with the execution role before the app starts (Amazon ECS task execution IAM role). */
function agentCalls(stack, service) {
  const calls = [];
  for (const container of service.containers) {
    for (const secret of container.Secrets ?? []) {
      // valueFrom is the secret's ARN, optionally ':<json-key>:<version-stage>:<version-id>' after it.
      // The agent asks for exactly valueFrom: a partial ARN (no '-xxxxxx' suffix) matches no grant on the secret's ARN
      // and the task never starts (aws/aws-cdk#20744), so it is replayed as written.
      const arn = String(stack.resolve(secret.ValueFrom)).replace(/^(arn:aws:secretsmanager:[^:]+:\d+:secret:[^:]+-[A-Za-z0-9]{6})(:.*)?$/, "$1");
      let secretId = Stack.target(secret.ValueFrom) ?? Stack.target(secret.ValueFrom?.["Fn::Join"]?.[1]?.find((p) => Stack.target(p)));
      // Through a secret's attachment to its database (the rotated master secret) to the secret and its key.
      if (stack.resources[secretId]?.Type === "AWS::SecretsManager::SecretTargetAttachment") secretId = Stack.target(stack.resources[secretId].Properties.SecretId);
      calls.push({ action: "secretsmanager:GetSecretValue", arn, policy: undefined });
      const keyId = secretId ? Stack.target(stack.resources[secretId]?.Properties?.KmsKeyId) : undefined;
      if (keyId) {
        calls.push({
          action: "kms:Decrypt",
          arn: stack.getAtt(keyId, "Arn"),
          policy: keyPolicy(stack, keyId),
          context: { "kms:ViaService": `secretsmanager.${stack.region}.amazonaws.com`, "kms:CallerAccount": ACCOUNT },
        });
      }
    }
    const logGroup = container.LogConfiguration?.Options?.["awslogs-group"];
    if (logGroup) {
      const groupArn = `arn:aws:logs:${stack.region}:${ACCOUNT}:log-group:${stack.resolve(logGroup)}:log-stream:app/task`;
      calls.push({ action: "logs:CreateLogStream", arn: groupArn }, { action: "logs:PutLogEvents", arn: groupArn });
    }
    const image = String(stack.resolve(container.Image));
    const ecr = /^\d+\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([^:@]+)/.exec(image);
    if (ecr) {
      const repository = `arn:aws:ecr:${ecr[1]}:${ACCOUNT}:repository/${ecr[2]}`;
      calls.push({ action: "ecr:GetAuthorizationToken", arn: "*" });
      for (const action of ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]) calls.push({ action, arn: repository });
    }
  }
  return calls;
}
