// The fixed monthly cost of a stage at list prices, before traffic, computed from the synthesized template (what the
// stack creates and how it is sized) and eng/aws/checks/prices.json (one price table with its date and source).
// What scales with use (requests, GB processed or stored, LCUs, log ingestion, CloudFront, S3, SQS) is not counted,
// except two estimates that do not depend on the app's traffic: the stage's own CloudTrail trail (a paid copy of the
// account's management events) and Container Insights (custom metrics per cluster and service). A stage over its budget fails (dev: BUDGETS below; docs/aws.md, "Cost per stage").
//   node eng/aws/checks/cost.mjs --assembly artifacts/aws/dev
import fs from "node:fs";
import { Stack, applicationStack, loadAssembly } from "./lib/assembly.mjs";

const PRICES = JSON.parse(fs.readFileSync(new URL("./prices.json", import.meta.url), "utf8"));

/** USD per month the stage may cost before traffic; a stage without one is printed, not judged. */
export const BUDGETS = { dev: 150 };

export function checkCost(stack, prices = PRICES) {
  const hours = prices.hoursPerMonth;
  const lines = [];
  const violations = [];
  const add = (group, item, monthly) => lines.push({ group, item, monthly: Math.round(monthly * 100) / 100 });
  const price = (table, key, what) => {
    if (table[key] === undefined) violations.push(`prices.json has no price for ${what} '${key}': add it (with its source) so the cost is not undercounted`);
    return table[key] ?? 0;
  };
  const value = (v) => stack.resolve(v);

  // Network: NAT gateways, their Elastic IPs and every other public IPv4 address, interface endpoints per zone.
  const nats = stack.ofType("AWS::EC2::NatGateway").length;
  if (nats) add("NAT gateways", `${nats} × ${prices.natGatewayHour}/h`, nats * prices.natGatewayHour * hours);
  const eips = stack.ofType("AWS::EC2::EIP").length;
  if (eips) add("public IPv4", `${eips} Elastic IP (NAT) × ${prices.publicIpv4Hour}/h`, eips * prices.publicIpv4Hour * hours);
  for (const [id, lb] of stack.ofType("AWS::ElasticLoadBalancingV2::LoadBalancer")) {
    add("load balancer", `${id} ${prices.applicationLoadBalancerHour}/h (LCUs not counted)`, prices.applicationLoadBalancerHour * hours);
    if ((lb.Properties.Scheme ?? "internet-facing") === "internet-facing") {
      const zones = (lb.Properties.Subnets ?? lb.Properties.SubnetMappings ?? []).length;
      add("public IPv4", `${zones} internet-facing load balancer node(s) × ${prices.publicIpv4Hour}/h`, zones * prices.publicIpv4Hour * hours);
    }
  }
  const endpoints = stack.ofType("AWS::EC2::VPCEndpoint").filter(([, e]) => e.Properties.VpcEndpointType === "Interface");
  const endpointZones = endpoints.reduce((n, [, e]) => n + (e.Properties.SubnetIds ?? []).length, 0);
  if (endpoints.length) add("interface endpoints", `${endpoints.length} endpoints in ${endpointZones} zone-placements × ${prices.interfaceEndpointHourPerZone}/h`, endpointZones * prices.interfaceEndpointHourPerZone * hours);

  // Fargate: each service's steady count (its scaling target's minimum; else its desired count) × its task's vCPU and
  // GB, by CPU architecture.
  const scalingMinimum = (serviceId) => stack.ofType("AWS::ApplicationAutoScaling::ScalableTarget")
    .find(([, t]) => t.Properties.ScalableDimension === "ecs:service:DesiredCount" && Stack.references(t.Properties.ResourceId).has(serviceId))?.[1].Properties.MinCapacity;
  for (const [id, service] of stack.ofType("AWS::ECS::Service")) {
    const task = stack.resources[Stack.target(service.Properties.TaskDefinition)].Properties;
    const architecture = task.RuntimePlatform?.CpuArchitecture ?? "X86_64";
    const rate = price(prices.fargate, architecture, "Fargate architecture");
    const count = Number(scalingMinimum(id) ?? service.Properties.DesiredCount ?? 1);
    const vcpu = Number(value(task.Cpu)) / 1024;
    const gb = Number(value(task.Memory)) / 1024;
    add("Fargate", `${id}: ${count} × (${vcpu} vCPU + ${gb} GB) ${architecture}`, count * (vcpu * (rate.vcpuHour ?? 0) + gb * (rate.gbHour ?? 0)) * hours);
  }

  // RDS: each instance (a read replica is one), Multi-AZ doubles instance and storage.
  const instances = Object.fromEntries(stack.ofType("AWS::RDS::DBInstance"));
  for (const [id, db] of Object.entries(instances)) {
    const p = db.Properties;
    // A replica is created with its source's storage (its identifier is usually an ARN joined from the source's Ref).
    const sourceId = p.SourceDBInstanceIdentifier ? [...Stack.references(p.SourceDBInstanceIdentifier)].find((r) => r in instances) : undefined;
    const source = sourceId ? instances[sourceId].Properties : {};
    const multiAz = value(p.MultiAZ) === true || value(p.MultiAZ) === "true";
    const factor = multiAz ? prices.rdsMultiAzFactor : 1;
    const klass = value(p.DBInstanceClass);
    add("RDS", `${id}: ${klass}${multiAz ? " Multi-AZ" : ""}${p.SourceDBInstanceIdentifier ? " (read replica)" : ""}`, factor * price(prices.rdsPostgresHour, klass, "RDS instance class") * hours);
    const storage = Number(value(p.AllocatedStorage ?? source.AllocatedStorage ?? 20));
    const type = value(p.StorageType ?? source.StorageType ?? "gp2");
    add("RDS storage", `${id}: ${storage} GB ${type}${multiAz ? " Multi-AZ" : ""}`, factor * storage * price(prices.rdsStorageGbMonth, type, "RDS storage type"));
  }

  // ElastiCache: every node of each replication group.
  for (const [id, group] of stack.ofType("AWS::ElastiCache::ReplicationGroup")) {
    const p = group.Properties;
    const nodes = p.NumNodeGroups ? Number(p.NumNodeGroups) * (Number(p.ReplicasPerNodeGroup ?? 0) + 1) : Number(p.NumCacheClusters ?? 1);
    const type = value(p.CacheNodeType);
    add("ElastiCache", `${id}: ${nodes} × ${type}`, nodes * price(prices.elastiCacheHour, type, "ElastiCache node type") * hours);
  }

  // WAF: the web ACL and its rules (a managed rule group is one rule).
  for (const [id, acl] of stack.ofType("AWS::WAFv2::WebACL")) {
    const rules = (acl.Properties.Rules ?? []).length;
    add("WAF", `${id}: web ACL + ${rules} rules`, prices.wafWebAclMonth + rules * prices.wafRuleMonth);
  }

  const keys = stack.ofType("AWS::KMS::Key").length;
  if (keys) add("KMS", `${keys} customer-managed key(s)`, keys * prices.kmsKeyMonth);
  const secrets = stack.ofType("AWS::SecretsManager::Secret").length;
  if (secrets) add("Secrets Manager", `${secrets} secrets`, secrets * prices.secretMonth);
  const alarmMetrics = stack.ofType("AWS::CloudWatch::Alarm")
    .reduce((n, [, a]) => n + (a.Properties.Metrics ? a.Properties.Metrics.filter((m) => m.MetricStat).length : 1), 0);
  const alarms = stack.ofType("AWS::CloudWatch::Alarm").length;
  if (alarms) add("CloudWatch", `${alarms} alarms on ${alarmMetrics} metrics`, alarmMetrics * prices.cloudWatchAlarmMetricMonth);
  const dashboards = stack.ofType("AWS::CloudWatch::Dashboard").length;
  if (dashboards) add("CloudWatch", `${dashboards} dashboard(s)`, dashboards * prices.cloudWatchDashboardMonth);
  // CloudTrail: only an account's first copy of management events is free, and an account that is already in use (or in
  // an AWS Organization with an organization trail) has one, so the stage's trail is priced as a second copy, at an
  // estimated volume of management events, plus the trail's CloudWatch Logs ingestion.
  const trails = stack.ofType("AWS::CloudTrail::Trail");
  for (const [id, trail] of trails) {
    const events = prices.cloudTrailManagementEventsMonthEstimate;
    add("CloudTrail", `${id}: a second copy of ~${events / 1000}k management events (estimate) × ${prices.cloudTrailManagementEventsPer100k}/100k`,
      (events / 100000) * prices.cloudTrailManagementEventsPer100k);
    if (trail.Properties.CloudWatchLogsLogGroupArn) {
      add("CloudTrail", `${id}: ~${prices.cloudTrailLogsGbMonthEstimate} GB into CloudWatch Logs (estimate) × ${prices.cloudWatchLogsIngestionGb}/GB`,
        prices.cloudTrailLogsGbMonthEstimate * prices.cloudWatchLogsIngestionGb);
    }
  }

  // Container Insights: custom metrics per cluster and per service, and each task's performance log events.
  for (const [id, cluster] of stack.ofType("AWS::ECS::Cluster")) {
    const setting = (cluster.Properties.ClusterSettings ?? []).find((s) => s.Name === "containerInsights")?.Value;
    if (setting !== "enabled" && setting !== "enhanced") continue;
    const services = stack.ofType("AWS::ECS::Service").filter(([, s]) => Stack.target(s.Properties.Cluster) === id);
    const tasks = services.reduce((n, [serviceId, s]) => n + Number(scalingMinimum(serviceId) ?? s.Properties.DesiredCount ?? 1), 0);
    const ci = prices.containerInsights;
    const metrics = ci.metricsPerCluster + services.length * ci.metricsPerService;
    add("Container Insights", `${id}: ~${metrics} custom metrics (${services.length} services, estimate) × ${prices.cloudWatchCustomMetricMonth}`, metrics * prices.cloudWatchCustomMetricMonth);
    add("Container Insights", `${id}: ${tasks} tasks' performance logs, ~${ci.logsGbPerTaskMonth} GB each (estimate) × ${prices.cloudWatchLogsIngestionGb}/GB`, tasks * ci.logsGbPerTaskMonth * prices.cloudWatchLogsIngestionGb);
  }

  const total = Math.round(lines.reduce((sum, l) => sum + l.monthly, 0) * 100) / 100;
  const groups = {};
  for (const l of lines) groups[l.group] = Math.round(((groups[l.group] ?? 0) + l.monthly) * 100) / 100;
  const budget = BUDGETS[stack.stage];
  if (budget !== undefined && total > budget) {
    const top = Object.entries(groups).sort((a, b) => b[1] - a[1]).slice(0, 4).map(([g, v]) => `${g} ${v.toFixed(2)}`).join(", ");
    violations.push(`${stack.name} costs ${total.toFixed(2)} USD a month at list prices before traffic, over its budget of ${budget} (largest: ${top})`);
  }
  return { stage: stack.stage, region: prices.region, recorded: prices.recorded, total, budget, groups, lines, violations, priced: lines.length };
}

/** The breakdown as text, for eng/aws/preflight.sh. */
export function formatCost(cost) {
  const out = [`  fixed monthly cost of ${cost.stage} at ${cost.region} list prices (${cost.recorded}), before traffic: ${cost.total.toFixed(2)} USD${cost.budget !== undefined ? ` (budget ${cost.budget})` : ""}`];
  for (const [group, monthly] of Object.entries(cost.groups).sort((a, b) => b[1] - a[1])) {
    out.push(`    ${monthly.toFixed(2).padStart(8)}  ${group}`);
    for (const l of cost.lines.filter((x) => x.group === group)) out.push(`              ${l.monthly.toFixed(2).padStart(8)}  ${l.item}`);
  }
  return out.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const index = process.argv.indexOf("--assembly");
  if (index < 0) {
    console.error("usage: node eng/aws/checks/cost.mjs --assembly DIR");
    process.exit(2);
  }
  const cost = checkCost(applicationStack(loadAssembly(process.argv[index + 1])));
  console.log(formatCost(cost));
  for (const v of cost.violations) console.log(`  !! ${v}`);
  process.exit(cost.violations.length ? 1 : 0);
}
