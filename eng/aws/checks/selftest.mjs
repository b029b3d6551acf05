// The checks, checked: each must fail on what it exists to catch.
//   - Templates with known faults (fixtures/known-faults.*.template.json.gz: an early form of the stack) fail the check
//     made for each fault, with that fault's own message; the current templates pass the same checks (eng/test.sh).
//   - The templates with a public load balancer (fixtures/public-load-balancer.*.template.json.gz: CloudFront reached it
//     as a custom origin through CloudFront's origin-facing prefix list, and prod sent the viewer's Host to an HTTPS
//     origin whose certificate covers origin.{domain}) fail the routing checks for the origin and, in prod, for reach.
//   - Faults planted in the current template (a typo'd property, an inverted lifecycle, a behavior shadowing a route,
//     a bucket behavior without signed URLs, a removed grant, an alarm on a dimension set AWS does not publish, an alarm
//     without actions, a collector that may create log groups, a data tier back on the default network ACL, a lost
//     return path, oversized tasks, a Worker without its database grant or with the Api's, a key-ring grant without its
//     encryption context, a web ACL that lets bodies past its inspection limit through, a trail key usable for any
//     trail) make their family fail, while the template without the fault passes that family.
//   - The templates with a public load balancer also have the one CloudFront public key whose PEM came from a parameter
//     every new key was written to: they fail rule signing-key-generations.
//   - The templates with known faults also lack network ACLs (every subnet on the VPC's allow-all default ACL): they fail
//     the reachability check's forbidden flows, and cost more than dev's budget.
// Both use a snapshot of real recordings (fixtures/recorded, from an integration run) unless --recorded is given.
//   node eng/aws/checks/selftest.mjs --assembly artifacts/aws/dev [--recorded artifacts/recorded] [--ctrf FILE]
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Stack, loadAssembly, applicationStack } from "./lib/assembly.mjs";
import { loadRecordings } from "./lib/recordings.mjs";
import { checkTemplate } from "./schema.mjs";
import { checkRules } from "./rules.mjs";
import { checkRouting } from "./routing.mjs";
import { checkIam } from "./iam.mjs";
import { checkReachability } from "./reachability.mjs";
import { checkCost } from "./cost.mjs";
import { printTests, writeCtrf } from "./run.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = (name) => path.join(here, "fixtures", name);

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith("--") ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
const recordings = loadRecordings(args.recorded ?? fixture("recorded"));
const snapshot = loadRecordings(fixture("recorded"));
const tests = [];
const started = Date.now();

async function test(name, body) {
  try {
    await body();
    tests.push({ name, status: "passed", duration: 0 });
  } catch (error) {
    tests.push({ name, status: "failed", duration: 0, message: error.message });
  }
}

function expectSome(lines, pattern, what) {
  if (!lines.some((l) => pattern.test(l))) throw new Error(`${what}: expected a failure matching ${pattern}, got:\n${lines.join("\n") || "(none)"}`);
}

const ruleViolations = async (stack, id, facts) => (await checkRules(stack, facts)).find((r) => r.id === id).violations;

