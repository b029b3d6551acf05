// Semantic rules: what the CloudFormation schema cannot express but AWS (or the bill) enforces at deploy or run time.
// Each rule reads the synthesized template (and, where it needs the app's own facts, what the integration tests
// recorded) and returns its violations; one rule is one test in eng/test.sh, per stage.
import fs from "node:fs";
import { ACCOUNT, Stack, ecsServices } from "./lib/assembly.mjs";
import { Edge } from "./lib/edge.mjs";
import { simulate } from "./lib/simulate.mjs";
import { identityPoliciesOf } from "./iam.mjs";
import { collectorLogGroupVariables, collectorOf } from "./lib/collector.mjs";

const ENGINE_VERSIONS = JSON.parse(fs.readFileSync(new URL("./engine-versions.json", import.meta.url), "utf8"));

// S3's lifecycle waterfall ("Transitioning objects using Amazon S3 Lifecycle": objects move only down this list) and
// each class's minimum storage duration, billed even when the object goes earlier ("Amazon S3 storage classes").
const STORAGE_CLASSES = {
  STANDARD_IA: { rank: 1, minimumDays: 30, earliestTransition: 30 },
  INTELLIGENT_TIERING: { rank: 2, minimumDays: 0, earliestTransition: 0 },
  ONEZONE_IA: { rank: 3, minimumDays: 30, earliestTransition: 30 },
  GLACIER_IR: { rank: 4, minimumDays: 90, earliestTransition: 0 },
  GLACIER: { rank: 5, minimumDays: 90, earliestTransition: 0 },
  DEEP_ARCHIVE: { rank: 6, minimumDays: 180, earliestTransition: 0 },
};

// Fargate's task sizes ("Amazon ECS task definition parameters for Fargate", Task size): CPU units → memory (MiB) allowed.
const FARGATE_SIZES = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

// The Service Connect proxy ECS adds to every task of a Service Connect service: "We recommend adding an additional
// 256 CPU units and at least 64 MiB of memory to your task CPU and memory for the Service Connect proxy container"
// (Amazon ECS Developer Guide, Service Connect concepts, Proxy resources).
const SERVICE_CONNECT_PROXY = { cpu: 256, memory: 64 };

// ServiceDefaults maps /alive (only the 'live'-tagged self check: the process answers) and /health (every dependency):
// ServiceDefaults/Extensions.cs. A load balancer or ECS probing readiness replaces every task at once when a shared
// dependency (Redis, Postgres) fails over.
const LIVENESS_PATHS = ["/alive"];

// AWS WAF: CloudFront forwards the first 16 KB of a body for inspection unless the web ACL's AssociationConfig raises
// it (KB_16 … KB_64); the Core rule set's SizeRestrictions_BODY blocks bodies over 8 KB ("AWS WAF Developer Guide,
// Core rule set (CRS) managed rule group"; "Body inspection size limits").
const INSPECTION_LIMITS = { KB_16: 16384, KB_32: 32768, KB_48: 49152, KB_64: 65536 };
const CRS_BODY_LIMIT = 8192;
const KESTREL_DEFAULT_BODY_LIMIT = 30_000_000;

