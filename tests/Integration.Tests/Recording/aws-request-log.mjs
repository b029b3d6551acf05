// The emulator's request log for the offline IAM check (eng/aws/checks), kept on the test side: the integration tests
// load this module into the emulator's Node process (NODE_OPTIONS=--import=…, REQUEST_LOG=<file>), so the emulator
// itself (eng/local-aws/server.mjs) carries no recording code.
//
// Fastify announces every instance it creates on its public diagnostics channel 'fastify.initialization' (Fastify's
// "Diagnostics Channel" documentation); this adds an onResponse hook to it before fauxqs registers its routes. One JSON
// line per request: who signed it (the access key id; the tests give each service its own) and what it asked for,
// presigned URLs included.
import diagnostics from "node:diagnostics_channel";
import fs from "node:fs";

const file = process.env.REQUEST_LOG;
const initialization = diagnostics.channel("fastify.initialization");
if (file) {
  const log = fs.createWriteStream(file, { flags: "a" });
  const credential = (request, query) =>
    /Credential=([^/,\s]+)\//.exec(request.headers.authorization ?? "")?.[1] ?? query.get("X-Amz-Credential")?.split("/")[0] ?? null;
  // Held at module scope: a channel with subscribers must stay referenced.
  initialization.subscribe(({ fastify }) => {
    fastify.addHook("onResponse", async (request, reply) => {
      const [path, search = ""] = request.url.split("?", 2);
      const query = new URLSearchParams(search);
      const body = request.body && typeof request.body === "object" && !Buffer.isBuffer(request.body) ? request.body : {};
      log.write(JSON.stringify({
        principal: credential(request, query),
        presigned: query.has("X-Amz-Signature"),
        method: request.method,
        path: decodeURIComponent(path),
        query: [...new Set(query.keys())].filter((k) => !k.startsWith("X-Amz-")).sort(),
        xId: query.get("x-id"),
        target: request.headers["x-amz-target"] ?? null,
        queueUrl: body.QueueUrl ?? null,
        queueName: body.QueueName ?? null,
        // DeleteObjects names its keys in the body; each needs s3:DeleteObject.
        keys: query.has("delete") && Buffer.isBuffer(request.body) ? [...request.body.toString("utf8").matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]) : undefined,
        status: reply.statusCode,
      }) + "\n");
    });
  });
}
