// Routing check: every route the running app really serves (recorded by the integration tests from each service's
// endpoint data source) resolved through the synthesized CloudFront behaviors and the load balancer's listener rules:
//   - reach:    each route of a public service arrives at that service, for each of its methods;
//   - shadow:   no edge behavior or listener rule takes any path of a route to another service or to a bucket
//               (decided exactly on the patterns, not on samples);
//   - private:  signed-in routes pass only through behaviors that cache nothing; a bucket is reachable only through a
//               behavior that requires CloudFront signed URLs, and only for the objects the media contract delivers
//               through the edge (thumbnails and previews), never an original;
//   - caching:  static assets pass through a behavior that caches them, keyed by their version query string;
//   - host:     each page and API call arrives with a Host the origin's certificate covers (else CloudFront answers
//               502: reach), and the service sees the public host name (the Host it builds absolute URLs and
//               redirects from): the viewer's Host, or X-Forwarded-Host set by CloudFront and accepted by the service;
//   - origin:   only this distribution reaches the load balancer: a VPC origin to an internal load balancer in private
//               subnets whose security groups admit CloudFront and no address range; nothing else bypasses the WAF.
import { ACCOUNT } from "./lib/assembly.mjs";
import { Edge } from "./lib/edge.mjs";
import { globTokens, isCatchAll, overlaps, routeTokenLists, samplePath } from "./lib/paths.mjs";
import { keyForShape, keyShape, s3Target } from "./lib/recordings.mjs";
import { simulate } from "./lib/simulate.mjs";

// Routes the services map only in Development (the integration tests run them so); in AWS they run as Production.
// Each entry names where the code decides it.
export const DEVELOPMENT_ONLY_ROUTES = [
  { service: "api", pattern: /^\/scalar(\/|$)/, why: "MapScalarApiReference runs only in Development (Api/Infrastructure/ApiDefaults.cs)" },
];

// The media delivery contract (docs/aws.md, "Media through CloudFront"): thumbnails and previews go through the edge as
// CloudFront signed URLs; originals are downloaded only through S3 presigned URLs made for their owner.
export const EDGE_DELIVERED_OBJECT = /\/thumb-\d+\.webp$/;

// Paths for the load balancer and the orchestrator, not for browsers: they are checked by the semantic rules.
const isHealthEndpoint = (route) => route.displayName === "Health checks";

const methodsOf = (route) => route.methods ?? (route.displayName?.startsWith("/") ? ["GET", "POST"] : ["GET"]);

