// The way in, as the synthesized template builds it: CloudFront's cache behaviors (in order, first match wins, the
// default last), the viewer-request function of a behavior (run as CloudFront runs it), the origin it forwards to,
// the load balancer listener that origin reaches (port by the origin's protocol policy), the listener rules by
// priority, the target group, and the ECS service registered in it.
import vm from "node:vm";
import { Stack, ecsServices } from "./assembly.mjs";
import { globRegExp } from "./paths.mjs";

// AWS's managed cache policies the stack may use ("Use managed cache policies", CloudFront Developer Guide).
const MANAGED_CACHE_POLICIES = {
  "658327ea-f89d-4fab-a63d-7e88639e58f6": { name: "CachingOptimized", min: 1, default: 86400, max: 31536000, queryStrings: "none", headers: "none", cookies: "none" },
  "4135ea2d-6df8-44a3-9df3-4b5a84be39ad": { name: "CachingDisabled", min: 0, default: 0, max: 0, queryStrings: "none", headers: "none", cookies: "none" },
  "b2884449-e4de-46a7-ac36-70bc7f1ddd6d": { name: "CachingOptimizedForUncompressedObjects", min: 1, default: 86400, max: 31536000, queryStrings: "none", headers: "none", cookies: "none" },
  "83da9c7e-98b4-4e11-a168-04f0df8e2c65": { name: "UseOriginCacheControlHeaders", min: 0, default: 0, max: 31536000, queryStrings: "none", headers: "whitelist", cookies: "all" },
  "4cc15a8a-d715-48a4-82b8-cc0b614638fe": { name: "UseOriginCacheControlHeaders-QueryStrings", min: 0, default: 0, max: 31536000, queryStrings: "all", headers: "whitelist", cookies: "all" },
};

export class Edge {
  constructor(stack) {
    this.stack = stack;
    const [distributionId, distribution] = stack.single("AWS::CloudFront::Distribution");
    this.distributionId = distributionId;
    this.config = distribution.Properties.DistributionConfig;
    this.services = ecsServices(stack);
    this.origins = new Map((this.config.Origins ?? []).map((o) => [o.Id, this.origin(o)]));
    this.behaviors = [
      ...(this.config.CacheBehaviors ?? []).map((b) => this.behavior(b, b.PathPattern)),
      this.behavior(this.config.DefaultCacheBehavior, "*"),
    ];
  }

  get distributionArn() {
    return `arn:aws:cloudfront::123456789012:distribution/${this.distributionId}`;
  }

  behavior(raw, pattern) {
    const functionArn = (raw.FunctionAssociations ?? []).find((f) => f.EventType === "viewer-request")?.FunctionARN;
    const functionId = functionArn ? Stack.target(functionArn) : undefined;
    return {
      pattern,
      regexp: globRegExp(pattern),
      allowedMethods: raw.AllowedMethods ?? ["GET", "HEAD"],
      cachePolicy: this.cachePolicy(raw.CachePolicyId),
      signed: (raw.TrustedKeyGroups ?? []).length > 0 || (raw.TrustedSigners ?? []).length > 0,
      keyGroups: (raw.TrustedKeyGroups ?? []).map((k) => Stack.target(k)),
      functionId,
      handler: functionId ? this.compile(functionId) : undefined,
      origin: raw.TargetOriginId,
    };
  }

  cachePolicy(id) {
    if (typeof id === "string") {
      return MANAGED_CACHE_POLICIES[id] ?? { name: id, min: 0, default: 86400, max: 31536000, queryStrings: "none", headers: "none", cookies: "none", unknown: true };
    }
    const policyId = Stack.target(id);
    const config = this.stack.resources[policyId]?.Properties?.CachePolicyConfig;
    if (!config) return { name: String(policyId), min: 0, default: 86400, max: 31536000, queryStrings: "none", headers: "none", cookies: "none", unknown: true };
    const keys = config.ParametersInCacheKeyAndForwardedToOrigin ?? {};
    return {
      name: policyId,
      min: Number(config.MinTTL),
      default: Number(config.DefaultTTL),
      max: Number(config.MaxTTL),
      queryStrings: keys.QueryStringsConfig?.QueryStringBehavior ?? "none",
      queryStringNames: keys.QueryStringsConfig?.QueryStrings ?? [],
      headers: keys.HeadersConfig?.HeaderBehavior ?? "none",
      cookies: keys.CookiesConfig?.CookieBehavior ?? "none",
    };
  }

