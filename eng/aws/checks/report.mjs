// The one-screen deploy-readiness report of a stage (eng/aws/preflight.sh prints it): what the offline checks found,
// and what only an AWS account can tell.
//   node eng/aws/checks/report.mjs READINESS_JSON POLICY_JSON RECORDINGS_DIR [UNRUN]
// UNRUN: the steps that crashed or could not run, one a line; each makes the stage NOT READY, and so does a missing
// report: what is printed comes only from this run's reports.
import fs from "node:fs";
import { createRequire } from "node:module";
import { formatCost } from "./cost.mjs";

const require = createRequire(import.meta.url);
const [readinessFile, policyFile, recorded, unrunText = ""] = process.argv.slice(2);
const read = (file) => {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
};
const readiness = read(readinessFile);
const policy = read(policyFile);
const specVersion = require("@aws-cdk/aws-service-spec/package.json").version;

const lines = [];
const row = (label, text, ok) => lines.push(`  ${ok === undefined ? "  " : ok ? "ok" : "!!"}  ${label.padEnd(15)} ${text}`);
const problems = [];
const unrun = unrunText.split("\n").map((l) => l.trim()).filter(Boolean);
for (const step of unrun) {
  row("did not run", step, false);
  problems.push(`${step.replace(/ \(.*$/, "")} did not run`);
}
if (!policy && !unrun.some((s) => s.startsWith("policy"))) {
  row("did not run", `policy checks: no report at ${policyFile}`, false);
  problems.push("policy checks did not run");
}
if (!readiness) {
  if (!unrun.some((s) => s.startsWith("deploy-readiness"))) {
    row("did not run", `deploy-readiness checks: no report at ${readinessFile}`, false);
    problems.push("deploy-readiness checks did not run");
  }
  lines.push(`  NOT READY: ${problems.join(", ")}`);
  console.log(lines.join("\n"));
  process.exit(1);
}
const { figures, details } = readiness;

lines.unshift(`${readiness.stack} deploy readiness (offline): ${readiness.resources} resources in the application stack`);
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
if (figures.reachability) {
  const r = figures.reachability;
  const failed = (details.reachability ?? []).map((f) => f.name);
  row("reachability", `${r.required} required and ${r.forbidden} forbidden flows through routes, network ACLs and security groups: ${r.failed} wrong${failed.length ? ` (${failed.slice(0, 3).join("; ")}${failed.length > 3 ? "; …" : ""})` : ""}`, r.failed === 0);
  if (r.failed) problems.push("network reachability");
} else {
  row("reachability", "not checked", false);
  problems.push("reachability not checked");
}
if (details.cost) {
  const c = details.cost;
  row("cost", `${c.total.toFixed(2)} USD a month at list prices before traffic${c.budget !== undefined ? `, budget ${c.budget}` : ""}`, c.violations.length === 0);
  if (c.violations.length) problems.push(`cost (${c.violations.join("; ")})`);
  lines.push(formatCost(c));
} else {
  row("cost", "not computed", false);
  problems.push("cost not computed");
}
lines.push("  Only an AWS account can tell (docs/aws.md, \"What stays unverifiable offline\"):");
lines.push("    - the one-time setup ran in the account: cdk bootstrap, eng/aws/one-time-setup.sh (ECS service-linked role, edge signing key)");
lines.push("    - quotas and capacity (Fargate vCPUs, Elastic IPs, NAT gateways), engine versions offered today, the domain's certificates");
lines.push("    - the images exist in ECR under the ImageTag, and the services start and answer /alive in a task");
lines.push(problems.length ? `  NOT READY: ${problems.join(", ")}` : "  READY to deploy, as far as offline checks can tell");
console.log(lines.join("\n"));
process.exit(problems.length ? 1 : 0);