// What each AWS service publishes to CloudWatch: namespace → metric → the dimension sets it publishes that metric with.
// An alarm on any other combination names a metric that never gets a data point: it never fires. From the services'
// metric references: "Monitoring CloudFront metrics with Amazon CloudWatch" (us-east-1 only, DistributionId with
// Region=Global), "CloudWatch metrics for your Application Load Balancer" (per metric: LoadBalancer, AvailabilityZone,
// TargetGroup sets), "Amazon ECS Container Insights metrics" and "Amazon ECS CloudWatch metrics", "Amazon CloudWatch
// metrics for Amazon RDS" (ReplicaLag on a read replica), "Metrics for Valkey and Redis OSS" and "Host-Level Metrics"
// (ElastiCache: per node, CacheClusterId or CacheClusterId+CacheNodeId), "Available CloudWatch metrics for Amazon SQS".
const ELB_LB = [["LoadBalancer"], ["AvailabilityZone", "LoadBalancer"]];
const ELB_LB_AND_TG = [...ELB_LB, ["LoadBalancer", "TargetGroup"], ["AvailabilityZone", "LoadBalancer", "TargetGroup"]];
const ELB_TG = [["LoadBalancer", "TargetGroup"], ["AvailabilityZone", "LoadBalancer", "TargetGroup"]];
const ECS_SERVICE = [["ClusterName", "ServiceName"]];
const RDS_INSTANCE = [["DBInstanceIdentifier"], ["DatabaseClass"], ["EngineName"]];
const ELASTICACHE_NODE = [["CacheClusterId"], ["CacheClusterId", "CacheNodeId"]];
const SQS_QUEUE = [["QueueName"]];
const metrics = (names, dimensions, extra = {}) => Object.fromEntries(names.map((n) => [n, { dimensions, ...extra }]));
export const PUBLISHED_METRICS = {
  "AWS/CloudFront": metrics(["Requests", "BytesDownloaded", "BytesUploaded", "TotalErrorRate", "4xxErrorRate", "5xxErrorRate",
    "401ErrorRate", "403ErrorRate", "404ErrorRate", "502ErrorRate", "503ErrorRate", "504ErrorRate", "CacheHitRate", "OriginLatency"], [["DistributionId", "Region"]]),
  "AWS/ApplicationELB": {
    ...metrics(["HTTPCode_ELB_5XX_Count", "HTTPCode_ELB_4XX_Count", "HTTPCode_ELB_502_Count", "HTTPCode_ELB_503_Count", "HTTPCode_ELB_504_Count",
      "HTTPCode_ELB_500_Count", "ActiveConnectionCount", "NewConnectionCount", "RejectedConnectionCount", "ProcessedBytes", "ConsumedLCUs",
      "ClientTLSNegotiationErrorCount"], ELB_LB),
    ...metrics(["RequestCount", "HTTPCode_Target_2XX_Count", "HTTPCode_Target_3XX_Count", "HTTPCode_Target_4XX_Count", "HTTPCode_Target_5XX_Count",
      "TargetResponseTime", "TargetConnectionErrorCount", "TargetTLSNegotiationErrorCount"], ELB_LB_AND_TG),
    ...metrics(["HealthyHostCount", "UnHealthyHostCount"], ELB_TG),
    ...metrics(["RequestCountPerTarget"], [["TargetGroup"], ["LoadBalancer", "TargetGroup"], ["AvailabilityZone", "LoadBalancer", "TargetGroup"]]),
  },
  "ECS/ContainerInsights": metrics(["RunningTaskCount", "DesiredTaskCount", "PendingTaskCount", "CpuUtilized", "CpuReserved", "MemoryUtilized",
    "MemoryReserved", "NetworkRxBytes", "NetworkTxBytes", "DeploymentCount", "TaskSetCount"], [["ClusterName"], ...ECS_SERVICE]),
  "AWS/ECS": metrics(["CPUUtilization", "MemoryUtilization", "CPUReservation", "MemoryReservation"], [["ClusterName"], ...ECS_SERVICE]),
  "AWS/RDS": {
    ...metrics(["CPUUtilization", "DatabaseConnections", "FreeStorageSpace", "FreeableMemory", "ReadLatency", "WriteLatency", "ReadIOPS",
      "WriteIOPS", "DiskQueueDepth", "SwapUsage", "TransactionLogsDiskUsage", "MaximumUsedTransactionIDs", "OldestReplicationSlotLag",
      "ReplicationSlotDiskUsage", "BurstBalance", "CPUCreditBalance"], RDS_INSTANCE),
    ReplicaLag: { dimensions: RDS_INSTANCE, on: { DBInstanceIdentifier: (resource) => Boolean(resource.Properties?.SourceDBInstanceIdentifier) }, onWhat: "a read replica" },
  },
  "AWS/ElastiCache": metrics(["CPUUtilization", "EngineCPUUtilization", "DatabaseMemoryUsagePercentage", "Evictions", "CurrConnections",
    "NewConnections", "FreeableMemory", "SwapUsage", "BytesUsedForCache", "CacheHits", "CacheMisses", "ReplicationLag", "NetworkBytesIn",
    "NetworkBytesOut", "AuthenticationFailures", "MemoryFragmentationRatio"], ELASTICACHE_NODE),
  "AWS/SQS": metrics(["ApproximateNumberOfMessagesVisible", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed",
    "ApproximateAgeOfOldestMessage", "NumberOfMessagesSent", "NumberOfMessagesReceived", "NumberOfMessagesDeleted", "NumberOfEmptyReceives",
    "SentMessageSize"], SQS_QUEUE),
};

// What each dimension's value must be: a reference to a resource of this stack of one of these types (the value AWS
// publishes under, e.g. a target group's full name), or one of a few literals AWS itself uses.
const DIMENSION_VALUES = {
  DistributionId: { types: ["AWS::CloudFront::Distribution"] },
  Region: { literal: /^Global$/ },
  LoadBalancer: { types: ["AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancingV2::Listener"] },
  TargetGroup: { types: ["AWS::ElasticLoadBalancingV2::TargetGroup"] },
  AvailabilityZone: { literal: /^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/ },
  ClusterName: { types: ["AWS::ECS::Cluster"] },
  ServiceName: { types: ["AWS::ECS::Service"] },
  DBInstanceIdentifier: { types: ["AWS::RDS::DBInstance"] },
  CacheClusterId: { types: ["AWS::ElastiCache::ReplicationGroup", "AWS::ElastiCache::CacheCluster"] },
  CacheNodeId: { literal: /^\d{4}$/ },
  QueueName: { types: ["AWS::SQS::Queue"] },
};

