// The way in, as the synthesized template builds it: CloudFront's cache behaviors (in order, first match wins, the
// default last), the viewer-request function of a behavior (run as CloudFront runs it), the origin it forwards to
// (a bucket, a VPC origin or a public custom origin), the Host CloudFront sends it (the behavior's origin request
// policy) and whether the origin's certificate covers that name, the load balancer listener that origin reaches (port
// by the protocol policy), the listener rules by priority, the target group, the ECS service registered in it, and the
// host name that service believes the request was for (Host, or X-Forwarded-Host when it accepts that value).
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

// AWS's managed origin request policies ("Use managed origin request policies", CloudFront Developer Guide): whether
// the viewer's Host reaches the origin (else CloudFront sends the origin's domain name), and whether every other
// viewer header does.
const MANAGED_ORIGIN_REQUEST_POLICIES = {
  "216adef6-5c7f-47e4-b989-5492eafa07d3": { name: "AllViewer", host: true, viewerHeaders: true },
  "33f36d7e-f396-46d9-90e0-52428a34d9dc": { name: "AllViewerAndCloudFrontHeaders-2022-06", host: true, viewerHeaders: true },
  "b689b0a8-53d0-40ab-baf2-68738e2966ac": { name: "AllViewerExceptHostHeader", host: false, viewerHeaders: true },
  "bf0718e1-ba1e-49d1-88b1-f726733018ae": { name: "HostHeaderOnly", host: true, viewerHeaders: false },
  "acba4595-bd28-49b8-b9fe-13317c0390fa": { name: "UserAgentRefererHeaders", host: false, viewerHeaders: false },
  "59781a5b-3903-41f3-afcb-af62929ccde1": { name: "CORS-CustomOrigin", host: false, viewerHeaders: false },
  "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf": { name: "CORS-S3Origin", host: false, viewerHeaders: false },
  "775133bc-15f2-49f9-abea-afb2e0bf67d2": { name: "Elemental-MediaTailor-PersonalizedManifests", host: false, viewerHeaders: false },
};

// The configuration key (environment) a service reads its public host name from, the only X-Forwarded-Host value it
// accepts (ServiceDefaults/Http/ForwardedHost.cs).
export const PUBLIC_HOST_SETTING = "ForwardedHeaders__PublicHost";

/** Whether a certificate name (exact, or a wildcard for one label) covers a host name, as TLS clients decide. */
export function certificateCovers(name, host) {
  const [n, h] = [name.toLowerCase(), host.toLowerCase()];
  if (n === h) return true;
  return n.startsWith("*.") && h.slice(h.indexOf(".") + 1) === n.slice(2) && h.indexOf(".") > 0;
}

