// Policy checks on the synthesized CloudFormation templates, offline:
//   - cdk-nag's AwsSolutions rules, run on each template loaded into a JavaScript CDK app (CfnInclude). The C# stack is
//     checked as deployed, not as written; suppressions travel in the template as `cdk_nag` metadata, each with a reason.
//   - cfn-guard with AWS Control Tower's proactive controls (the rules and binary @cdklabs/cdk-validator-cfnguard ships).
//     Control Tower's rules read no metadata, so this script honours `cfn_guard` metadata (same format as cdk_nag's,
//     ids like CT.S3.PR.9), written beside the decision in AppHost/Aws (PolicySuppressions.cs), each with a reason.
// Usage: node eng/policy/check.mjs <cloud-assembly-dir> [report.json]
// Exits 1 on any unsuppressed finding or on a suppression without a reason.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const cdk = require("aws-cdk-lib");
const { CfnInclude } = require("aws-cdk-lib/cloudformation-include");
const { AwsSolutionsChecks } = require("cdk-nag");
const { CfnGuardValidator } = require("@cdklabs/cdk-validator-cfnguard");

const [assemblyDir, reportPath] = process.argv.slice(2);
if (!assemblyDir) {
  console.error("usage: node eng/policy/check.mjs <cloud-assembly-dir> [report.json]");
  process.exit(2);
}

const manifest = JSON.parse(fs.readFileSync(path.join(assemblyDir, "manifest.json"), "utf8"));
const templates = Object.entries(manifest.artifacts)
  .filter(([, a]) => a.type === "aws:cloudformation:stack")
  .map(([name, a]) => ({ name, file: path.resolve(assemblyDir, a.properties.templateFile) }))
  .map(t => ({ ...t, template: JSON.parse(fs.readFileSync(t.file, "utf8")) }))
  .sort((a, b) => a.name.localeCompare(b.name));

const MIN_REASON = 20;
const problems = [];
const report = { nag: { findings: [], suppressed: [] }, guard: { findings: [], suppressed: [] } };

// ---- cdk-nag ----
for (const { name, file, template } of templates) {
  // The app never synthesizes, but it needs an output folder: a temporary one, removed right after the check.
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "nag-"));
  let result;
  try {
    const app = new cdk.App({ outdir });
    // No bootstrap parameters of its own: the template already has them.
    const stack = new cdk.Stack(app, name, { synthesizer: new cdk.LegacyStackSynthesizer() });
    new CfnInclude(stack, "Template", { templateFile: file });
    result = new AwsSolutionsChecks(app).validateScope(app);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
  for (const violation of result.violations) {
    for (const resource of violation.violatingResources) {
      const logicalId = resource.constructPath.split("/").at(-1);
      const suppressions = template.Resources[logicalId]?.Metadata?.cdk_nag?.rules_to_suppress ?? [];
      const baseRule = violation.ruleName.replace(/\[.*\]$/, "");
      const match = suppressions.find(s => s.id === violation.ruleName || s.id === baseRule);
      const finding = { stack: name, resource: logicalId, rule: violation.ruleName, severity: violation.severity, description: violation.description };
      if (!match) {
        report.nag.findings.push(finding);
        problems.push(`cdk-nag ${violation.severity}: ${name}/${logicalId} ${violation.ruleName}: ${violation.description}`);
      } else if (!match.reason || match.reason.trim().length < MIN_REASON) {
        problems.push(`cdk-nag suppression of ${match.id} on ${name}/${logicalId} has no real reason`);
      } else {
        report.nag.suppressed.push({ ...finding, reason: match.reason });
      }
    }
  }
}

// ---- cfn-guard (Control Tower proactive controls) ----
const guard = new CfnGuardValidator().validate({ templatePaths: templates.map(t => t.file) });
for (const violation of guard.violations) {
  const control = /\[(CT\.[A-Z0-9]+\.PR\.\d+)\]/.exec(violation.description)?.[1] ?? violation.ruleName;
  for (const resource of violation.violatingResources) {
    const { name, template } = templates.find(t => t.file === resource.templatePath) ?? {};
    const logicalId = resource.resourceLogicalId;
    const match = (template?.Resources?.[logicalId]?.Metadata?.cfn_guard?.rules_to_suppress ?? []).find(s => s.id === control);
    const finding = { stack: name ?? resource.templatePath, resource: logicalId, rule: control, description: violation.description.split("\n")[0] };
    if (!match) {
      report.guard.findings.push(finding);
      problems.push(`cfn-guard: ${finding.stack}/${logicalId} ${finding.description}`);
    } else if (!match.reason || match.reason.trim().length < MIN_REASON) {
      problems.push(`cfn-guard suppression of ${control} on ${finding.stack}/${logicalId} has no real reason`);
    } else {
      report.guard.suppressed.push({ ...finding, reason: match.reason });
    }
  }
}

if (reportPath) fs.writeFileSync(reportPath, JSON.stringify(report, null, 2));
const count = r => `${r.findings.length} unsuppressed, ${r.suppressed.length} suppressed`;
console.log(`cdk-nag AwsSolutions: ${count(report.nag)} (${new Set(report.nag.suppressed.map(s => s.rule.replace(/\[.*\]$/, ""))).size} rules)`);
console.log(`cfn-guard Control Tower: ${count(report.guard)} (${new Set(report.guard.suppressed.map(s => s.rule)).size} rules)`);
for (const p of problems) console.log(`  ${p}`);
process.exit(problems.length === 0 ? 0 : 1);