export const RULES = [
  {
    id: "lifecycle-order",
    title: "S3 lifecycle: transitions go down the storage-class waterfall, expirations come after them, nothing leaves a class before its minimum duration",
    check: lifecycleOrder,
  },
  {
    id: "engine-versions",
    title: "RDS and ElastiCache engine versions are ones AWS offers for new instances (eng/aws/checks/engine-versions.json)",
    check: engineVersions,
  },
  {
    id: "fargate-size",
    title: "Fargate tasks have a valid CPU/memory pair and leave the Service Connect proxy its headroom",
    check: fargateSize,
  },
  {
    id: "waf-body-size",
    title: "The web ACL admits every request body the app accepts and blocks bodies longer than it inspects",
    check: wafBodySize,
  },
  {
    id: "liveness-health-checks",
    title: "Load balancer and container health checks probe liveness endpoints, and every service container has one",
    check: livenessHealthChecks,
  },
  {
    id: "service-connect-order",
    title: "An ECS service that calls another through Service Connect is created after it",
    check: serviceConnectOrder,
  },
  {
    id: "cloudtrail-key-policy",
    title: "The trail's KMS key lets CloudTrail do what CreateTrail checks (describe the key, encrypt logs, decrypt for the S3 Bucket Key), for this stack's trail only",
    check: cloudTrailKeyPolicy,
  },
  {
    id: "destroyable-stage",
    title: "A destroyable stage (dev) holds nothing CloudFormation cannot delete",
    check: destroyableStage,
    appliesTo: (stack) => stack.stage === "dev",
  },
  {
    id: "alarm-metrics",
    title: "Every alarm watches a metric its service publishes: namespace, metric name and dimension set as AWS publishes them, dimension values naming resources of this stack",
    check: alarmMetrics,
  },
  {
    id: "alarm-actions",
    title: "Every alarm acts: an alarm action on a topic or scaling policy of this stack, and a notifying alarm also tells the topic when it clears",
    check: alarmActions,
  },
  {
    id: "alarm-subscriber",
    title: "Production's alarm topic has a subscriber",
    check: alarmSubscriber,
    appliesTo: (stack) => stack.stage === "prod",
  },
  {
    id: "telemetry-owned",
    title: "The ADOT collector runs the stack's configuration, writes only into log groups of the stack (retention, KMS), and cannot create others",
    check: telemetryOwned,
  },
  {
    id: "signing-key-generations",
    title: "Each CloudFront public key's EncodedKey comes from a source bound to its logical id (a parameter of its own generation), so a new key is a new resource, never an update CloudFront refuses",
    check: signingKeyGenerations,
  },
  {
    id: "iam-database-auth",
    title: "Every database instance an rds-db:connect grant names has IAM database authentication on (a read replica does not inherit it from its source)",
    check: iamDatabaseAuth,
  },
  {
    id: "container-insights-alarms",
    title: "Every alarm on a Container Insights metric watches a cluster with Container Insights on (else the metric never gets a data point)",
    check: containerInsightsAlarms,
  },
  {
    id: "media-delivery",
    title: "Thumbnails and previews go through CloudFront privately: signed URLs, signing parameters out of the cache key, cached no longer than the URL window",
    check: mediaDelivery,
  },
];

function range(from, to, step) {
  const values = [];
  for (let v = from; v <= to; v += step) values.push(v);
  return values;
}

async function lifecycleOrder(stack) {
  const violations = [];
  for (const [id, bucket] of stack.ofType("AWS::S3::Bucket")) {
    for (const rule of bucket.Properties?.LifecycleConfiguration?.Rules ?? []) {
      const where = `${id} rule '${rule.Id ?? "?"}'`;
      const current = [...(rule.Transitions ?? []), ...(rule.Transition ? [rule.Transition] : [])]
        .map((t) => ({ storageClass: t.StorageClass, days: Number(t.TransitionInDays) }));
      const noncurrent = [...(rule.NoncurrentVersionTransitions ?? []), ...(rule.NoncurrentVersionTransition ? [rule.NoncurrentVersionTransition] : [])]
        .map((t) => ({ storageClass: t.StorageClass, days: Number(t.TransitionInDays) }));
      const expiration = rule.ExpirationInDays !== undefined ? Number(rule.ExpirationInDays) : undefined;
      const noncurrentExpiration = rule.NoncurrentVersionExpiration?.NoncurrentDays ?? rule.NoncurrentVersionExpirationInDays;
      violations.push(...waterfall(`${where}, current versions`, current, expiration));
      violations.push(...waterfall(`${where}, noncurrent versions`, noncurrent, noncurrentExpiration === undefined ? undefined : Number(noncurrentExpiration)));
    }
  }
  return violations;
}

function waterfall(where, transitions, expiration) {
  const violations = [];
  const steps = [...transitions].sort((a, b) => a.days - b.days);
  steps.forEach((step, i) => {
    const storageClass = STORAGE_CLASSES[step.storageClass];
    if (!storageClass) return violations.push(`${where}: unknown storage class ${step.storageClass}`);
    if (step.days < storageClass.earliestTransition) violations.push(`${where}: ${step.storageClass} after ${step.days} days; S3 requires at least ${storageClass.earliestTransition}`);
    const previous = steps[i - 1];
    if (previous) {
      if (STORAGE_CLASSES[previous.storageClass]?.rank >= storageClass.rank) violations.push(`${where}: ${previous.storageClass} then ${step.storageClass} goes up the waterfall; S3 rejects it`);
      if (previous.days === step.days) violations.push(`${where}: two transitions on day ${step.days}`);
      const held = step.days - previous.days;
      const minimum = STORAGE_CLASSES[previous.storageClass]?.minimumDays ?? 0;
      if (held < minimum) violations.push(`${where}: leaves ${previous.storageClass} after ${held} days, billed for its ${minimum}-day minimum`);
    }
  });
  const last = steps.at(-1);
  if (last && expiration !== undefined) {
    if (expiration <= last.days) violations.push(`${where}: expire after ${expiration} days but move to ${last.storageClass} after ${last.days}; S3 requires the expiration to come after every transition, so the stack fails`);
    else if (expiration - last.days < STORAGE_CLASSES[last.storageClass].minimumDays) {
      violations.push(`${where}: expire ${expiration - last.days} days after moving to ${last.storageClass}, billed for its ${STORAGE_CLASSES[last.storageClass].minimumDays}-day minimum`);
    }
  }
  return violations;
}