export async function checkRouting(stack, recordings) {
  const edge = new Edge(stack);
  const publicServices = new Set(edge.services.filter((s) => s.targetGroups.length > 0).map((s) => s.name));
  const figures = { routes: 0, requests: 0, unreachable: 0, shadowed: 0, exposed: 0, uncached: 0, wrongHost: 0, originExposures: 0 };
  const results = { reach: [], shadow: [], private: [], caching: [], host: [], origin: [] };

  const routes = [];
  const seen = new Set();
  for (const manifest of recordings.services) {
    for (const route of manifest.routes) {
      const developmentOnly = DEVELOPMENT_ONLY_ROUTES.find((d) => d.service === manifest.service && d.pattern.test(route.pattern));
      // MapStaticAssets maps a file twice (content negotiation for its compressed form): one route is enough.
      const key = JSON.stringify([manifest.service, route.pattern, route.methods, route.authorized]);
      if (developmentOnly || isHealthEndpoint(route) || seen.has(key)) continue;
      seen.add(key);
      routes.push({ ...route, service: manifest.service });
    }
  }

  // reach
  for (const route of routes.filter((r) => publicServices.has(r.service))) {
    figures.routes++;
    for (const method of methodsOf(route)) {
      figures.requests++;
      const path = samplePath(route.pattern);
      const outcome = edge.resolve(method, path);
      if (outcome.kind !== "service" || outcome.service !== route.service) {
        figures.unreachable++;
        results.reach.push(`${route.service} ${method} ${route.pattern}: ${method} ${path} ends ${describe(outcome)} (${outcome.hops.join(" → ")})`);
        continue;
      }
      // A static file's bytes do not depend on the host; every other answer may name it (a redirect's Location).
      for (const viewerHost of edge.viewerHosts.filter(() => !route.staticAsset)) {
        const seen = viewerHost === edge.viewerHosts[0] ? outcome : edge.resolve(method, path, { viewerHost });
        if (seen.appHost !== viewerHost) {
          figures.wrongHost++;
          results.host.push(`${route.service} ${method} ${route.pattern}: a request for ${viewerHost} reaches ${route.service} as host '${seen.appHost}' (Host '${seen.host}'): its redirects and absolute URLs name a host browsers do not reach (${seen.hops.join(" → ")})`);
        }
      }
    }
  }

  // origin: nothing but this distribution reaches the load balancer.
  for (const problem of edge.originExposure()) {
    figures.originExposures++;
    results.origin.push(problem);
  }
  for (const route of routes.filter((r) => !publicServices.has(r.service))) {
    const outcome = edge.resolve("GET", samplePath(route.pattern));
    if (outcome.kind === "service" && outcome.service === route.service) results.private.push(`${route.service} is not public, yet ${route.pattern} reaches it from the edge`);
  }

  // shadow: exact overlaps of each route with the behaviors before the default and with the listener rules.
  const behaviorDestinations = edge.behaviors.slice(0, -1).map((b) => ({ behavior: b, origin: edge.origins.get(b.origin) }));
  const rules = edge.loadBalancerRules();
  for (const route of routes.filter((r) => publicServices.has(r.service) && !isCatchAll(r.pattern))) {
    const tokenLists = routeTokenLists(route.pattern);
    const overlapping = (pattern) => tokenLists.some((tokens) => overlaps(globTokens(pattern), tokens));
    for (const { behavior, origin } of behaviorDestinations) {
      if (!overlapping(behavior.pattern)) continue;
      if (origin?.kind !== "alb") {
        figures.shadowed++;
        results.shadow.push(`${route.service} ${route.pattern}: CloudFront behavior '${behavior.pattern}' sends its paths to ${origin?.kind === "s3" ? `the bucket ${origin.bucketId}` : "another origin"}`);
      } else {
        const refused = methodsOf(route).filter((m) => !behavior.allowedMethods.includes(m));
        if (refused.length) {
          figures.shadowed++;
          results.shadow.push(`${route.service} ${route.pattern}: CloudFront behavior '${behavior.pattern}' refuses ${refused.join(", ")}`);
        }
      }
    }
    for (const rule of rules) {
      if (rule.service && rule.service !== route.service && rule.patterns.some(overlapping)) {
        figures.shadowed++;
        results.shadow.push(`${route.service} ${route.pattern}: listener rule ${rule.id} (${rule.patterns.join(", ")}) sends its paths to ${rule.service}`);
      }
    }
  }

  // private: signed-in routes never cached; buckets only through signed behaviors, only for edge-delivered objects.
  for (const route of routes.filter((r) => r.authorized && publicServices.has(r.service))) {
    for (const method of methodsOf(route)) {
      const outcome = edge.resolve(method, samplePath(route.pattern));
      if (outcome.behavior.cachePolicy.max > 0) {
        figures.exposed++;
        results.private.push(`${route.service} ${method} ${route.pattern} needs a signed-in user but behavior '${outcome.behavior.pattern}' caches responses (${outcome.behavior.cachePolicy.name}, max TTL ${outcome.behavior.cachePolicy.max} s)`);
      }
    }
  }
  for (const { behavior, origin } of behaviorDestinations.concat([{ behavior: edge.behaviors.at(-1), origin: edge.origins.get(edge.behaviors.at(-1).origin) }])) {
    if (origin?.kind === "s3" && !behavior.signed) {
      figures.exposed++;
      results.private.push(`behavior '${behavior.pattern}' serves the bucket ${origin.bucketId} without requiring signed URLs: every object under it is public`);
    }
  }
  const api = edge.services.find((s) => s.environment["MediaDelivery__CloudFront__BaseUrl"] !== undefined);
  const basePath = api ? new URL(String(stack.resolve(api.environment["MediaDelivery__CloudFront__BaseUrl"]))).pathname.replace(/\/$/, "") : undefined;
  if (!api) {
    results.private.push("no service is given MediaDelivery:CloudFront:BaseUrl: thumbnails and previews bypass the edge (S3 presigned URLs, never cached)");
  }
  const shapes = objectShapes(recordings);
  for (const shape of shapes) {
    const key = keyForShape(shape);
    const viewerPaths = [`/${key}`, ...(basePath !== undefined ? [`${basePath}/${key}`] : [])];
    const meant = EDGE_DELIVERED_OBJECT.test(shape);
    let delivered = false;
    for (const viewerPath of viewerPaths) {
      const outcome = edge.resolve("GET", viewerPath);
      if (outcome.kind !== "s3") continue;
      const readable = await cloudFrontMayRead(stack, edge, outcome.bucketId, outcome.key);
      if (!readable) continue;
      if (!meant) {
        figures.exposed++;
        results.private.push(`GET ${viewerPath} serves the private object '${shape}' from the bucket ${outcome.bucketId}${outcome.signed ? " (signed URL)" : " to anyone"}`);
      } else if (outcome.key !== key) {
        results.private.push(`GET ${viewerPath} reaches '${outcome.key}' instead of '${key}'`);
      } else if (viewerPath === `${basePath}/${key}`) {
        delivered = true;
      }
    }
    if (meant && api && !delivered) results.private.push(`{BaseUrl}/${shape} (${basePath}/…) does not reach the object through a signed behavior the bucket lets CloudFront read`);
  }

  // caching: static assets at the edge, keyed by the version query string asp-append-version adds.
  for (const route of routes.filter((r) => r.staticAsset && publicServices.has(r.service))) {
    const outcome = edge.resolve("GET", samplePath(route.pattern));
    const policy = outcome.behavior.cachePolicy;
    const versioned = policy.queryStrings === "all" || (policy.queryStrings === "whitelist" && policy.queryStringNames.includes("v"));
    if (policy.max === 0 || policy.default === 0 || !versioned) {
      figures.uncached++;
      results.caching.push(`${route.service} ${route.pattern}: behavior '${outcome.behavior.pattern}' (${policy.name}) ${policy.max === 0 || policy.default === 0 ? "caches nothing" : "leaves the version query string 'v' out of the cache key"}`);
    }
  }

  return { figures, results, shapes };
}

