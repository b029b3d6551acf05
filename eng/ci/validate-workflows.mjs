// Offline checks of the GitHub Actions workflows, in the test run:
//   1. each file parses as YAML (strict: duplicate keys are errors) and validates against the GitHub workflow schema
//      (@action-validator/core, which bundles SchemaStore's schema: no network);
//   2. every action is pinned to a version, and every repository script a step calls exists;
//   3. each workflow does what the platform relies on: ci runs eng/test.sh on pushes and pull requests; deploy runs on
//      main and by hand with a stage, assumes each stage's role through OIDC inside that stage's GitHub environment,
//      builds each commit's images once (never pushing a tag ECR has), deploys dev with their digests and prod with the
//      digests dev deployed, smoke-checks /health, and only then tags what each stage runs.
// Usage: node eng/ci/validate-workflows.mjs
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { parseDocument } from "yaml";

const require = createRequire(import.meta.url);
const { validateWorkflow } = require("@action-validator/core");
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const dir = path.join(root, ".github/workflows");
const problems = [];
const fail = (file, message) => problems.push(`${file}: ${message}`);

const workflows = {};
for (const file of fs.readdirSync(dir).filter(f => /\.ya?ml$/.test(f)).sort()) {
  const source = fs.readFileSync(path.join(dir, file), "utf8");
  const document = parseDocument(source, { uniqueKeys: true, prettyErrors: true });
  for (const error of document.errors) fail(file, `YAML: ${error.message}`);
  if (document.errors.length) continue;
  for (const error of validateWorkflow(source).errors) fail(file, `schema: ${error.title}${error.path ? ` at ${error.path}` : ""}${error.detail ? ` (${error.detail})` : ""}`);
  workflows[file] = document.toJS();
}

const steps = workflow => Object.values(workflow.jobs ?? {}).flatMap(job => job.steps ?? []);
const runs = workflow => steps(workflow).map(s => s.run ?? "").join("\n");

for (const [file, workflow] of Object.entries(workflows)) {
  for (const step of steps(workflow).filter(s => s.uses)) {
    if (!/^[\w.-]+\/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/.test(step.uses)) fail(file, `'${step.uses}' is not pinned to a version`);
  }
  for (const script of new Set(runs(workflow).match(/\beng\/[\w./-]+\.(sh|mjs)\b/g) ?? [])) {
    if (!fs.existsSync(path.join(root, script))) fail(file, `calls ${script}, which does not exist`);
  }
}

const require_ = (file, condition, message) => { if (!condition) fail(file, message); };

const ci = workflows["ci.yml"];
require_("ci.yml", ci, "missing");
if (ci) {
  require_("ci.yml", ci.on && "push" in ci.on && "pull_request" in ci.on, "must run on push and pull_request");
  require_("ci.yml", /\beng\/test\.sh\b/.test(runs(ci)), "must run eng/test.sh");
}