async function engineVersions(stack) {
  const violations = [];
  const postgres = ENGINE_VERSIONS.rds.postgres;
  for (const [id, instance] of stack.ofType("AWS::RDS::DBInstance")) {
    const p = instance.Properties;
    if (p.SourceDBInstanceIdentifier) {
      if (p.EngineVersion !== undefined) violations.push(`${id}: a read replica takes its source's engine version; it names ${p.EngineVersion}`);
      continue;
    }
    if (p.Engine !== "postgres") {
      violations.push(`${id}: engine '${p.Engine}' has no entry in engine-versions.json`);
      continue;
    }
    const version = String(p.EngineVersion ?? "");
    const [major, minor] = version.split(".");
    if (!postgres.majors.includes(major)) violations.push(`${id}: PostgreSQL ${version || "(no version)"} is not a major version RDS offers for new instances (${postgres.majors.join(", ")})`);
    else if (minor !== undefined && compareVersions(version, postgres.minimumMinor[major]) < 0) {
      violations.push(`${id}: PostgreSQL ${version} can no longer be created on RDS (the oldest ${major}.x still offered is ${postgres.minimumMinor[major]}, checked ${ENGINE_VERSIONS.checked})`);
    }
  }
  for (const [id, group] of [...stack.ofType("AWS::ElastiCache::ReplicationGroup"), ...stack.ofType("AWS::ElastiCache::CacheCluster")]) {
    const engine = group.Properties.Engine ?? "redis";
    const offered = ENGINE_VERSIONS.elasticache[engine] ?? [];
    if (!offered.includes(String(group.Properties.EngineVersion))) violations.push(`${id}: ElastiCache ${engine} ${group.Properties.EngineVersion} is not offered (${offered.join(", ")})`);
  }
  return violations;
}

function compareVersions(a, b) {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  }
  return 0;
}

async function fargateSize(stack) {
  const violations = [];
  for (const service of ecsServices(stack)) {
    const task = service.task.Properties;
    const cpu = Number(task.Cpu);
    const memory = Number(task.Memory);
    if (!(FARGATE_SIZES[cpu] ?? []).includes(memory)) violations.push(`${service.taskId}: ${cpu} CPU units with ${memory} MiB is not a Fargate task size`);
    const proxy = service.service.Properties.ServiceConnectConfiguration?.Enabled ? SERVICE_CONNECT_PROXY : { cpu: 0, memory: 0 };
    const hardLimits = service.containers.reduce((sum, c) => sum + Number(c.Memory ?? c.MemoryReservation ?? 0), 0);
    if (hardLimits + proxy.memory > memory) {
      violations.push(`${service.taskId}: container memory limits add up to ${hardLimits} MiB${proxy.memory ? ` + ${proxy.memory} MiB for the Service Connect proxy` : ""}, more than the task's ${memory} MiB`);
    }
    const cpus = service.containers.reduce((sum, c) => sum + Number(c.Cpu ?? 0), 0);
    if (cpus > 0 && cpus + proxy.cpu > cpu) violations.push(`${service.taskId}: container CPU adds up to ${cpus}${proxy.cpu ? ` + ${proxy.cpu} for the proxy` : ""}, more than the task's ${cpu}`);
    for (const c of service.containers) {
      if (c.MemoryReservation !== undefined && c.Memory !== undefined && Number(c.MemoryReservation) > Number(c.Memory)) {
        violations.push(`${service.taskId}/${c.Name}: reserves more memory than its limit`);
      }
    }
  }
  return violations;
}

/** The largest body any service behind the edge declares it accepts (the Api's 64 KiB), from the running app. */
export function requiredBodyBytes(recordings) {
  let required = 0;
  const sources = [];
  for (const manifest of recordings.services) {
    const limits = [manifest.maxRequestBodyBytes, ...manifest.routes.map((r) => r.maxRequestBodyBytes)]
      .filter((v) => typeof v === "number" && v !== KESTREL_DEFAULT_BODY_LIMIT);
    for (const limit of limits) {
      if (limit > required) required = limit;
      sources.push(`${manifest.service} ${limit}`);
    }
  }
  return { required, sources };
}

async function wafBodySize(stack, { recordings }) {
  if (recordings.missing) return { skipped: "needs the integration tests' recordings (the services' body limits)" };
  const { required } = requiredBodyBytes(recordings);
  const violations = [];
  for (const [id, acl] of stack.ofType("AWS::WAFv2::WebACL")) {
    const p = acl.Properties;
    const inspected = INSPECTION_LIMITS[p.AssociationConfig?.RequestBody?.CLOUDFRONT?.DefaultSizeInspectionLimit ?? "KB_16"];
    let limit = Infinity;
    let why = "";
    for (const rule of p.Rules ?? []) {
      const managed = rule.Statement?.ManagedRuleGroupStatement;
      if (managed?.Name === "AWSManagedRulesCommonRuleSet" && !rule.OverrideAction?.Count) {
        const overridden = (managed.RuleActionOverrides ?? []).some((o) => o.Name === "SizeRestrictions_BODY" && (o.ActionToUse?.Count || o.ActionToUse?.Allow));
        const excluded = (managed.ExcludedRules ?? []).some((r) => r.Name === "SizeRestrictions_BODY");
        if (!overridden && !excluded && CRS_BODY_LIMIT < limit) [limit, why] = [CRS_BODY_LIMIT, `${rule.Name}'s SizeRestrictions_BODY blocks bodies over 8 KB`];
      }
      const size = rule.Statement?.SizeConstraintStatement;
      if (size?.FieldToMatch?.Body && rule.Action?.Block && ["GT", "GE"].includes(size.ComparisonOperator)) {
        const blocksAbove = Number(size.Size) + (size.ComparisonOperator === "GE" ? -1 : 0);
        if (blocksAbove < limit) [limit, why] = [blocksAbove, `${rule.Name} blocks bodies over ${blocksAbove} bytes`];
        if ((size.FieldToMatch.Body.OversizeHandling ?? "CONTINUE") === "MATCH" && inspected < limit) {
          [limit, why] = [inspected, `${rule.Name} blocks bodies longer than the ${inspected}-byte inspection limit`];
        }
      }
    }
    if (limit < required) violations.push(`${id}: ${why}, but the app accepts bodies up to ${required} bytes (the largest, a multipart complete with its part list, is refused with 403)`);
    // WAF inspects only the first `inspected` bytes of a body; past them the managed rules see nothing, so a larger body
    // must be blocked outright, or its tail reaches the app uninspected.
    if (limit > inspected) violations.push(`${id}: no rule blocks bodies over the ${inspected}-byte inspection limit: the rest of a larger body reaches the app uninspected`);
  }
  return violations;
}