// ---- the templates with known faults fail the check of each fault ----
const faulty = {
  dev: applicationStack(loadAssembly(fixture("known-faults.Platform-dev.template.json.gz"))),
  prod: applicationStack(loadAssembly(fixture("known-faults.Platform-prod.template.json.gz"))),
};
for (const [stage, stack] of Object.entries(faulty)) {
  const facts = { recordings: snapshot };
  const routing = await checkRouting(stack, snapshot);
  const iam = await checkIam(stack, snapshot);
  const faults = [
    ["(dev only) noncurrent versions expire on the day they reach Glacier", "lifecycle-order", /expire after 30 days but move to GLACIER after 30/, stage === "dev"],
    ["RDS PostgreSQL 16.4 is no longer offered", "engine-versions", /PostgreSQL 16\.4 can no longer be created/],
    ["the Core rule set blocks bodies over 8 KB", "waf-body-size", /SizeRestrictions_BODY blocks bodies over 8 KB/],
    ["target groups probe /health, containers have no health check", "liveness-health-checks", [/ApiTargets\w+: the load balancer probes '\/health'/, /the worker container has no health check/]],
    ["container limits leave the Service Connect proxy nothing", "fargate-size", /for the Service Connect proxy, more than the task's/],
    ["Web does not depend on the Api it calls", "service-connect-order", /\(web\) calls api through Service Connect but does not depend/],
    ["CloudTrail cannot describe the key nor decrypt", "cloudtrail-key-policy", [/CloudTrail's kms:DescribeKey .* ImplicitlyDenied/, /CloudTrail's kms:Decrypt .* ImplicitlyDenied/]],
    ["(dev only) buckets set to be deleted are never emptied", "destroyable-stage", /Storage\w+: CloudFormation deletes only empty buckets/, stage === "dev"],
    ["thumbnails do not go through CloudFront", "media-delivery", /no service is given MediaDelivery:CloudFront:BaseUrl/],
    ["the edge 5xx alarm lacks Region=Global and never gets data", "alarm-metrics", /AWS\/CloudFront 5xxErrorRate with dimensions \{DistributionId\}: AWS\/CloudFront publishes 5xxErrorRate only with \{DistributionId, Region\}/],
    ["the collector runs the image's default configuration", "telemetry-owned", [/otel-collector: runs the image's default configuration/, /lets the task create log groups/]],
  ];
  for (const [fault, rule, pattern, applies = true] of faults) {
    if (!applies) continue;
    await test(`known faults (${stage}): ${fault} → rule ${rule} fails`, async () => {
      const violations = await ruleViolations(stack, rule, facts);
      for (const p of [].concat(pattern)) expectSome(violations, p, rule);
    });
  }
  await test(`known faults (${stage}): /media/* shadows Web's /media/{id} pages → routing fails`, async () => {
    expectSome(routing.results.shadow, /web \/media\/\{id:guid\}: CloudFront behavior '\/media\/\*' sends its paths to the bucket/, "shadow");
    expectSome(routing.results.reach, /web POST \/media\/\{id:guid\}\/delete: .* refused/, "reach");
  });
  await test(`known faults (${stage}): originals are served to anyone → routing fails`, async () =>
    expectSome(routing.results.private, /serves the private object 'media\/\{id\}\/\{id\}\/original' from the bucket \w+ to anyone/, "private"));
  await test(`known faults (${stage}): the Worker may not send to the dead-letter queue → IAM replay fails`, async () =>
    expectSome(iam.results.denied, /^worker sqs:SendMessage on arn:aws:sqs:[^ ]+DeadLetters/, "iam"));
  await test(`known faults (${stage}): static assets are never cached at the edge → routing fails`, async () =>
    expectSome(routing.results.caching, /web \/css\/site\.css: behavior '\*' \(CachingDisabled\) caches nothing/, "caching"));
  await test(`known faults (${stage}): no network ACLs: forbidden flows are not blocked by network ACLs → reachability fails`, async () => {
    const failures = checkReachability(stack).tests.filter((t) => t.failures.length).flatMap((t) => t.failures.map((f) => `${t.name}: ${f}`));
    for (const flow of [/forbidden internet → database \w+ \(tcp 543\d\)/, /forbidden public subnets → cache \w+ \(tcp 6379\)/, /forbidden internet → api directly/, /forbidden data subnets → internet/]) {
      expectSome(failures.filter((f) => flow.test(f)), /not blocked by network ACLs .*uses the VPC's default network ACL, which allows all/, String(flow));
    }
    expectSome(failures, /each tier \(public, app, data\) has a network ACL of its own: .*$/, "acl per tier");
  });
}
await test("known faults (dev): the dev stage costs more than its budget → cost fails", async () =>
  expectSome(checkCost(faulty.dev).violations, /Platform-dev costs \d+\.\d+ USD a month .* over its budget of 150 \(largest: interface endpoints/, "cost"));

// ---- the templates with a public load balancer fail the edge's routing checks ----
for (const stage of ["dev", "prod"]) {
  const stack = applicationStack(loadAssembly(fixture(`public-load-balancer.Platform-${stage}.template.json.gz`)));
  const routing = await checkRouting(stack, snapshot);
  await test(`public load balancer (${stage}): any CloudFront distribution reaches the internet-facing load balancer → routing fails`, async () => {
    expectSome(routing.results.origin, /CloudFront reaches load balancer \w+ as the public origin/, "origin");
    expectSome(routing.results.origin, /load balancer \w+ is internet-facing: .*the prefix list pl-/, "origin");
    expectSome(routing.results.origin, /load balancer \w+ is in public subnets/, "origin");
    if (stage === "dev") expectSome(routing.results.origin, /in plain HTTP across the internet/, "origin");
  });
  await test(`public load balancer (${stage}): the one public key reads a parameter every new key is written to → rule signing-key-generations fails`, async () =>
    expectSome(await ruleViolations(stack, "signing-key-generations", { recordings: snapshot }), /^EdgeSigningKey\w+: its logical id carries no key generation, and its EncodedKey comes from EdgeSigningPublicKey \(\/Platform-\w+\/edge-signing\/public-key\)/, "signing-key-generations"));
  if (stage === "prod") {
    await test("public load balancer (prod): the viewer's Host goes to an HTTPS origin whose certificate covers origin.{domain} → 502 on every page", async () => {
      expectSome(routing.results.reach, /^web GET \/: GET \/ ends refused: CloudFront sends Host 'media\.example\.com' over HTTPS to listener \w+, whose certificate covers origin\.media\.example\.com: CloudFront answers 502/, "reach");
      expectSome(routing.results.reach, /^api POST \/api\/media\/: .*CloudFront answers 502/, "reach");
    });
  }
}

// ---- planted faults in the current templates ----
if (args.assembly) {
  const assembly = loadAssembly(args.assembly);
  const clean = applicationStack(assembly);
  const planted = (mutate) => {
    const template = structuredClone(clean.template);
    mutate(template);
    return new Stack(clean.name, template, clean.region);
  };
  const media = Object.entries(clean.resources).find(([id, r]) => r.Type === "AWS::S3::Bucket" && /^Storage/.test(id));

  await test(`planted (${clean.stage}): a typo'd property fails the schema check`, async () => {
    if (checkTemplate(clean.template).length) throw new Error(`the template without the fault fails already:\n${checkTemplate(clean.template).join("\n")}`);
    const faulty = planted((t) => {
      const props = t.Resources[media[0]].Properties;
      props.VersioningConfiguraton = props.VersioningConfiguration;
      delete props.VersioningConfiguration;
    });
    expectSome(checkTemplate(faulty.template), new RegExp(`${media[0]}\\.VersioningConfiguraton: AWS::S3::Bucket has no property 'VersioningConfiguraton' \\(did you mean 'VersioningConfiguration'\\?\\)`), "schema");
  });

  await test(`planted (${clean.stage}): an inverted lifecycle fails rule lifecycle-order`, async () => {
    const facts = { recordings };
    if ((await ruleViolations(clean, "lifecycle-order", facts)).length) throw new Error("the template without the fault fails already");
    const faulty = planted((t) => {
      const rule = t.Resources[media[0]].Properties.LifecycleConfiguration.Rules[0];
      rule.NoncurrentVersionTransitions = [{ StorageClass: "GLACIER", TransitionInDays: 60 }];
      rule.NoncurrentVersionExpiration = { NoncurrentDays: 30 };
    });
    expectSome(await ruleViolations(faulty, "lifecycle-order", facts), /expire after 30 days but move to GLACIER after 60/, "lifecycle-order");
  });

  await test(`planted (${clean.stage}): a behavior sending /media/* to the bucket shadows Web's pages`, async () => {
    const cleanRouting = await checkRouting(clean, recordings);
    if (cleanRouting.results.shadow.length) throw new Error(`the template without the fault fails already:\n${cleanRouting.results.shadow.join("\n")}`);
    const faulty = planted((t) => {
      const config = Object.values(t.Resources).find((r) => r.Type === "AWS::CloudFront::Distribution").Properties.DistributionConfig;
      const bucketOrigin = config.Origins.find((o) => o.S3OriginConfig || o.OriginAccessControlId);
      config.CacheBehaviors = [{ PathPattern: "/media/*", TargetOriginId: bucketOrigin.Id, AllowedMethods: ["GET", "HEAD"], CachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6", ViewerProtocolPolicy: "redirect-to-https" }, ...(config.CacheBehaviors ?? [])];
    });
    expectSome((await checkRouting(faulty, recordings)).results.shadow, /web \/media\/\{id:guid\}: CloudFront behavior '\/media\/\*' sends its paths to the bucket/, "shadow");
  });

  await test(`planted (${clean.stage}): a bucket behavior without signed URLs exposes private objects`, async () => {
    const cleanRouting = await checkRouting(clean, recordings);
    if (cleanRouting.results.private.length) throw new Error(`the template without the fault fails already:\n${cleanRouting.results.private.join("\n")}`);
    const faulty = planted((t) => {
      const config = Object.values(t.Resources).find((r) => r.Type === "AWS::CloudFront::Distribution").Properties.DistributionConfig;
      for (const behavior of config.CacheBehaviors ?? []) delete behavior.TrustedKeyGroups;
    });
    expectSome((await checkRouting(faulty, recordings)).results.private, /without requiring signed URLs/, "private");
  });

  const reachabilityFailures = (stack) => checkReachability(stack).tests.filter((t) => t.failures.length).flatMap((t) => t.failures.map((f) => `${t.name}: ${f}`));

  await test(`planted (${clean.stage}): the data subnets back on the VPC's default network ACL fail the forbidden flows`, async () => {
    const cleanFailures = reachabilityFailures(clean);
    if (cleanFailures.length) throw new Error(`the template without the fault fails already:\n${cleanFailures.join("\n")}`);
    const faulty = planted((t) => {
      for (const [id, r] of Object.entries(t.Resources)) {
        if (r.Type === "AWS::EC2::SubnetNetworkAclAssociation" && /data/i.test(r.Properties.SubnetId.Ref)) delete t.Resources[id];
      }
    });
    const failures = reachabilityFailures(faulty);
    expectSome(failures, /^forbidden internet → cache \w+ \(tcp 6379\): not blocked by network ACLs .*default network ACL/, "internet → cache");
    // (public subnets → database stays blocked: the public tier's own ACL sends nothing to the data ports.)
    expectSome(failures, /^forbidden internet → database \w+ \(tcp 543\d\): not blocked by network ACLs/, "internet → database");
    expectSome(failures, /^forbidden data subnets → internet \(tcp 443\): not blocked by network ACLs/, "data → internet");
    expectSome(failures, /^each tier \(public, app, data\) has a network ACL of its own: data subnets use \(the VPC's default ACL\)/, "acl per tier");
  });

  await test(`planted (${clean.stage}): an app ACL without the answers' ephemeral ports breaks the services' way out`, async () => {
    const faulty = planted((t) => {
      for (const [id, r] of Object.entries(t.Resources)) {
        const p = r.Properties ?? {};
        if (r.Type === "AWS::EC2::NetworkAclEntry" && /^App/.test(p.NetworkAclId.Ref) && !p.Egress && p.CidrBlock === "0.0.0.0/0" && p.RuleAction === "allow") delete t.Resources[id];
      }
    });
    expectSome(reachabilityFailures(faulty), /^required api → AWS APIs \(NAT gateway → internet\) \(tcp 443\): blocked: AppNetworkAcl\w* ingress 54\.239\.28\.85 ports 32768-60999/, "return path");
  });

  // Only a stage with a budget (dev) can be over it.
  if (clean.stage === "dev") await test(`planted (${clean.stage}): x86 tasks of 2 vCPU fail the cost budget`, async () => {
    if (checkCost(clean).violations.length) throw new Error(`the template without the fault fails already:\n${checkCost(clean).violations.join("\n")}`);
    const faulty = planted((t) => {
      for (const r of Object.values(t.Resources).filter((x) => x.Type === "AWS::ECS::TaskDefinition")) {
        r.Properties.Cpu = "2048";
        r.Properties.Memory = "4096";
        r.Properties.RuntimePlatform = { CpuArchitecture: "X86_64", OperatingSystemFamily: "LINUX" };
      }
    });
    expectSome(checkCost(faulty).violations, /over its budget of 150 \(largest: Fargate/, "cost");
  });

  await test(`planted (${clean.stage}): an internet-facing load balancer with an address range admitted fails routing (origin)`, async () => {
    const cleanRouting = await checkRouting(clean, recordings);
    if (cleanRouting.results.origin.length) throw new Error(`the template without the fault fails already:\n${cleanRouting.results.origin.join("\n")}`);
    const faulty = planted((t) => {
      const [id, loadBalancer] = Object.entries(t.Resources).find(([, r]) => r.Type === "AWS::ElasticLoadBalancingV2::LoadBalancer");
      loadBalancer.Properties.Scheme = "internet-facing";
      const group = Stack.target(loadBalancer.Properties.SecurityGroups[0]);
      t.Resources[`${id}Anywhere`] = { Type: "AWS::EC2::SecurityGroupIngress", Properties: { GroupId: { "Fn::GetAtt": [group, "GroupId"] }, IpProtocol: "tcp", FromPort: 443, ToPort: 443, CidrIp: "0.0.0.0/0" } };
    });
    const origin = (await checkRouting(faulty, recordings)).results.origin;
    expectSome(origin, /is internet-facing/, "origin");
    expectSome(origin, /admits 0\.0\.0\.0\/0 on ports 443-443/, "origin");
  });

  await test(`planted (${clean.stage}): a service that is not told the public host sees the origin's name (routing: host)`, async () => {
    const cleanRouting = await checkRouting(clean, recordings);
    if (cleanRouting.results.host.length || cleanRouting.results.reach.length) throw new Error(`the template without the fault fails already:\n${[...cleanRouting.results.host, ...cleanRouting.results.reach].join("\n")}`);
    const faulty = planted((t) => {
      // The origin gets its own name as Host (not the viewer's), and no X-Forwarded-Host the services accept.
      const config = Object.values(t.Resources).find((r) => r.Type === "AWS::CloudFront::Distribution").Properties.DistributionConfig;
      config.DefaultCacheBehavior.OriginRequestPolicyId = "b689b0a8-53d0-40ab-baf2-68738e2966ac";
      for (const origin of config.Origins) delete origin.OriginCustomHeaders;
    });
    expectSome((await checkRouting(faulty, recordings)).results.host, /^web GET \/: a request for \S+ reaches web as host '(\S+elb\.amazonaws\.com|origin\.\S+)'/, "host");
  });

  await test(`planted (${clean.stage}): an ECS secret named by a partial ARN fails the ECS agent's replay`, async () => {
    const faulty = planted((t) => {
      // What Secret.fromSecretNameV2 makes: valueFrom without the secret's random suffix, a grant on '<name>-??????'.
      const partial = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${clean.name}/edge-signing/private-key`;
      for (const task of Object.values(t.Resources).filter((r) => r.Type === "AWS::ECS::TaskDefinition")) {
        for (const secret of task.Properties.ContainerDefinitions.flatMap((c) => c.Secrets ?? [])) {
          if (secret.Name === "MediaDelivery__CloudFront__PrivateKey") secret.ValueFrom = partial;
        }
      }
      for (const policy of Object.values(t.Resources).filter((r) => r.Type === "AWS::IAM::Policy")) {
        for (const statement of policy.Properties.PolicyDocument.Statement) {
          if (JSON.stringify(statement.Resource ?? "").includes("EdgeSigningPrivateKeyArn")) statement.Resource = `${partial}-??????`;
        }
      }
    });
    expectSome((await checkIam(faulty, recordings)).results.denied, /^api \(ECS agent\) secretsmanager:GetSecretValue on .*edge-signing\/private-key: ImplicitlyDenied/, "iam");
  });

  await test(`planted (${clean.stage}): a key generation reading another generation's parameter fails rule signing-key-generations`, async () => {
    const facts = { recordings };
    const before = await ruleViolations(clean, "signing-key-generations", facts);
    if (before.length) throw new Error(`the template without the fault fails already:\n${before.join("\n")}`);
    const faulty = planted((t) => {
      const [, parameter] = Object.entries(t.Parameters).find(([n]) => /^EdgeSigningPublicKey\d+$/.test(n));
      parameter.Default = parameter.Default.replace(/\/edge-signing\/\d+\//, "/edge-signing/current/");
    });
    expectSome(await ruleViolations(faulty, "signing-key-generations", facts), /^EdgeSigningKey\d+\w*: key generation \d+, but its EncodedKey comes from EdgeSigningPublicKey\d+ \(\/Platform-\w+\/edge-signing\/current\/public-key\), which is not bound/, "signing-key-generations");
  });

  const alarm = (metricName) => Object.entries(clean.resources).find(([, r]) => r.Type === "AWS::CloudWatch::Alarm" && r.Properties.MetricName === metricName);
  const plantedRule = async (id, what, mutate, pattern) => test(`planted (${clean.stage}): ${what} fails rule ${id}`, async () => {
    const facts = { recordings };
    const before = await ruleViolations(clean, id, facts);
    if (before.length) throw new Error(`the template without the fault fails already:\n${before.join("\n")}`);
    expectSome(await ruleViolations(planted(mutate), id, facts), pattern, id);
  });
  const [edgeAlarm] = alarm("5xxErrorRate");
  await plantedRule("alarm-metrics", "an edge 5xx alarm without Region=Global", (t) => {
    const p = t.Resources[edgeAlarm].Properties;
    p.Dimensions = p.Dimensions.filter((d) => d.Name !== "Region");
  }, new RegExp(`${edgeAlarm}: AWS/CloudFront 5xxErrorRate with dimensions \\{DistributionId\\}`));
  const [unhealthyAlarm] = alarm("UnHealthyHostCount");
  await plantedRule("alarm-metrics", "an unhealthy-host alarm on the load balancer alone", (t) => {
    const p = t.Resources[unhealthyAlarm].Properties;
    p.Dimensions = p.Dimensions.filter((d) => d.Name !== "TargetGroup");
  }, /UnHealthyHostCount with dimensions \{LoadBalancer\}: AWS\/ApplicationELB publishes UnHealthyHostCount only with \{LoadBalancer, TargetGroup\}/);
  const [lagAlarm] = alarm("ReplicaLag");
  await plantedRule("alarm-metrics", "replica lag watched on the primary", (t) => {
    const primary = Object.entries(t.Resources).find(([, r]) => r.Type === "AWS::RDS::DBInstance" && !r.Properties.SourceDBInstanceIdentifier)[0];
    t.Resources[lagAlarm].Properties.Dimensions = [{ Name: "DBInstanceIdentifier", Value: { Ref: primary } }];
  }, /ReplicaLag: dimension DBInstanceIdentifier names .* but AWS publishes ReplicaLag only for a read replica/);
  const [evictionsAlarm] = alarm("Evictions");
  await plantedRule("alarm-metrics", "a Redis alarm on the replication group's id", (t) => {
    const dimension = t.Resources[evictionsAlarm].Properties.Dimensions[0];
    dimension.Value = { Ref: dimension.Value["Fn::Join"][1][0].Ref };
  }, /CacheClusterId names the replication group \w+ itself; ElastiCache publishes per member cluster/);
  await plantedRule("alarm-metrics", "a dimension naming a resource of another stack", (t) => {
    const dimension = t.Resources[unhealthyAlarm].Properties.Dimensions.find((d) => d.Name === "TargetGroup");
    dimension.Value = "targetgroup/elsewhere/0123456789abcdef";
  }, /dimension TargetGroup \("targetgroup\/elsewhere\/0123456789abcdef"\) names no AWS::ElasticLoadBalancingV2::TargetGroup of this stack/);
  await plantedRule("alarm-actions", "an alarm without actions", (t) => {
    delete t.Resources[edgeAlarm].Properties.AlarmActions;
  }, new RegExp(`${edgeAlarm}: no alarm action`));
  await plantedRule("alarm-actions", "an alarm that never says it cleared", (t) => {
    delete t.Resources[edgeAlarm].Properties.OKActions;
  }, new RegExp(`${edgeAlarm}: notifies \\w+ when it fires but not when it clears`));
  await plantedRule("telemetry-owned", "a collector that may create log groups", (t) => {
    const policy = Object.values(t.Resources).find((r) => r.Type === "AWS::IAM::Policy" && r.Properties.PolicyDocument.Statement.some((s) => [].concat(s.Action).includes("xray:PutTraceSegments")));
    policy.Properties.PolicyDocument.Statement.find((s) => [].concat(s.Action).includes("logs:PutLogEvents")).Action.push("logs:CreateLogGroup");
  }, /lets the task create log groups/);

  await test(`planted (${clean.stage}): removing the collector's log-group grant fails the IAM replay of its writes`, async () => {
    const cleanIam = await checkIam(clean, recordings);
    if (cleanIam.results.denied.length) throw new Error(`the template without the fault fails already:\n${cleanIam.results.denied.join("\n")}`);
    const faulty = planted((t) => {
      for (const policy of Object.values(t.Resources).filter((r) => r.Type === "AWS::IAM::Policy")) {
        policy.Properties.PolicyDocument.Statement = policy.Properties.PolicyDocument.Statement.filter((s) => ![].concat(s.Action).includes("logs:PutLogEvents"));
      }
    });
    expectSome((await checkIam(faulty, recordings)).results.denied, /^\w+ \(collector\) logs:PutLogEvents on arn:aws:logs:[^ ]+:log-stream:otlp: ImplicitlyDenied/, "iam");
  });

  // The Worker's rds-db:connect statements (its task role's policies), for the database faults below.
  const workerConnect = (t) => {
    const worker = Object.values(t.Resources).find((r) => r.Type === "AWS::ECS::TaskDefinition" && r.Properties.ContainerDefinitions.some((c) => (c.Environment ?? []).some((e) => e.Name === "OTEL_SERVICE_NAME" && e.Value === "worker")));
    const roleId = Stack.target(worker.Properties.TaskRoleArn);
    return Object.values(t.Resources)
      .filter((r) => r.Type === "AWS::IAM::Policy" && r.Properties.Roles.some((x) => x.Ref === roleId))
      .map((policy) => policy.Properties.PolicyDocument)
      .flatMap((document) => document.Statement.filter((s) => [].concat(s.Action).includes("rds-db:connect")).map((statement) => ({ document, statement })));
  };
  const databaseDenials = async (stack) => (await checkIam(stack, recordings)).results.denied.filter((d) => d.includes("(database)"));

  await test(`planted (${clean.stage}): removing the Worker's rds-db:connect grant fails the IAM replay of its database sign-in`, async () => {
    const cleanDenials = await databaseDenials(clean);
    if (cleanDenials.length) throw new Error(`the template without the fault fails already:\n${cleanDenials.join("\n")}`);
    const faulty = planted((t) => {
      const grants = workerConnect(t);
      if (!grants.length) throw new Error("the Worker's task role has no rds-db:connect grant to remove");
      for (const { document, statement } of grants) document.Statement = document.Statement.filter((s) => s !== statement);
    });
    expectSome(await databaseDenials(faulty), /^worker \(database\) rds-db:connect as platform_worker on PostgresServer\w+ \(ConnectionStrings__postgres\): ImplicitlyDenied/, "iam");
  });

  await test(`planted (${clean.stage}): a Worker grant naming the Api's database user fails the IAM replay both ways`, async () => {
    const faulty = planted((t) => {
      for (const { statement } of workerConnect(t)) statement.Resource = JSON.parse(JSON.stringify(statement.Resource).replace("/platform_worker", "/platform_api"));
    });
    const denials = await databaseDenials(faulty);
    expectSome(denials, /^worker \(database\) rds-db:connect as platform_worker on \w+ .*ImplicitlyDenied/, "iam");
    expectSome(denials, /^worker \(database\) may rds-db:connect as platform_api on \w+, another service's user: Allowed/, "iam");
  });

  // The Data Protection key rings: each ring-keeping service's own KMS calls pass, no other service may decrypt its ring.
  const taskRoleOf = (t, service) => Stack.target(Object.values(t.Resources).find((r) => r.Type === "AWS::ECS::TaskDefinition"
    && r.Properties.ContainerDefinitions.some((c) => (c.Environment ?? []).some((e) => e.Name === "OTEL_SERVICE_NAME" && e.Value === service))).Properties.TaskRoleArn);
  const keyRingStatement = (t, roleId) => Object.values(t.Resources)
    .filter((r) => r.Type === "AWS::IAM::Policy" && r.Properties.Roles.some((x) => x.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement.map((statement) => ({ policy: p, statement })))
    .find(({ statement }) => [].concat(statement.Action).includes("kms:Encrypt"));
  await test(`clean (${clean.stage}): the Api's and the Web's key-ring calls are allowed, and no other service (the Worker included) may decrypt their rings`, async () => {
    const { figures, results } = await checkIam(clean, recordings);
    const ringDenials = results.denied.filter((d) => d.includes("Data Protection key ring"));
    if (ringDenials.length) throw new Error(ringDenials.join("\n"));
    if (figures.keyRingCalls !== 4) throw new Error(`expected Encrypt and Decrypt for api and web (4 calls), replayed ${figures.keyRingCalls}`);
    if (figures.keyRingCrossChecks !== 4) throw new Error(`expected 4 cross-service attempts (web, worker on api's ring; api, worker on web's), made ${figures.keyRingCrossChecks}`);
    if (results.keyRingLeaks.length) throw new Error(results.keyRingLeaks.join("\n"));
  });
  await test(`planted (${clean.stage}): the Api's key-ring grant without its encryption-context condition lets the Api decrypt the Web's ring`, async () => {
    const faulty = planted((t) => {
      delete keyRingStatement(t, taskRoleOf(t, "api")).statement.Condition;
    });
    expectSome((await checkIam(faulty, recordings)).results.keyRingLeaks, /^api may kms:Decrypt web's Data Protection key ring/, "iam key rings");
  });
  await test(`planted (${clean.stage}): the Worker given the Api's key-ring grant may decrypt the Api's ring`, async () => {
    const faulty = planted((t) => {
      const { statement } = keyRingStatement(t, taskRoleOf(t, "api"));
      const worker = Object.values(t.Resources).find((r) => r.Type === "AWS::IAM::Policy" && r.Properties.Roles.some((x) => x.Ref === taskRoleOf(t, "worker")));
      worker.Properties.PolicyDocument.Statement.push(structuredClone(statement));
    });
    expectSome((await checkIam(faulty, recordings)).results.keyRingLeaks, /^worker may kms:Decrypt api's Data Protection key ring/, "iam key rings");
  });
  await test(`planted (${clean.stage}): removing the Web's key-ring grant fails the replay of its KMS calls`, async () => {
    const faulty = planted((t) => {
      const { policy, statement } = keyRingStatement(t, taskRoleOf(t, "web"));
      policy.Properties.PolicyDocument.Statement = policy.Properties.PolicyDocument.Statement.filter((s) => s !== statement);
    });
    expectSome((await checkIam(faulty, recordings)).results.denied, /^web kms:Encrypt on key DataProtectionKey\w+ \(its Data Protection key ring, context web\): ImplicitlyDenied/, "iam");
  });

  await plantedRule("waf-body-size", "a web ACL without its rule blocking bodies over the inspection limit", (t) => {
    const acl = Object.values(t.Resources).find((r) => r.Type === "AWS::WAFv2::WebACL").Properties;
    acl.Rules = acl.Rules.filter((r) => !r.Statement?.SizeConstraintStatement);
  }, /no rule blocks bodies over the 65536-byte inspection limit/);
  await plantedRule("cloudtrail-key-policy", "a data key whose CloudTrail statements name no trail", (t) => {
    const key = Object.values(t.Resources).find((r) => r.Type === "AWS::KMS::Key" && JSON.stringify(r.Properties.KeyPolicy).includes("cloudtrail.amazonaws.com"));
    for (const statement of key.Properties.KeyPolicy.Statement.filter((s) => JSON.stringify(s.Principal ?? "").includes("cloudtrail"))) delete statement.Condition;
  }, /lets CloudTrail kms:DescribeKey on \w+ for any trail/);

  await test(`planted (${clean.stage}): removing the Api's sqs:SendMessage grant fails the IAM replay`, async () => {
    const cleanIam = await checkIam(clean, recordings);
    if (cleanIam.results.denied.length) throw new Error(`the template without the fault fails already:\n${cleanIam.results.denied.join("\n")}`);
    const faulty = planted((t) => {
      const api = Object.values(t.Resources).find((r) => r.Type === "AWS::ECS::TaskDefinition" && r.Properties.ContainerDefinitions.some((c) => (c.Environment ?? []).some((e) => e.Name === "OTEL_SERVICE_NAME" && e.Value === "api")));
      const roleId = Stack.target(api.Properties.TaskRoleArn);
      for (const policy of Object.values(t.Resources).filter((r) => r.Type === "AWS::IAM::Policy" && r.Properties.Roles.some((x) => x.Ref === roleId))) {
        for (const statement of policy.Properties.PolicyDocument.Statement) {
          statement.Action = [].concat(statement.Action).filter((a) => a !== "sqs:SendMessage");
        }
        policy.Properties.PolicyDocument.Statement = policy.Properties.PolicyDocument.Statement.filter((s) => s.Action.length);
      }
    });
    expectSome((await checkIam(faulty, recordings)).results.denied, /^api sqs:SendMessage on arn:aws:sqs:.*: ImplicitlyDenied/, "iam");
  });

  await test(`planted (${clean.stage}): a read replica without IAM database authentication fails rule iam-database-auth`, async () => {
    const facts = { recordings };
    const cleanViolations = await ruleViolations(clean, "iam-database-auth", facts);
    if (cleanViolations.length) throw new Error(`the template without the fault fails already:\n${cleanViolations.join("\n")}`);
    const faulty = planted((t) => {
      const replica = Object.values(t.Resources).find((r) => r.Type === "AWS::RDS::DBInstance" && r.Properties.SourceDBInstanceIdentifier);
      if (!replica) throw new Error("the stage has no read replica");
      delete replica.Properties.EnableIAMDatabaseAuthentication;
    });
    expectSome(await ruleViolations(faulty, "iam-database-auth", facts), /^PostgresServerReplica\w+: \w+ grants rds-db:connect to it, but IAM database authentication is off \(a read replica does not inherit it/, "iam-database-auth");
  });

  await test(`planted (${clean.stage}): an alarm on a Container Insights metric of a cluster without Container Insights fails rule container-insights-alarms`, async () => {
    const facts = { recordings };
    const cleanViolations = await ruleViolations(clean, "container-insights-alarms", facts);
    if (cleanViolations.length) throw new Error(`the template without the fault fails already:\n${cleanViolations.join("\n")}`);
    const faulty = planted((t) => {
      const [clusterId, cluster] = Object.entries(t.Resources).find(([, r]) => r.Type === "AWS::ECS::Cluster");
      cluster.Properties.ClusterSettings = [{ Name: "containerInsights", Value: "disabled" }];
      const [serviceId] = Object.entries(t.Resources).find(([, r]) => r.Type === "AWS::ECS::Service");
      t.Resources.PlantedTasksRunning = { Type: "AWS::CloudWatch::Alarm", Properties: {
        Namespace: "ECS/ContainerInsights", MetricName: "RunningTaskCount", Statistic: "Average", Period: 60, EvaluationPeriods: 1, Threshold: 1,
        ComparisonOperator: "LessThanThreshold", Dimensions: [{ Name: "ClusterName", Value: { Ref: clusterId } }, { Name: "ServiceName", Value: { "Fn::GetAtt": [serviceId, "Name"] } }] } };
    });
    expectSome(await ruleViolations(faulty, "container-insights-alarms", facts), /^PlantedTasksRunning: watches ECS\/ContainerInsights RunningTaskCount of cluster \w+, whose Container Insights is disabled/, "container-insights-alarms");
  });

  await test(`planted (${clean.stage}): the stage's own CloudTrail trail and Container Insights are priced, not free`, async () => {
    const faulty = planted((t) => {
      const cluster = Object.values(t.Resources).find((r) => r.Type === "AWS::ECS::Cluster");
      cluster.Properties.ClusterSettings = [{ Name: "containerInsights", Value: "enabled" }];
    });
    const cost = checkCost(faulty);
    if (!(cost.groups.CloudTrail > 0)) throw new Error(`the stage's trail costs ${cost.groups.CloudTrail ?? 0}: a second copy of management events is paid`);
    if (!(cost.groups["Container Insights"] >= 10)) throw new Error(`Container Insights on ${Object.keys(faulty.resources).filter((id) => faulty.resources[id].Type === "AWS::ECS::Service").length} services costs ${cost.groups["Container Insights"] ?? 0}: its custom metrics are not counted`);
  });
}

const summary = {
  tests: tests.length,
  passed: tests.filter((t) => t.status === "passed").length,
  failed: tests.filter((t) => t.status === "failed").length,
  skipped: 0,
  pending: 0,
  other: 0,
  start: started,
  stop: Date.now(),
};
printTests(tests);
if (args.ctrf) writeCtrf(args.ctrf, "aws-checks-selftest", tests, summary);
console.log(`aws checks selftest: ${summary.passed} passed, ${summary.failed} failed`);
process.exit(summary.failed ? 1 : 0);