  /** The CloudFront Function's code, compiled in a fresh context: handler(event) as CloudFront calls it. */
  compile(functionId) {
    const code = this.stack.resolve(this.stack.resources[functionId]?.Properties?.FunctionCode);
    if (typeof code !== "string") return undefined;
    return vm.runInNewContext(`${code}\n;handler`, {}, { timeout: 1000 });
  }

  origin(raw) {
    const domain = String(this.stack.resolve(raw.DomainName));
    for (const [id] of this.stack.ofType("AWS::S3::Bucket")) {
      if ([this.stack.getAtt(id, "RegionalDomainName"), this.stack.getAtt(id, "DomainName")].includes(domain)) {
        return { kind: "s3", bucketId: id, path: raw.OriginPath ?? "", oac: Boolean(raw.OriginAccessControlId) };
      }
    }
    const loadBalancerId = this.loadBalancerFor(domain);
    if (loadBalancerId) {
      const policy = raw.CustomOriginConfig?.OriginProtocolPolicy ?? "match-viewer";
      const port = policy === "http-only" ? Number(raw.CustomOriginConfig?.HTTPPort ?? 80) : Number(raw.CustomOriginConfig?.HTTPSPort ?? 443);
      return { kind: "alb", loadBalancerId, port, domain };
    }
    return { kind: "unknown", domain };
  }

  /** The load balancer a domain name leads to: its own DNS name, or a Route 53 alias record of the stack. */
  loadBalancerFor(domain) {
    for (const [id] of this.stack.ofType("AWS::ElasticLoadBalancingV2::LoadBalancer")) {
      if (this.stack.getAtt(id, "DNSName") === domain) return id;
    }
    for (const [, record] of this.stack.ofType("AWS::Route53::RecordSet")) {
      const name = String(this.stack.resolve(record.Properties.Name)).replace(/\.$/, "");
      if (name !== domain || !record.Properties.AliasTarget) continue;
      const target = String(this.stack.resolve(record.Properties.AliasTarget.DNSName)).replace(/^dualstack\./, "").replace(/\.$/, "");
      return this.loadBalancerFor(target);
    }
    return undefined;
  }

