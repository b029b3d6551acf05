// The offline deploy-readiness checks of one synthesized stage, as tests:
//   node eng/aws/checks/run.mjs --assembly artifacts/aws/dev [--recorded artifacts/recorded] [--require-recordings]
//        [--ctrf results.ctrf] [--report report.json] [--families schema,rules,routing,iam,reachability,cost]
// Families: schema (every template against the CloudFormation resource specification), rules (semantic rules, one
// test each), routing (the app's real routes through CloudFront and the load balancer), iam (the recorded AWS calls
// replayed against the stack's policies, plus the grants nothing used), reachability (each required and forbidden
// network flow through routes, network ACLs and security groups, one test each), cost (the fixed monthly cost at list
// prices against the stage's budget). Writes a CTRF file (eng/test.sh counts it)
// and a JSON report (eng/aws/preflight.sh prints it); exits 1 when a test failed.
import fs from "node:fs";
import path from "node:path";
import { applicationStack, loadAssembly } from "./lib/assembly.mjs";
import { loadRecordings } from "./lib/recordings.mjs";
import { checkTemplate } from "./schema.mjs";
import { checkRules } from "./rules.mjs";
import { checkRouting } from "./routing.mjs";
import { checkIam } from "./iam.mjs";
import { checkReachability } from "./reachability.mjs";
import { checkCost } from "./cost.mjs";

export async function runChecks({ assembly: assemblyDir, recorded, requireRecordings = false, families = ["schema", "rules", "routing", "iam", "reachability", "cost"] }) {
  const started = Date.now();
  const assembly = loadAssembly(assemblyDir);
  const stack = applicationStack(assembly);
  const recordings = loadRecordings(recorded);
  const tests = [];
  const report = { stage: stack.stage, stack: stack.name, resources: Object.keys(stack.resources).length, figures: {}, details: {} };
  const test = (name, failures, { skipped } = {}) => {
    tests.push({
      name: `${stack.stage}: ${name}`,
      status: skipped ? "skipped" : failures.length ? "failed" : "passed",
      duration: 0,
      message: skipped ?? failures.join("\n"),
    });
  };
  const needsRecordings = (name) => {
    if (!recordings.missing) return false;
    if (requireRecordings) test(name, [`no recordings in ${recorded}: run the integration tests first (dotnet test --project tests/Integration.Tests)`]);
    else test(name, [], { skipped: `no recordings in ${recorded ?? "(none given)"}` });
    return true;
  };

  if (families.includes("schema")) {
    let errors = 0;
    for (const { name, template } of assembly.stacks) {
      const problems = checkTemplate(template);
      errors += problems.length;
      test(`schema ${name}: every resource, property and attribute exists in the CloudFormation resource specification`, problems);
    }
    report.figures.schemaErrors = errors;
  }

  if (families.includes("rules")) {
    const results = await checkRules(stack, { recordings });
    for (const result of results) test(`rule ${result.id}: ${result.title}`, result.violations, { skipped: result.skipped });
    report.figures.rules = results.length;
    report.figures.ruleViolations = results.reduce((n, r) => n + r.violations.length, 0);
    report.details.rules = results;
  }

  if (families.includes("routing") && !needsRecordings("routing")) {
    const { figures, results } = await checkRouting(stack, recordings);
    test("routing: every route of a public service reaches it through CloudFront and the load balancer", results.reach);
    test("routing: no edge behavior or listener rule shadows a route", results.shadow);
    test("routing: nothing private resolves to a public origin or a cached behavior", results.private);
    test("routing: static assets are cached at the edge, keyed by their version", results.caching);
    test("routing: each service sees the public host name, and the origin a Host its certificate covers", results.host);
    test("routing: only this stack's CloudFront distribution reaches the load balancer (VPC origin, internal, no address range admitted)", results.origin);
    report.figures.routing = figures;
    report.details.routing = results;
  }

  if (families.includes("iam") && !needsRecordings("iam")) {
    const { figures, results } = await checkIam(stack, recordings);
    test("iam: every AWS call the services made in the integration tests is allowed by the stack's policies", [...results.denied.filter((d) => !d.includes("(ECS agent)") && !d.includes("(collector)") && !d.includes("(database)")), ...results.unmapped]);
    test("iam: each task role may sign in to the database (rds-db:connect) as exactly its service's users", results.denied.filter((d) => d.includes("(database)")));
    test("iam: no service may decrypt another service's Data Protection key ring", results.keyRingLeaks ?? []);
    test("iam: every write of the ADOT collector's exporters (X-Ray, the stack's telemetry log groups) is allowed to the task role", results.denied.filter((d) => d.includes("(collector)")));
    test("iam: every call the ECS agent makes for a task (secrets, logs, image) is allowed to its execution role", results.denied.filter((d) => d.includes("(ECS agent)")));
    report.figures.iam = figures;
    report.details.iam = results;
  }

  if (families.includes("reachability")) {
    const { figures, tests: flows } = checkReachability(stack);
    for (const flow of flows) test(`reachability: ${flow.name}`, flow.failures);
    report.figures.reachability = figures;
    report.details.reachability = flows.filter((f) => f.failures.length);
  }

  if (families.includes("cost")) {
    const cost = checkCost(stack);
    test(`cost: the fixed monthly cost at list prices is within the stage's budget${cost.budget === undefined ? " (none set: printed only)" : ""}`, cost.violations);
    report.figures.cost = { total: cost.total, budget: cost.budget, priced: cost.priced };
    report.details.cost = cost;
  }

  const stopped = Date.now();
  const summary = {
    tests: tests.length,
    passed: tests.filter((t) => t.status === "passed").length,
    failed: tests.filter((t) => t.status === "failed").length,
    skipped: tests.filter((t) => t.status === "skipped").length,
    pending: 0,
    other: 0,
    start: started,
    stop: stopped,
  };
  return { tests, summary, report };
}

export function writeCtrf(file, toolName, tests, summary) {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ results: { tool: { name: toolName }, summary, tests } }, null, 2));
}

export function printTests(tests) {
  for (const t of tests) {
    console.log(`${t.status === "passed" ? "  ok  " : t.status === "skipped" ? "  skip" : "  FAIL"} ${t.name}`);
    if (t.status !== "passed" && t.message) for (const line of t.message.split("\n").slice(0, 25)) console.log(`         ${line}`);
  }
}

function parseArguments(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, "");
    if (name === "require-recordings") options.requireRecordings = true;
    else options[name.replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = argv[++i];
  }
  if (options.families) options.families = options.families.split(",");
  return options;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const options = parseArguments(process.argv.slice(2));
  if (!options.assembly) {
    console.error("usage: node eng/aws/checks/run.mjs --assembly DIR [--recorded DIR] [--require-recordings] [--ctrf FILE] [--report FILE] [--families schema,rules,routing,iam,reachability,cost]");
    process.exit(2);
  }
  const { tests, summary, report } = await runChecks(options);
  printTests(tests);
  if (options.ctrf) writeCtrf(options.ctrf, "aws-deploy-readiness", tests, summary);
  if (options.report) fs.writeFileSync(options.report, JSON.stringify(report, null, 2));
  console.log(`aws checks (${report.stack}): ${summary.passed} passed, ${summary.failed} failed${summary.skipped ? `, ${summary.skipped} skipped` : ""} in ${((summary.stop - summary.start) / 1000).toFixed(1)} s`);
  process.exit(summary.failed ? 1 : 0);
}