async function livenessHealthChecks(stack, { recordings }) {
  const violations = [];
  const services = ecsServices(stack);
  for (const [id, group] of stack.ofType("AWS::ElasticLoadBalancingV2::TargetGroup")) {
    const path = group.Properties.HealthCheckPath ?? "/";
    if (!LIVENESS_PATHS.includes(path)) violations.push(`${id}: the load balancer probes '${path}', not a liveness endpoint (${LIVENESS_PATHS.join(", ")}): a shared dependency's failover would mark every task unhealthy`);
  }
  for (const service of services) {
    const app = service.app;
    const command = (app.HealthCheck?.Command ?? []).join(" ");
    if (!app.HealthCheck) violations.push(`${service.taskId}: the ${service.name} container has no health check, so ECS never replaces a hung task`);
    else if (!LIVENESS_PATHS.some((p) => command.includes(p))) violations.push(`${service.taskId}: the ${service.name} container's health check (${command}) probes no liveness endpoint`);
    const manifest = recordings.services.find((m) => m.service === service.name);
    if (manifest && !LIVENESS_PATHS.some((p) => manifest.routes.some((r) => r.pattern === p))) violations.push(`${service.name} serves none of ${LIVENESS_PATHS.join(", ")}`);
  }
  return violations;
}

async function serviceConnectOrder(stack) {
  const violations = [];
  const services = ecsServices(stack);
  for (const client of services) {
    const values = Object.values(client.environment).map((v) => String(stack.resolve(v)));
    for (const server of services) {
      if (server === client) continue;
      const calls = server.serviceConnectNames.some((name) => values.some((v) => new RegExp(`^https?://${name}:\\d+`).test(v)));
      if (calls && !client.dependsOn.includes(server.id)) {
        violations.push(`${client.id} (${client.name}) calls ${server.name} through Service Connect but does not depend on ${server.id}: CloudFormation may start it first, and its tasks cannot resolve '${server.name}'`);
      }
    }
  }
  return violations;
}

async function cloudTrailKeyPolicy(stack) {
  const violations = [];
  for (const [id, trail] of stack.ofType("AWS::CloudTrail::Trail")) {
    const keyId = Stack.target(trail.Properties.KMSKeyId);
    if (!keyId) continue;
    const trailArn = `arn:aws:cloudtrail:${stack.region}:${ACCOUNT}:trail/${stack.ref(id)}`;
    const keyArn = stack.getAtt(keyId, "Arn");
    const policy = stack.resolve(stack.resources[keyId].Properties.KeyPolicy);
    const base = { "aws:SourceArn": trailArn, "aws:SourceAccount": ACCOUNT };
    // What CloudTrail calls with the key ("How AWS CloudTrail uses AWS KMS"; "Configure AWS KMS key policies for
    // CloudTrail": encrypt, describe, and decrypt when the trail's bucket uses an S3 Bucket Key).
    const calls = [
      { action: "kms:DescribeKey", context: base },
      { action: "kms:GenerateDataKey", context: { ...base, "kms:EncryptionContext:aws:cloudtrail:arn": trailArn } },
      { action: "kms:Decrypt", context: base },
    ];
    for (const call of calls) {
      const result = await simulate({ principal: "cloudtrail.amazonaws.com", action: call.action, resource: keyArn, account: ACCOUNT, context: call.context, resourcePolicy: policy });
      if (!result.allowed) {
        violations.push(`${id}: CloudTrail's ${call.action} on ${keyId} is ${result.error ?? result.overall} by the key policy: CreateTrail fails with "Insufficient permissions to access S3 bucket or KMS key"`);
      }
      // The same call for any other trail (the service principal acts for every account's trails) must be refused.
      const otherTrail = `arn:aws:cloudtrail:${stack.region}:${ACCOUNT}:trail/another-trail`;
      const other = JSON.parse(JSON.stringify(call.context).replaceAll(trailArn, otherTrail));
      const confused = await simulate({ principal: "cloudtrail.amazonaws.com", action: call.action, resource: keyArn, account: ACCOUNT, context: other, resourcePolicy: policy });
      if (confused.allowed) violations.push(`${id}: the key policy lets CloudTrail ${call.action} on ${keyId} for any trail, not only ${id}`);
    }
  }
  return violations;
}

async function destroyableStage(stack) {
  const violations = [];
  for (const [id, resource] of Object.entries(stack.resources)) {
    const p = resource.Properties ?? {};
    if (resource.Type === "AWS::S3::Bucket" && (resource.DeletionPolicy ?? "Delete") === "Delete") {
      violations.push(`${id}: CloudFormation deletes only empty buckets, so 'cdk destroy' fails on this one once it holds an object; retain it and let eng/aws/destroy.sh empty and remove it`);
    }
    if (resource.Type === "AWS::RDS::DBInstance" && (p.DeletionProtection === true || p.DeletionProtection === "true")) violations.push(`${id}: deletion protection blocks 'cdk destroy'`);
    if (resource.Type === "AWS::ElasticLoadBalancingV2::LoadBalancer"
      && (p.LoadBalancerAttributes ?? []).some((a) => a.Key === "deletion_protection.enabled" && a.Value === "true")) violations.push(`${id}: deletion protection blocks 'cdk destroy'`);
  }
  return violations;
}

