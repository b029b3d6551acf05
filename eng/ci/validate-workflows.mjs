// Offline checks of the GitHub Actions workflows, in the test run:
//   1. each file parses as YAML (strict: duplicate keys are errors) and validates against the GitHub workflow schema
//      (@action-validator/core, which bundles SchemaStore's schema: no network);
//   2. every action is pinned to a version, and every repository script a step calls exists;
//   3. each workflow does what the platform relies on: ci runs eng/test.sh on pushes and pull requests; deploy runs on
//      main and by hand with a stage, assumes a role through OIDC, builds images with `dotnet publish -t:PublishContainer`
//      (no Dockerfile, no docker), deploys with the commit SHA as image tag, and smoke-checks /health.
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
require_("deploy.yml", deploy, "missing");
if (deploy) {
  const text = runs(deploy);
  require_("deploy.yml", deploy.on?.push?.branches?.includes("main"), "must run on pushes to main");
  const stage = deploy.on?.workflow_dispatch?.inputs?.stage;
  require_("deploy.yml", stage && JSON.stringify(stage.options) === JSON.stringify(["dev", "prod"]), "manual runs need a 'stage' input with dev and prod");
  require_("deploy.yml", deploy.permissions?.["id-token"] === "write", "needs 'id-token: write' for OIDC");
  const credentials = steps(deploy).find(s => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
  require_("deploy.yml", credentials?.with?.["role-to-assume"], "must assume a role with aws-actions/configure-aws-credentials");
  require_("deploy.yml", !steps(deploy).some(s => s.with?.["aws-access-key-id"] || s.with?.["aws-secret-access-key"]), "must not use stored access keys");
  require_("deploy.yml", /dotnet publish[^\n]*-t:PublishContainer/.test(text), "must build images with dotnet publish -t:PublishContainer");
  require_("deploy.yml", !/\bdocker (build|push)\b|Dockerfile/.test(text), "must not use docker build/push or a Dockerfile");
  require_("deploy.yml", deploy.env?.IMAGE_TAG === "${{ github.sha }}", "the image tag must be the commit SHA");
  require_("deploy.yml", /ContainerImageTags="\$IMAGE_TAG"/.test(text), "images must be tagged with $IMAGE_TAG");
  require_("deploy.yml", /eng\/aws\/publish\.sh/.test(text), "must publish the app model (eng/aws/publish.sh)");
  require_("deploy.yml", /cdk deploy[^\n]*PlatformImages/.test(text), "must deploy the image repositories before pushing");
  require_("deploy.yml", /cdk deploy[\s\S]*ImageTag=\$IMAGE_TAG/.test(text), "must deploy the application stack with ImageTag=$IMAGE_TAG");
  require_("deploy.yml", /curl[^\n]*\/health/.test(text), "must smoke-check /health through the public URL");
  const order = ["PlatformImages", "PublishContainer", "ImageTag=$IMAGE_TAG", "/health"].map(marker => text.indexOf(marker));
  require_("deploy.yml", order.every((index, i) => index >= 0 && (i === 0 || index > order[i - 1])), "steps must run in order: repositories, images, application stack, smoke check");
}

console.log(`workflows: ${Object.keys(workflows).length} checked (${Object.keys(workflows).join(", ")}), ${problems.length} problems`);
for (const problem of problems) console.log(`  ${problem}`);
process.exit(problems.length === 0 ? 0 : 1);
