// The ADOT collector sidecar as the template describes it: its container, its configuration (AOT_CONFIG_CONTENT) and
// where its exporters write (AppHost/Aws/Telemetry/CollectorConfiguration.cs names each place through an environment
// variable of the collector container, '${env:X}').
import { Stack } from "./assembly.mjs";

/** The environment variables the configuration names as an exporter's log group ('log_group_name: ${env:X}'). */
export function collectorLogGroupVariables(config) {
  return [...config.matchAll(/log_group_name:\s*\$\{env:([A-Za-z0-9_]+)\}/g)].map((m) => m[1]);
}

/** The collector container of a service (ecsServices), if it has one. */
export function collectorOf(service) {
  return service.containers.find((c) => /otel|collector|adot/i.test(`${c.Name} ${JSON.stringify(c.Image)}`));
}

/**
 * What the collector's exporters write, for the IAM replay: [{ action, logGroupId?, stream? }]. awsxray puts trace
 * segments; awscloudwatchlogs and awsemf create their stream and put log events into their group (the
 * "cwlogs" client of opentelemetry-collector-contrib: PutLogEvents, CreateLogStream when the stream is missing).
 */
export function collectorWrites(service) {
  const collector = collectorOf(service);
  if (!collector) return [];
  const env = Object.fromEntries((collector.Environment ?? []).map((e) => [e.Name, e.Value]));
  const config = env.AOT_CONFIG_CONTENT;
  if (typeof config !== "string") return [];
  const writes = [];
  const exporters = new Set([...config.matchAll(/^ {2}(aws[a-z]+):\s*$/gm)].map((m) => m[1]));
  if (exporters.has("awsxray")) writes.push({ action: "xray:PutTraceSegments" });
  const blocks = config.split(/^ {2}(?=aws[a-z]+:\s*$)/m);
  for (const block of blocks) {
    const group = /log_group_name:\s*\$\{env:([A-Za-z0-9_]+)\}/.exec(block);
    if (!group) continue;
    const stream = /log_stream_name:\s*(\S+)/.exec(block)?.[1] ?? "stream";
    const logGroupId = Stack.target(env[group[1]]);
    for (const action of ["logs:CreateLogStream", "logs:PutLogEvents"]) writes.push({ action, logGroupId, variable: group[1], stream });
  }
  return writes;
}
