// Local S3 + SQS for the process runtime: fauxqs (https://www.npmjs.com/package/fauxqs), started through its
// programmatic API so that it binds 127.0.0.1 only (its CLI binds 0.0.0.0) and so that we can add what it lacks.
//
// What it lacks, and why this file exists: fauxqs 1.9.2 answers no CORS. Real S3 applies the bucket's CORS rules, so a
// browser can PUT to a presigned URL from the web origin. This hook plays that part for the origins the AppHost passes
// in CORS_ALLOWED_ORIGINS (the web endpoint), and for no one else.
// Nor does it keep an object's Cache-Control (S3 system metadata, sent back on every GET): the Worker stores
// thumbnails with one so browsers cache them, and the hooks below keep and return it as S3 does.
//
// It keeps everything in memory, as fauxqs does (its README: "No persistence"; it offers no supported way to keep state):
// a restart of the emulator loses every bucket, object, queue and message. The AppHost creates the bucket and the
// queues again once the emulator is back (AwsServiceHosting); the objects and messages are gone, which S3 and SQS never
// do, so a local restart is a clean slate for storage while Postgres still holds the media rows.
import { buildApp } from "fauxqs";

const port = Number.parseInt(process.env.PORT ?? "", 10);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`PORT must be a TCP port, got '${process.env.PORT ?? ""}'.`);
  process.exit(2);
}

const allowedOrigins = new Set(
  (process.env.CORS_ALLOWED_ORIGINS ?? "")
    .split(",")
    .map((origin) => origin.trim().replace(/\/+$/, ""))
    .filter(Boolean),
);

const app = buildApp({ logger: false, defaultRegion: process.env.AWS_REGION ?? "us-east-1" });

app.addHook("onRequest", async (request, reply) => {
  const origin = request.headers.origin;
  if (!origin || !allowedOrigins.has(origin)) {
    return;
  }

  reply.header("access-control-allow-origin", origin);
  reply.header("vary", "Origin");
  reply.header("access-control-expose-headers", "ETag, x-amz-request-id");
  if (request.method === "OPTIONS") {
    reply.header("access-control-allow-methods", "GET, PUT, POST, HEAD, DELETE");
    reply.header("access-control-allow-headers", request.headers["access-control-request-headers"] ?? "*");
    reply.header("access-control-max-age", "600");
    return reply.code(204).send();
  }
});

// Cache-Control per object ("bucket/key"), set by a successful PUT of the whole object and gone with it.
const cacheControl = new Map();
const objectOf = (request) => {
  const path = decodeURIComponent(request.url.split("?")[0]);
  const query = request.url.includes("?") ? new URLSearchParams(request.url.split("?")[1]) : new URLSearchParams();
  // Path style: /bucket/key... (SQS is POST only; a part upload or a copy is not the object's own metadata).
  return /^\/[^/]+\/.+/.test(path) && !query.has("partNumber") && !query.has("uploadId") ? path.slice(1) : null;
};

app.addHook("onResponse", async (request, reply) => {
  const object = objectOf(request);
  if (!object || reply.statusCode >= 300) return;
  if (request.method === "PUT" && !request.headers["x-amz-copy-source"]) {
    const value = request.headers["cache-control"];
    if (value) cacheControl.set(object, value);
    else cacheControl.delete(object);
  } else if (request.method === "DELETE") {
    cacheControl.delete(object);
  }
});

app.addHook("onSend", async (request, reply, payload) => {
  if ((request.method === "GET" || request.method === "HEAD") && [200, 206, 304].includes(reply.statusCode)) {
    const object = objectOf(request);
    const value = object && cacheControl.get(object);
    if (value) reply.header("cache-control", value);
  }
  return payload;
});

const shutdown = async (signal) => {
  console.log(`fauxqs: ${signal} received, stopping.`);
  await app.close();
  process.exit(0);
};
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));

await app.listen({ host: "127.0.0.1", port });
console.log(`fauxqs listening on http://127.0.0.1:${port} (CORS origins: ${[...allowedOrigins].join(", ") || "none"})`);