  /**
   * Where a viewer request ends: { kind: 'service', service } | { kind: 's3', bucketId, key, signed } |
   * { kind: 'refused', reason }, with the behavior that took it and each hop on the way.
   */
  resolve(method, path) {
    const hops = [];
    const behavior = this.behaviors.find((b) => b.regexp.test(path));
    hops.push(`CloudFront behavior '${behavior.pattern}'`);
    const result = (outcome) => ({ ...outcome, behavior, hops });
    if (!behavior.allowedMethods.includes(method)) return result({ kind: "refused", reason: `${method} is not allowed by behavior '${behavior.pattern}' (${behavior.allowedMethods.join(", ")})` });

    let uri = path;
    if (behavior.handler) {
      const answer = behavior.handler({ version: "1.0", viewer: { ip: "192.0.2.1" }, request: { method, uri, querystring: {}, headers: {}, cookies: {} } });
      if (answer && answer.statusCode) return result({ kind: "refused", reason: `the behavior's function answers ${answer.statusCode}` });
      uri = answer.uri;
      hops.push(`function ${behavior.functionId} → ${uri}`);
    }

    const origin = this.origins.get(behavior.origin);
    if (!origin) return result({ kind: "refused", reason: `no origin '${behavior.origin}'` });
    if (origin.kind === "s3") {
      const key = `${origin.path}${uri}`.replace(/^\//, "");
      hops.push(`S3 bucket ${origin.bucketId} key '${key}'`);
      return result({ kind: "s3", bucketId: origin.bucketId, key, signed: behavior.signed });
    }
    if (origin.kind !== "alb") return result({ kind: "refused", reason: `origin ${origin.domain} is neither a bucket nor the load balancer` });
    return this.throughLoadBalancer(origin, method, uri, hops, result);
  }

  throughLoadBalancer(origin, method, uri, hops, result) {
    const listeners = this.stack.ofType("AWS::ElasticLoadBalancingV2::Listener")
      .filter(([, l]) => Stack.target(l.Properties.LoadBalancerArn) === origin.loadBalancerId && Number(l.Properties.Port) === origin.port);
    if (listeners.length !== 1) return result({ kind: "refused", reason: `no listener on port ${origin.port} of ${origin.loadBalancerId}` });
    const [listenerId, listener] = listeners[0];
    hops.push(`listener ${listenerId} (:${origin.port})`);
    const rules = this.stack.ofType("AWS::ElasticLoadBalancingV2::ListenerRule")
      .filter(([, r]) => Stack.target(r.Properties.ListenerArn) === listenerId)
      .sort(([, a], [, b]) => Number(a.Properties.Priority) - Number(b.Properties.Priority));
    let actions = listener.Properties.DefaultActions;
    let taken = "default action";
    for (const [ruleId, rule] of rules) {
      if (this.ruleMatches(rule, method, uri)) {
        actions = rule.Properties.Actions;
        taken = `rule ${ruleId} (priority ${rule.Properties.Priority})`;
        break;
      }
    }
    hops.push(taken);
    const action = [...actions].sort((a, b) => Number(a.Order ?? 0) - Number(b.Order ?? 0))[0];
    if (action.Type === "redirect") return result({ kind: "refused", reason: `the listener redirects (${action.RedirectConfig?.Protocol ?? ""}): CloudFront would hand the redirect to the browser` });
    if (action.Type !== "forward") return result({ kind: "refused", reason: `the listener answers with '${action.Type}'` });
    const targetGroup = Stack.target(action.TargetGroupArn ?? action.ForwardConfig?.TargetGroups?.[0]?.TargetGroupArn);
    const service = this.services.find((s) => s.targetGroups.includes(targetGroup));
    hops.push(`target group ${targetGroup}`);
    if (!service) return result({ kind: "refused", reason: `target group ${targetGroup} has no ECS service` });
    hops.push(`ECS service ${service.id} (${service.name})`);
    return result({ kind: "service", service: service.name, targetGroup });
  }

  /** The path patterns of every rule of the listeners the edge reaches, with the service each forwards to. */
  loadBalancerRules() {
    return this.stack.ofType("AWS::ElasticLoadBalancingV2::ListenerRule").map(([id, rule]) => {
      const patterns = (rule.Properties.Conditions ?? []).filter((c) => c.Field === "path-pattern")
        .flatMap((c) => c.PathPatternConfig?.Values ?? c.Values ?? []);
      const forward = (rule.Properties.Actions ?? []).find((a) => a.Type === "forward");
      const targetGroup = forward ? Stack.target(forward.TargetGroupArn ?? forward.ForwardConfig?.TargetGroups?.[0]?.TargetGroupArn) : undefined;
      return { id, patterns, service: this.services.find((s) => s.targetGroups.includes(targetGroup))?.name };
    });
  }

  ruleMatches(rule, method, uri) {
    for (const condition of rule.Properties.Conditions ?? []) {
      switch (condition.Field) {
        case "path-pattern": {
          const values = condition.PathPatternConfig?.Values ?? condition.Values ?? [];
          if (!values.some((v) => globRegExp(v).test(uri))) return false;
          break;
        }
        case "http-request-method":
          if (!(condition.HttpRequestMethodConfig?.Values ?? []).includes(method)) return false;
          break;
        default:
          // Host headers, query strings, source IPs: CloudFront sends every request of the site the same way, so a rule
          // that depends on them is one this check cannot decide. It never matches here, and the report says so.
          return false;
      }
    }
    return true;
  }
}