async function mediaDelivery(stack) {
  const violations = [];
  const edge = new Edge(stack);
  const api = edge.services.find((s) => s.environment.MediaDelivery__CloudFront__BaseUrl !== undefined);
  if (!api) return ["no service is given MediaDelivery:CloudFront:BaseUrl: thumbnails and previews are S3 presigned URLs that no browser or edge can cache"];
  const baseUrl = new URL(String(stack.resolve(api.environment.MediaDelivery__CloudFront__BaseUrl)));
  const behavior = edge.behaviors.find((b) => b.regexp.test(`${baseUrl.pathname.replace(/\/$/, "")}/media/x/y/thumb-320.webp`));
  if (!behavior || edge.origins.get(behavior.origin)?.kind !== "s3") return [`${baseUrl.pathname}/… is not served from a bucket by any behavior`];
  if (!behavior.signed) violations.push(`behavior '${behavior.pattern}' does not require CloudFront signed URLs`);
  const keyGroupIds = behavior.keyGroups;
  const publicKeyIds = keyGroupIds.flatMap((k) => (stack.resources[k]?.Properties?.KeyGroupConfig?.Items ?? []).map((i) => Stack.target(i)));
  const keyPairId = Stack.target(api.environment.MediaDelivery__CloudFront__KeyPairId);
  if (!keyPairId || !publicKeyIds.includes(keyPairId)) violations.push(`${api.name}'s MediaDelivery:CloudFront:KeyPairId is not a public key of the behavior's trusted key group`);
  if (!api.secrets.MediaDelivery__CloudFront__PrivateKey) violations.push(`${api.name} gets no MediaDelivery:CloudFront:PrivateKey ECS secret`);
  const policy = behavior.cachePolicy;
  if (policy.queryStrings !== "none") violations.push(`behavior '${behavior.pattern}' puts query strings (the signature) into the cache key: every URL window would be a new cache entry`);
  if (!(policy.min > 0)) violations.push(`behavior '${behavior.pattern}' has min TTL ${policy.min}: CloudFront does not cache objects served with Cache-Control: private`);
  const window = durationSeconds(api.environment.MediaDelivery__UrlWindow);
  if (window === undefined) violations.push(`${api.name} gets no MediaDelivery:UrlWindow, so the edge's TTL cannot be tied to it`);
  else if (policy.max > window) violations.push(`behavior '${behavior.pattern}' caches up to ${policy.max} s, longer than the ${window}-second URL window: a deleted item's thumbnail would outlive its URL`);
  return violations;
}

/** The metrics an alarm watches: its own, or each metric of its metric math. */
function alarmMetrics_(alarm) {
  const p = alarm.Properties;
  if (p.MetricName) return [{ namespace: p.Namespace, name: p.MetricName, dimensions: p.Dimensions ?? [] }];
  return (p.Metrics ?? []).filter((m) => m.MetricStat).map((m) => ({
    namespace: m.MetricStat.Metric.Namespace,
    name: m.MetricStat.Metric.MetricName,
    dimensions: m.MetricStat.Metric.Dimensions ?? [],
    id: m.Id,
  }));
}

const sameSet = (a, b) => a.length === b.length && a.every((x) => b.includes(x));
const describeSet = (set) => `{${[...set].sort().join(", ")}}`;

async function alarmMetrics(stack) {
  const violations = [];
  for (const [id, alarm] of stack.ofType("AWS::CloudWatch::Alarm")) {
    for (const metric of alarmMetrics_(alarm)) {
      const where = `${id}${metric.id ? ` (${metric.id})` : ""}: ${metric.namespace} ${metric.name}`;
      const namespace = PUBLISHED_METRICS[metric.namespace];
      if (!namespace) {
        violations.push(`${where}: no AWS service of this stack publishes the namespace '${metric.namespace}' (known: ${Object.keys(PUBLISHED_METRICS).join(", ")})`);
        continue;
      }
      const published = namespace[metric.name];
      if (!published) {
        violations.push(`${where}: ${metric.namespace} publishes no metric '${metric.name}'`);
        continue;
      }
      const names = metric.dimensions.map((d) => d.Name);
      if (!published.dimensions.some((set) => sameSet(set, names))) {
        violations.push(`${where} with dimensions ${describeSet(names)}: ${metric.namespace} publishes ${metric.name} only with ${published.dimensions.map(describeSet).join(" or ")}, so the alarm never gets a data point`);
      }
      for (const dimension of metric.dimensions) {
        const expected = DIMENSION_VALUES[dimension.Name];
        const value = dimension.Value;
        if (!expected) continue;
        if (expected.literal) {
          if (typeof value !== "string" || !expected.literal.test(value)) violations.push(`${where}: dimension ${dimension.Name} is ${JSON.stringify(value)}, AWS publishes it as ${expected.literal}`);
          continue;
        }
        const referenced = [...Stack.references(value)].filter((r) => stack.resources[r]);
        const matching = referenced.filter((r) => expected.types.includes(stack.resources[r].Type));
        if (!matching.length) {
          violations.push(`${where}: dimension ${dimension.Name} (${JSON.stringify(value)}) names no ${expected.types.join(" or ")} of this stack`);
          continue;
        }
        const requirement = published.on?.[dimension.Name];
        if (requirement && !matching.some((r) => requirement(stack.resources[r]))) {
          violations.push(`${where}: dimension ${dimension.Name} names ${matching.join(", ")}, but AWS publishes ${metric.name} only for ${published.onWhat}`);
        }
        for (const group of matching.filter((r) => stack.resources[r].Type === "AWS::ElastiCache::ReplicationGroup")) {
          violations.push(...cacheMember(where, stack, group, value));
        }
      }
    }
  }
  return violations;
}

