// The one-screen deploy-readiness report of a stage (eng/aws/preflight.sh prints it): what the offline checks found,
// and what only an AWS account can tell.
//   node eng/aws/checks/report.mjs READINESS_JSON POLICY_JSON RECORDINGS_DIR
import fs from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const [readinessFile, policyFile, recorded] = process.argv.slice(2);
const readiness = JSON.parse(fs.readFileSync(readinessFile, "utf8"));
const policy = fs.existsSync(policyFile ?? "") ? JSON.parse(fs.readFileSync(policyFile, "utf8")) : undefined;
const specVersion = require("@aws-cdk/aws-service-spec/package.json").version;
const { figures, details } = readiness;

const lines = [];
const row = (label, text, ok) => lines.push(`  ${ok === undefined ? "  " : ok ? "ok" : "!!"}  ${label.padEnd(15)} ${text}`);
const problems = [];

lines.push(`${readiness.stack} deploy readiness (offline): ${readiness.resources} resources in the application stack`);
row("schema", `${figures.schemaErrors} errors, every template against the CloudFormation resource spec (@aws-cdk/aws-service-spec ${specVersion})`, figures.schemaErrors === 0);
if (figures.schemaErrors) problems.push("schema errors");
if (policy) {
  const unsuppressed = policy.nag.findings.length + policy.guard.findings.length;
  row("policies", `cdk-nag ${policy.nag.findings.length} and cfn-guard (Control Tower) ${policy.guard.findings.length} unsuppressed; ${policy.nag.suppressed.length + policy.guard.suppressed.length} suppressed with reasons`, unsuppressed === 0);
  if (unsuppressed) problems.push("policy findings");
}
const failedRules = (details.rules ?? []).filter((r) => r.violations.length);
row("rules", `${figures.rules} semantic rules, ${figures.ruleViolations} violations${failedRules.length ? `: ${failedRules.map((r) => r.id).join(", ")}` : ""}`, figures.ruleViolations === 0);
if (figures.ruleViolations) problems.push("rule violations");
if (figures.routing) {
  const r = figures.routing;
  const bad = r.unreachable + r.shadowed + r.exposed + r.uncached;
  row("routing", `${r.routes} routes (${r.requests} method+path requests) through CloudFront and the ALB: ${r.unreachable} unreachable, ${r.shadowed} shadowed, ${r.exposed} private exposed, ${r.uncached} static uncached`, bad === 0);
  if (bad) problems.push("routing");
} else {
  row("routing", `not checked: no recordings in ${recorded} (run the integration tests, or eng/aws/preflight.sh --record)`, false);
  problems.push("no recordings");
}
if (figures.iam) {
  const i = figures.iam;
  row("IAM replay", `${i.calls} recorded AWS calls (${i.evaluations} distinct evaluations) + ${i.agentCalls} ECS agent calls + ${i.collectorCalls ?? 0} collector writes: ${i.denied} denied`, i.denied === 0);
  if (i.denied) problems.push("denied calls");
  const unused = details.iam.unused;
  row("unused grants", `${i.unusedGrants}${unused.length ? ` (${unused.slice(0, 3).map((u) => u.replace(/ on .*$/, "")).join("; ")}${unused.length > 3 ? "; …" : ""})` : ""}; ${i.collectorGrants} of the ADOT collector's that none of its exporters uses`);
}
lines.push("  Only an AWS account can tell (README, \"What stays unverifiable offline\"):");
lines.push("    - the one-time setup ran in the account: cdk bootstrap, eng/aws/one-time-setup.sh (ECS service-linked role, edge signing key)");
lines.push("    - quotas and capacity (Fargate vCPUs, Elastic IPs, NAT gateways), engine versions offered today, the domain's certificates");
lines.push("    - the images exist in ECR under the ImageTag, and the services start and answer /alive in a task");
lines.push(problems.length ? `  NOT READY: ${problems.join(", ")}` : "  READY to deploy, as far as offline checks can tell");
console.log(lines.join("\n"));
process.exit(problems.length ? 1 : 0);