/** The object key shapes the services wrote during the tests (uploads, thumbnails), ids replaced by {id}. */
export function objectShapes(recordings) {
  const shapes = new Set();
  for (const request of recordings.requests) {
    if (!request.principal || request.principal === "test") continue;
    const isWrite = request.method === "PUT" || (request.method === "POST" && request.query.includes("uploads"));
    if (!isWrite || request.target) continue;
    const { key } = s3Target(request);
    if (key) shapes.add(keyShape(key));
  }
  return [...shapes].sort();
}

/** Whether the bucket's policy (and the key policy behind it) let this distribution's OAC read an object. */
async function cloudFrontMayRead(stack, edge, bucketId, key) {
  const bucketName = stack.ref(bucketId);
  const policy = stack.ofType("AWS::S3::BucketPolicy").find(([, p]) => p.Properties.Bucket?.Ref === bucketId)?.[1];
  if (!policy) return false;
  const result = await simulate({
    principal: "cloudfront.amazonaws.com",
    action: "s3:GetObject",
    resource: `arn:aws:s3:::${bucketName}/${key}`,
    account: ACCOUNT,
    context: { "aws:SourceArn": edge.distributionArn, "aws:SourceAccount": ACCOUNT, "aws:SecureTransport": "true" },
    resourcePolicy: stack.resolve(policy.Properties.PolicyDocument),
  });
  return result.allowed;
}

function describe(outcome) {
  switch (outcome.kind) {
    case "service": return `at ${outcome.service}`;
    case "s3": return `at the bucket ${outcome.bucketId}, key '${outcome.key}'`;
    default: return `refused: ${outcome.reason}`;
  }
}