/**
 * A replication group (cluster mode disabled) publishes per member cluster, '{ReplicationGroupId}-00N' for N from 1 to
 * NumCacheClusters: the value must be that join, not the group's id, and N must be a member that exists.
 */
function cacheMember(where, stack, groupId, value) {
  const join = value?.["Fn::Join"];
  const parts = join && join[0] === "" ? join[1] : undefined;
  const suffix = parts?.length === 2 && Stack.target(parts[0]) === groupId && typeof parts[1] === "string" ? /^-(\d{3})$/.exec(parts[1]) : null;
  if (!suffix) return [`${where}: CacheClusterId names the replication group ${groupId} itself; ElastiCache publishes per member cluster ('<group id>-001', '-002', …)`];
  const members = Number(stack.resources[groupId].Properties.NumCacheClusters ?? 1);
  const n = Number(suffix[1]);
  return n >= 1 && n <= members ? [] : [`${where}: CacheClusterId '<${groupId}>-${suffix[1]}' is no member of the group (it has ${members})`];
}

async function alarmActions(stack) {
  const violations = [];
  const typeOf = (value) => stack.resources[Stack.target(value)]?.Type;
  for (const [id, alarm] of stack.ofType("AWS::CloudWatch::Alarm")) {
    const p = alarm.Properties;
    if (p.ActionsEnabled === false) violations.push(`${id}: actions are disabled`);
    const actions = p.AlarmActions ?? [];
    if (!actions.length) {
      violations.push(`${id}: no alarm action: it turns red on a dashboard nobody watches and pages nobody`);
      continue;
    }
    for (const action of actions) {
      const type = typeOf(action);
      if (!["AWS::SNS::Topic", "AWS::ApplicationAutoScaling::ScalingPolicy"].includes(type)) {
        violations.push(`${id}: alarm action ${JSON.stringify(action)} is neither a topic nor a scaling policy of this stack`);
      }
    }
    const topics = actions.filter((a) => typeOf(a) === "AWS::SNS::Topic").map((a) => Stack.target(a));
    const okTopics = (p.OKActions ?? []).map((a) => Stack.target(a));
    for (const topic of topics) {
      if (!okTopics.includes(topic)) violations.push(`${id}: notifies ${topic} when it fires but not when it clears (no OK action)`);
    }
  }
  return violations;
}

async function alarmSubscriber(stack) {
  const topics = new Set(stack.ofType("AWS::CloudWatch::Alarm").flatMap(([, a]) => (a.Properties.AlarmActions ?? []).map((x) => Stack.target(x)))
    .filter((t) => stack.resources[t]?.Type === "AWS::SNS::Topic"));
  const subscribed = new Set([
    ...stack.ofType("AWS::SNS::Subscription").map(([, s]) => Stack.target(s.Properties.TopicArn)),
    ...stack.ofType("AWS::SNS::Topic").filter(([, t]) => (t.Properties.Subscription ?? []).length).map(([id]) => id),
  ]);
  return [...topics].filter((t) => !subscribed.has(t)).map((t) => `${t}: the alarms notify this topic, but nobody subscribes to it: an outage pages nobody`);
}

async function telemetryOwned(stack) {
  const violations = [];
  for (const service of ecsServices(stack)) {
    const collector = collectorOf(service);
    if (!collector) continue;
    const where = `${service.taskId}/${collector.Name}`;
    const env = Object.fromEntries((collector.Environment ?? []).map((e) => [e.Name, e.Value]));
    const config = env.AOT_CONFIG_CONTENT;
    if (typeof config !== "string") {
      violations.push(`${where}: runs the image's default configuration (no AOT_CONFIG_CONTENT): its awsemf exporter creates a log group of its own, without retention, that outlives the stack`);
    } else {
      for (const variable of collectorLogGroupVariables(config)) {
        const groupId = Stack.target(env[variable]);
        const group = stack.resources[groupId];
        if (group?.Type !== "AWS::Logs::LogGroup") {
          violations.push(`${where}: an exporter writes to the log group in ${variable} (${JSON.stringify(env[variable])}), which is no log group of this stack`);
          continue;
        }
        if (group.Properties.RetentionInDays === undefined) violations.push(`${where}: ${groupId} keeps telemetry forever (no retention)`);
        if (!group.Properties.KmsKeyId) violations.push(`${where}: ${groupId} is not encrypted with the stack's key`);
      }
    }
    for (const policy of identityPoliciesOf(stack, service.taskRoleId)) {
      for (const statement of [].concat(policy.document?.Statement ?? []).filter((s) => s.Effect === "Allow")) {
        if ([].concat(statement.Action ?? []).some((a) => ["logs:CreateLogGroup", "logs:*", "*"].includes(a))) {
          violations.push(`${service.name}: ${policy.name} lets the task create log groups (${[].concat(statement.Action).join(", ")}): groups the stack does not own, and does not delete`);
        }
      }
    }
  }
  return violations;
}

/** A .NET TimeSpan ("01:00:00", "1.00:00:00") in seconds. */
function durationSeconds(value) {
  const m = /^(?:(\d+)\.)?(\d+):(\d+):(\d+)$/.exec(String(value ?? ""));
  return m ? Number(m[1] ?? 0) * 86400 + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]) : undefined;
}

