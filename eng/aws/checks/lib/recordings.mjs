// What the integration tests recorded (tests/Integration.Tests/Recording: a startup hook in each service, a request log
// in the emulator, both loaded by the test fixture): each service's manifest (routes, request body limit, the local
// names of its AWS resources) and every S3/SQS request the emulator served, signed by the service it names.
import fs from "node:fs";
import path from "node:path";

export function loadRecordings(directory) {
  if (!directory || !fs.existsSync(directory)) return { directory, services: [], requests: [], missing: true };
  const services = fs.readdirSync(directory)
    .filter((f) => f.endsWith(".service.json"))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(directory, f), "utf8")));
  const log = path.join(directory, "aws-requests.jsonl");
  const requests = fs.existsSync(log)
    ? fs.readFileSync(log, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line))
    : [];
  return { directory, services, requests, missing: services.length === 0 };
}

// Ids as the services write them into keys: GUIDs with or without dashes.
const GUID = /[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}/gi;

/** An object key with its ids replaced: media/3f1c…/9a2b…/original → media/{id}/{id}/original. */
export function keyShape(key) {
  return key.replace(GUID, "{id}");
}

/** A concrete key for a shape. */
export function keyForShape(shape) {
  let n = 0;
  return shape.replace(/\{id\}/g, () => ["0b8e6a4c2f1d4c3b9e7a5d6f8a9b0c1d", "7c2e4a6b8d0f4b1ca3e5f7a9b1c3d5e7"][n++ % 2]);
}

/** Path-style S3 requests: { bucket, key } (key '' for the bucket itself). */
export function s3Target(request) {
  const [, bucket = "", ...rest] = request.path.split("/");
  return { bucket, key: rest.join("/") };
}