export class Edge {
  constructor(stack) {
    this.stack = stack;
    const [distributionId, distribution] = stack.single("AWS::CloudFront::Distribution");
    this.distributionId = distributionId;
    this.config = distribution.Properties.DistributionConfig;
    this.services = ecsServices(stack);
    // The names viewers reach the site by: the domain (alternate names) or the distribution's own name.
    this.viewerHosts = (this.config.Aliases ?? []).map((a) => String(stack.resolve(a)));
    if (this.viewerHosts.length === 0) this.viewerHosts = [stack.getAtt(distributionId, "DomainName")];
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
      originRequestPolicy: this.originRequestPolicy(raw),
    };
  }

  /** What of the viewer's request reaches the origin: its Host, its other headers (the behavior's origin request policy). */
  originRequestPolicy(raw) {
    const id = raw.OriginRequestPolicyId;
    if (id === undefined) {
      // Legacy ForwardedValues: Host only when named (or '*'); without either CloudFront forwards no viewer header.
      const headers = (raw.ForwardedValues?.Headers ?? []).map((h) => String(h).toLowerCase());
      return { name: raw.ForwardedValues ? "ForwardedValues" : "none", host: headers.includes("host") || headers.includes("*"), viewerHeaders: headers.includes("*") };
    }
    if (typeof id === "string") return MANAGED_ORIGIN_REQUEST_POLICIES[id] ?? { name: id, host: false, viewerHeaders: false, unknown: true };
    const policyId = Stack.target(id);
    const headers = this.stack.resources[policyId]?.Properties?.OriginRequestPolicyConfig?.HeadersConfig ?? {};
    const names = (headers.Headers ?? []).map((h) => String(h).toLowerCase());
    switch (headers.HeaderBehavior) {
      case "allViewer":
      case "allViewerAndWhitelistCloudFront": return { name: policyId, host: true, viewerHeaders: true };
      case "allExcept": return { name: policyId, host: !names.includes("host"), viewerHeaders: true };
      case "whitelist": return { name: policyId, host: names.includes("host"), viewerHeaders: false };
      default: return { name: policyId, host: false, viewerHeaders: false };
    }
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
    const customHeaders = Object.fromEntries((raw.OriginCustomHeaders ?? []).map((h) => [String(h.HeaderName).toLowerCase(), String(this.stack.resolve(h.HeaderValue))]));
    // A VPC origin: CloudFront reaches the resource its endpoint configuration names through network interfaces in
    // the VPC; the origin's domain name is only what it sends as Host and checks the certificate against.
    const vpcOriginId = Stack.target(raw.VpcOriginConfig?.VpcOriginId);
    if (vpcOriginId) {
      const endpoint = this.stack.resources[vpcOriginId]?.Type === "AWS::CloudFront::VpcOrigin" ? this.stack.resources[vpcOriginId].Properties.VpcOriginEndpointConfig : undefined;
      const loadBalancerId = Stack.target(endpoint?.Arn);
      if (!endpoint || this.stack.resources[loadBalancerId]?.Type !== "AWS::ElasticLoadBalancingV2::LoadBalancer") return { kind: "unknown", domain, via: "vpc-origin" };
      return { kind: "alb", loadBalancerId, domain, via: "vpc-origin", vpcOriginId, customHeaders, ...this.protocol(endpoint.OriginProtocolPolicy, endpoint.HTTPPort, endpoint.HTTPSPort) };
    }
    const loadBalancerId = this.loadBalancerFor(domain);
    if (loadBalancerId) {
      const config = raw.CustomOriginConfig ?? {};
      return { kind: "alb", loadBalancerId, domain, via: "internet", customHeaders, ...this.protocol(config.OriginProtocolPolicy, config.HTTPPort, config.HTTPSPort) };
    }
    return { kind: "unknown", domain };
  }

  /** Protocol and port CloudFront uses to an origin (match-viewer: HTTPS, since every behavior redirects viewers to it). */
  protocol(policy = "match-viewer", httpPort = 80, httpsPort = 443) {
    return policy === "http-only" ? { protocol: "http", port: Number(httpPort) } : { protocol: "https", port: Number(httpsPort) };
  }

  /**
   * The names a load balancer listener's certificate covers. A certificate the stack creates says so itself; one given
   * by ARN (the 'certificateArn' context value) covers origin.{domain} for the distribution's domain, the deployment
   * contract (AppHost/Aws/AwsDeploymentSettings.cs, docs/aws.md, "Deploy to AWS").
   */
  certificateNames(listener) {
    const names = [];
    for (const certificate of listener.Properties.Certificates ?? []) {
      const id = Stack.target(certificate.CertificateArn);
      const resource = id ? this.stack.resources[id] : undefined;
      if (resource?.Type === "AWS::CertificateManager::Certificate") {
        names.push(String(this.stack.resolve(resource.Properties.DomainName)), ...(resource.Properties.SubjectAlternativeNames ?? []).map((n) => String(this.stack.resolve(n))));
      } else {
        names.push(...(this.config.Aliases ?? []).map((a) => `origin.${this.stack.resolve(a)}`));
      }
    }
    return names;
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
  resolve(method, path, { viewerHost = this.viewerHosts[0], viewerHeaders = {} } = {}) {
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
    // What CloudFront sends: Host per the origin request policy; the origin's custom headers replace the viewer's.
    const policy = behavior.originRequestPolicy;
    const host = policy.host ? viewerHost : origin.domain;
    const headers = { ...(policy.viewerHeaders ? Object.fromEntries(Object.entries(viewerHeaders).map(([k, v]) => [k.toLowerCase(), v])) : {}), ...origin.customHeaders };
    hops.push(`${origin.via === "vpc-origin" ? `VPC origin ${origin.vpcOriginId}` : `public origin ${origin.domain}`} (${origin.protocol}, Host ${host}${headers["x-forwarded-host"] ? `, X-Forwarded-Host ${headers["x-forwarded-host"]}` : ""})`);
    return this.throughLoadBalancer(origin, method, uri, hops, result, host, headers);
  }

  throughLoadBalancer(origin, method, uri, hops, result, host, headers) {
    const listeners = this.stack.ofType("AWS::ElasticLoadBalancingV2::Listener")
      .filter(([, l]) => Stack.target(l.Properties.LoadBalancerArn) === origin.loadBalancerId && Number(l.Properties.Port) === origin.port);
    if (listeners.length !== 1) return result({ kind: "refused", reason: `no listener on port ${origin.port} of ${origin.loadBalancerId}` });
    const [listenerId, listener] = listeners[0];
    if (origin.protocol === "https") {
      // CloudFront checks the origin's certificate against the Host it sends (CloudFront Developer Guide,
      // "Requirements for using SSL/TLS certificates with CloudFront"); a mismatch is a 502 for the viewer.
      const names = this.certificateNames(listener);
      if (!names.some((n) => certificateCovers(n, host))) {
        return result({ kind: "refused", reason: `CloudFront sends Host '${host}' over HTTPS to listener ${listenerId}, whose certificate covers ${names.join(", ") || "no name"}: CloudFront answers 502` });
      }
    }
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
    // The host the service believes the request was for: X-Forwarded-Host when it equals the public host the service
    // is configured with (the only value it accepts), else the Host that arrived.
    const publicHost = service.environment[PUBLIC_HOST_SETTING] === undefined ? undefined : String(this.stack.resolve(service.environment[PUBLIC_HOST_SETTING]));
    const forwardedHost = headers["x-forwarded-host"];
    const appHost = publicHost !== undefined && forwardedHost === publicHost ? forwardedHost : host;
    return result({ kind: "service", service: service.name, targetGroup, host, appHost });
  }

  /**
   * Who else could reach the load balancers CloudFront forwards to, bypassing the distribution and its WAF: a public
   * custom origin (any CloudFront distribution, any customer's, may name it), an internet-facing scheme, public subnets,
   * security group rules for address ranges; and whether CloudFront's VPC origin itself may connect. Each problem once.
   */
  originExposure() {
    const problems = [];
    const albOrigins = [...this.origins.values()].filter((o) => o.kind === "alb");
    for (const id of new Set(albOrigins.map((o) => o.loadBalancerId))) {
      const loadBalancer = this.stack.resources[id];
      const ingress = this.ingressOf(loadBalancer);
      for (const origin of albOrigins.filter((o) => o.loadBalancerId === id)) {
        if (origin.via !== "vpc-origin") {
          problems.push(`CloudFront reaches load balancer ${id} as the public origin '${origin.domain}'${origin.protocol === "http" ? ", in plain HTTP across the internet" : ""}: any CloudFront distribution, any AWS customer's, can name that origin and skip this distribution's WAF; a VPC origin is reachable only through this account's distributions`);
        } else if (!ingress.some((r) => (r.prefixList || r.sourceGroup) && r.from <= origin.port && origin.port <= r.to)) {
          problems.push(`CloudFront's VPC origin ${origin.vpcOriginId} cannot connect to load balancer ${id} on port ${origin.port}: no rule of its security groups admits CloudFront`);
        }
      }
      if ((loadBalancer.Properties.Scheme ?? "internet-facing") !== "internal") {
        const admitted = ingress.map((r) => r.prefixList ? `the prefix list ${r.prefixList}` : r.cidr ?? `the group ${r.sourceGroup}`);
        problems.push(`load balancer ${id} is internet-facing: whatever its security groups admit (${[...new Set(admitted)].join(", ") || "nothing"}) reaches the services without the WAF; CloudFront's origin-facing prefix list admits every distribution of every AWS customer`);
      }
      const publicSubnets = this.subnetsOf(loadBalancer).filter((subnet) => this.isPublicSubnet(subnet));
      if (publicSubnets.length) problems.push(`load balancer ${id} is in public subnets (${publicSubnets.join(", ")}), which route to the internet gateway`);
      for (const rule of ingress.filter((r) => r.cidr)) {
        problems.push(`load balancer ${id}: security group ${rule.group} admits ${rule.cidr} on ports ${rule.from}-${rule.to}; only CloudFront's VPC origin may reach it`);
      }
    }
    return problems;
  }

  /** Every ingress rule of a resource's security groups: inline ones and AWS::EC2::SecurityGroupIngress resources. */
  ingressOf(resource) {
    const groups = new Set((resource.Properties.SecurityGroups ?? []).map((g) => Stack.target(g)).filter(Boolean));
    const rules = [];
    const add = (group, r) => {
      const all = String(r.IpProtocol) === "-1";
      rules.push({
        group,
        cidr: r.CidrIp ?? r.CidrIpv6,
        prefixList: r.SourcePrefixListId === undefined ? undefined : String(this.stack.resolve(r.SourcePrefixListId)),
        sourceGroup: Stack.target(r.SourceSecurityGroupId) ?? r.SourceSecurityGroupId,
        from: all ? 0 : Number(r.FromPort),
        to: all ? 65535 : Number(r.ToPort),
      });
    };
    for (const group of groups) {
      for (const r of this.stack.resources[group]?.Properties?.SecurityGroupIngress ?? []) add(group, r);
    }
    for (const [, r] of this.stack.ofType("AWS::EC2::SecurityGroupIngress")) {
      const group = Stack.target(r.Properties.GroupId);
      if (groups.has(group)) add(group, r.Properties);
    }
    return rules;
  }

  subnetsOf(loadBalancer) {
    return [...(loadBalancer.Properties.Subnets ?? []), ...(loadBalancer.Properties.SubnetMappings ?? []).map((m) => m.SubnetId)].map((s) => Stack.target(s)).filter(Boolean);
  }

  /** A subnet whose route table sends traffic to an internet gateway. */
  isPublicSubnet(subnetId) {
    const tables = this.stack.ofType("AWS::EC2::SubnetRouteTableAssociation")
      .filter(([, a]) => Stack.target(a.Properties.SubnetId) === subnetId).map(([, a]) => Stack.target(a.Properties.RouteTableId));
    return this.stack.ofType("AWS::EC2::Route").some(([, r]) => tables.includes(Stack.target(r.Properties.RouteTableId))
      && this.stack.resources[Stack.target(r.Properties.GatewayId)]?.Type === "AWS::EC2::InternetGateway");
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