/**
 * CloudFront can change only a public key's comment (UpdatePublicKey: "You can update a public key's comment only"):
 * a template that changes an existing AWS::CloudFront::PublicKey's EncodedKey fails to deploy. So each public key must
 * read its PEM from a source that is never rewritten with another key: an SSM parameter whose name carries the same
 * generation number as the key's construct id (EdgeSigningKey2 ← /…/edge-signing/2/public-key), used by no other key.
 * A PEM written into the template, or a parameter name without the key's generation, is one edit away from a failed
 * update.
 */
function signingKeyGenerations(stack) {
  const violations = [];
  const sources = new Map();
  for (const [id, key] of stack.ofType("AWS::CloudFront::PublicKey")) {
    const encoded = key.Properties?.PublicKeyConfig?.EncodedKey;
    const path = String(key.Metadata?.["aws:cdk:path"] ?? "");
    const name = path ? path.replace(/\/Resource$/, "").split("/").at(-1) : id.replace(/[0-9A-F]{8}$/, "");
    const generation = /(\d+)$/.exec(name)?.[1];
    const parameter = Stack.target(encoded);
    const ssmName = parameter && /^AWS::SSM::Parameter::Value</.test(stack.parameters[parameter]?.Type ?? "") ? String(stack.parameters[parameter].Default ?? "") : undefined;
    if (!parameter || !(parameter in stack.parameters)) {
      violations.push(`${id}: its EncodedKey is written into the template, so a new key is an update of this public key, which CloudFront refuses (only the comment may change); read each key generation from a parameter of its own`);
      continue;
    }
    const others = sources.get(parameter);
    if (others) violations.push(`${id}: reads its EncodedKey from ${parameter}, as ${others} does: two public keys share one source`);
    sources.set(parameter, id);
    if (!generation) {
      violations.push(`${id}: its logical id carries no key generation, and its EncodedKey comes from ${parameter} (${ssmName ?? "not an SSM parameter"}): a new key written there changes this public key in place, which CloudFront refuses; name each public key and its parameter by generation (EdgeSigningKey<N> ← /<stack>/edge-signing/<N>/public-key)`);
      continue;
    }
    if (ssmName === undefined || !ssmName.split("/").includes(generation) || !parameter.endsWith(generation)) {
      violations.push(`${id}: key generation ${generation}, but its EncodedKey comes from ${parameter} (${ssmName ?? "not an SSM parameter"}), which is not bound to generation ${generation}: a new key written there changes this public key in place, which CloudFront refuses`);
    }
  }
  return violations;
}

// IAM database authentication: a token from rds-db:connect signs in only to an instance with
// EnableIAMDatabaseAuthentication; RDS sets it per instance, and a read replica is created without it unless asked
// ("IAM database authentication for MariaDB, MySQL, and PostgreSQL"; CreateDBInstanceReadReplica,
// EnableIAMDatabaseAuthentication).
async function iamDatabaseAuth(stack) {
  const violations = [];
  const statements = [
    ...stack.ofType("AWS::IAM::Policy").map(([id, p]) => [id, p.Properties.PolicyDocument]),
    ...stack.ofType("AWS::IAM::Role").flatMap(([id, r]) => (r.Properties.Policies ?? []).map((p) => [id, p.PolicyDocument])),
  ].flatMap(([id, document]) => [].concat(document?.Statement ?? []).map((statement) => [id, statement]));
  const named = new Map();
  for (const [policy, statement] of statements) {
    if (statement.Effect !== "Allow" || ![].concat(statement.Action ?? []).some((a) => /^rds-db:(connect|\*)$/.test(a))) continue;
    for (const target of Stack.references(statement.Resource)) {
      if (stack.resources[target]?.Type === "AWS::RDS::DBInstance" && !named.has(target)) named.set(target, policy);
    }
  }
  for (const [id, policy] of named) {
    const enabled = stack.resolve(stack.resources[id].Properties?.EnableIAMDatabaseAuthentication);
    if (enabled !== true && enabled !== "true") {
      const replica = stack.resources[id].Properties?.SourceDBInstanceIdentifier ? " (a read replica does not inherit it from its source)" : "";
      violations.push(`${id}: ${policy} grants rds-db:connect to it, but IAM database authentication is off${replica}: every IAM token is refused`);
    }
  }
  return violations;
}

async function containerInsightsAlarms(stack) {
  const violations = [];
  for (const [id, alarm] of stack.ofType("AWS::CloudWatch::Alarm")) {
    for (const metric of alarmMetrics_(alarm).filter((m) => m.namespace === "ECS/ContainerInsights")) {
      const cluster = Stack.target([].concat(metric.dimensions).find((d) => d.Name === "ClusterName")?.Value);
      const settings = stack.resources[cluster]?.Properties?.ClusterSettings ?? [];
      const value = settings.find((s) => s.Name === "containerInsights")?.Value;
      if (value !== "enabled" && value !== "enhanced") {
        violations.push(`${id}: watches ECS/ContainerInsights ${metric.name} of cluster ${cluster ?? "?"}, whose Container Insights is ${value ?? "not set (off)"}: the metric never gets a data point`);
      }
    }
  }
  return violations;
}

/** Runs every rule; returns [{ id, title, violations, skipped? }]. */
export async function checkRules(stack, facts) {
  const results = [];
  for (const rule of RULES.filter((r) => !r.appliesTo || r.appliesTo(stack))) {
    const outcome = await rule.check(stack, facts);
    results.push(Array.isArray(outcome)
      ? { id: rule.id, title: rule.title, violations: outcome }
      : { id: rule.id, title: rule.title, violations: [], skipped: outcome.skipped });
  }
  return results;
}