const deploy = workflows["deploy.yml"];
const stageWorkflow = workflows["deploy-stage.yml"];
require_("deploy.yml", deploy, "missing");
require_("deploy-stage.yml", stageWorkflow, "missing (deploy.yml deploys each stage through it)");
if (deploy && stageWorkflow) {
  const all = [deploy, stageWorkflow];
  const allSteps = all.flatMap(steps);
  const text = all.map(runs).join("\n");
  const jobs = deploy.jobs ?? {};
  require_("deploy.yml", deploy.on?.push?.branches?.includes("main"), "must run on pushes to main");
  const stage = deploy.on?.workflow_dispatch?.inputs?.stage;
  require_("deploy.yml", stage && JSON.stringify(stage.options) === JSON.stringify(["dev", "prod"]), "manual runs need a 'stage' input with dev and prod");
  for (const [file, workflow] of [["deploy.yml", deploy], ["deploy-stage.yml", stageWorkflow]]) {
    require_(file, workflow.permissions?.["id-token"] === "write", "needs 'id-token: write' for OIDC");
  }
  require_("deploy.yml", !allSteps.some(s => s.with?.["aws-access-key-id"] || s.with?.["aws-secret-access-key"]), "must not use stored access keys");
  require_("deploy.yml", /dotnet publish[^\n]*-t:PublishContainer/.test(fs.readFileSync(path.join(root, "eng/aws/release-images.sh"), "utf8")), "images must be built with dotnet publish -t:PublishContainer (eng/aws/release-images.sh)");
  require_("deploy.yml", !/\bdocker (build|push)\b|Dockerfile/.test(text), "must not use docker build/push or a Dockerfile");
  require_("deploy.yml", /eng\/aws\/publish\.sh/.test(text), "must publish the app model (eng/aws/publish.sh)");
  require_("deploy.yml", /curl[^\n]*\/health/.test(text), "must smoke-check /health through the public URL");
  require_("deploy-stage.yml", steps(stageWorkflow).some(s => /aws sns list-subscriptions-by-topic/.test(s.run ?? "") && /PendingConfirmation/.test(s.run ?? "") && /prod/.test(String(s.if ?? ""))),
    "must check after a prod deploy that the alarm topic's subscription is not PendingConfirmation (an unconfirmed e-mail pages nobody)");
  // configure-aws-credentials asks for one hour unless told; a first prod create takes longer.
  for (const [file, workflow] of [["deploy.yml", deploy], ["deploy-stage.yml", stageWorkflow]]) {
    for (const step of steps(workflow).filter(s => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))) {
      require_(file, Number(step.with?.["role-duration-seconds"]) >= 10800, "must ask for 3-hour credentials (role-duration-seconds: 10800, the deploy roles' MaxSessionDuration)");
    }
  }

  // Every job that gets AWS credentials runs in a GitHub environment: the deploy roles trust environments only.
  for (const [file, workflow] of [["deploy.yml", deploy], ["deploy-stage.yml", stageWorkflow]]) {
    for (const [name, job] of Object.entries(workflow.jobs ?? {})) {
      if ((job.steps ?? []).some(s => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))) {
        require_(file, job.environment, `job '${name}' assumes a deploy role outside a GitHub environment (the roles trust only environment:dev / environment:prod)`);
      }
    }
  }

  // Build once: one job builds, in the dev environment, through release-images.sh push, which skips a tag ECR has.
  const builders = Object.entries(jobs).filter(([, job]) => (job.steps ?? []).some(s => /release-images\.sh push\b/.test(s.run ?? "")));
  require_("deploy.yml", builders.length === 1, "exactly one job must build and push the images (eng/aws/release-images.sh push)");
  require_("deploy.yml", !/-t:PublishContainer/.test(text), "the workflow must never push a tag that may already exist: build only through eng/aws/release-images.sh push, which skips a tag ECR has");
  require_("deploy.yml", /^sha-\$\{\{ github\.sha \}\}$/.test(deploy.env?.IMAGE_TAG ?? ""), "the build tag must be sha-<commit> (the lifecycle policy keeps the last builds by that prefix)");
  const [builderName, builder] = builders[0] ?? [];
  if (builder) {
    require_("deploy.yml", builder.environment === "dev", "the images job must run in the dev environment (only the dev role may push)");
    const builderRuns = (builder.steps ?? []).map(s => s.run ?? "").join("\n");
    require_("deploy.yml", builderRuns.indexOf("PlatformImages") >= 0 && builderRuns.indexOf("PlatformImages") < builderRuns.indexOf("release-images.sh push"), "the image repositories must be deployed before the push");
    require_("deploy.yml", /digests/.test(builder.outputs?.digests ?? ""), "the images job must output the digests it pushed");
  }

  // Promote by digest: dev deploys what the images job pushed, prod what dev deployed, through deploy-stage.yml.
  const stageJob = name => jobs[name]?.uses === "./.github/workflows/deploy-stage.yml" ? jobs[name] : undefined;
  const dev = stageJob("dev"), prod = stageJob("prod");
  require_("deploy.yml", dev?.with?.stage === "dev" && dev?.needs === builderName && dev?.with?.digests === `\${{ needs.${builderName}.outputs.digests }}`, "job 'dev' must deploy deploy-stage.yml with the digests the images job pushed");
  require_("deploy.yml", prod?.with?.stage === "prod" && [prod?.needs].flat().includes("dev") && prod?.with?.digests === "${{ needs.dev.outputs.digests }}", "job 'prod' must deploy deploy-stage.yml after dev, with the digests dev deployed (needs.dev.outputs.digests)");
  require_("deploy.yml", /inputs\.stage == 'prod'/.test(prod?.if ?? ""), "prod must deploy only when asked for by hand (stage=prod)");
  require_("deploy.yml", !/ImageTag=|:\$IMAGE_TAG\b/.test(text), "the application stack must be deployed by digest, never by tag");

  const stageJobs = Object.values(stageWorkflow.jobs ?? {});
  require_("deploy-stage.yml", stageJobs.length === 1 && stageJobs[0].environment === "${{ inputs.stage }}", "the stage job must run in the environment named after the stage");
  require_("deploy-stage.yml", /jobs\.\w+\.outputs\.digests/.test(stageWorkflow.on?.workflow_call?.outputs?.digests?.value ?? ""), "must output the digests it deployed");
  const stageText = runs(stageWorkflow);
  const order = [
    'release-images.sh tag "artifacts/aws/digests-$STAGE.json" "$STAGE-deploying"',
    'release-images.sh parameters',
    "cdk deploy",
    "/health",
    'release-images.sh tag "artifacts/aws/digests-$STAGE.json" "$STAGE-current"',
  ].map(marker => stageText.indexOf(marker));
  require_("deploy-stage.yml", order.every((index, i) => index >= 0 && (i === 0 || index > order[i - 1])),
    "steps must run in order: tag <stage>-deploying, deploy with the digests' parameters, smoke check, tag <stage>-current (the lifecycle policy spares the images of these tags; a stage whose smoke check fails never marks its digests current)");
}

console.log(`workflows: ${Object.keys(workflows).length} checked (${Object.keys(workflows).join(", ")}), ${problems.length} problems`);
for (const problem of problems) console.log(`  ${problem}`);
process.exit(problems.length === 0 ? 0 : 1);
