// Reachability: the flows the system needs pass, the ones it must never carry are blocked — evaluated over the
// synthesized template the way the VPC does: routes (local, NAT gateway, internet gateway, S3 gateway endpoint),
// network ACLs (stateless, lowest rule number first, evaluated where traffic crosses a subnet's boundary, both the
// request and the answer to the client's ephemeral port), and security groups (stateful: the source's egress and the
// destination's ingress). One test per flow.
//   Required: CloudFront → load balancer, load balancer → services, service → service, services → databases, caches,
//   interface endpoints, S3 (gateway endpoint), AWS APIs (NAT gateway → internet).
//   Forbidden (each must be denied by the network ACLs, the layer under the security groups): internet → data,
//   public subnets → data on the database and cache ports, internet → services' container port, data → internet; and
//   internet → load balancer around CloudFront (security groups: an ACL cannot name CloudFront's prefix list).
// Traffic to the VPC's DNS resolver, the instance metadata and Time Sync is never filtered by network ACLs, so those
// flows are not modelled. Addresses outside the VPC are representatives: the internet 203.0.113.10 (TEST-NET-3), an
// AWS API 54.239.28.85, S3 52.216.0.10 (in S3's prefix list of us-east-1), CloudFront 130.176.0.10 (in its
// origin-facing prefix list).
import { Stack, ecsServices } from "./lib/assembly.mjs";

const INTERNET = "203.0.113.10";
const AWS_API = "54.239.28.85";
const S3 = "52.216.0.10";
const CLOUDFRONT = "130.176.0.10";
// Client ports: Linux (tasks) uses 32768-60999; NAT gateways and load balancers the whole 1024-65535.
const LINUX_EPHEMERAL = [32768, 60999];
const WIDE_EPHEMERAL = [1024, 65535];
// The default quota of rules per network ACL and direction ("Amazon VPC quotas").
const ACL_RULE_QUOTA = 20;

// ---- addresses ----
const ip = (text) => text.split(".").reduce((n, o) => n * 256 + Number(o), 0);
const dotted = (n) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
function parseCidr(cidr) {
  const [base, bits] = String(cidr).split("/");
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ip(base) / size) * size;
  return { start, end: start + size - 1 };
}
const inCidr = (address, cidr) => {
  const { start, end } = parseCidr(cidr);
  const n = ip(address);
  return n >= start && n <= end;
};

/** Fn::Cidr: count blocks of 2^cidrBits addresses out of ipBlock. */
function fnCidr(block, count, cidrBits) {
  const { start } = parseCidr(block);
  const size = 2 ** Number(cidrBits);
  return Array.from({ length: Number(count) }, (_, i) => `${dotted(start + i * size)}/${32 - Number(cidrBits)}`);
}

/** The network as the template describes it. */
export class Network {
  constructor(stack) {
    this.stack = stack;
    const R = stack.resources;
    const [vpcId, vpc] = stack.single("AWS::EC2::VPC");
    this.vpcId = vpcId;
    this.vpcCidr = this.value(vpc.Properties.CidrBlock);
    this.subnets = Object.fromEntries(stack.ofType("AWS::EC2::Subnet").map(([id, s]) => [id, {
      id,
      cidr: this.value(s.Properties.CidrBlock),
      tier: (s.Properties.Tags ?? []).find((t) => t.Key === "aws-cdk:subnet-name")?.Value ?? id,
      publicIp: s.Properties.MapPublicIpOnLaunch === true,
    }]));
    for (const [, a] of stack.ofType("AWS::EC2::SubnetNetworkAclAssociation")) {
      const subnet = this.subnets[Stack.target(a.Properties.SubnetId)];
      if (subnet) subnet.acl = Stack.target(a.Properties.NetworkAclId);
    }
    for (const [, a] of stack.ofType("AWS::EC2::SubnetRouteTableAssociation")) {
      const subnet = this.subnets[Stack.target(a.Properties.SubnetId)];
      if (subnet) subnet.routeTable = Stack.target(a.Properties.RouteTableId);
    }
    this.acls = {};
    for (const [id] of stack.ofType("AWS::EC2::NetworkAcl")) this.acls[id] = { ingress: [], egress: [] };
    for (const [id, e] of stack.ofType("AWS::EC2::NetworkAclEntry")) {
      const p = e.Properties;
      const acl = this.acls[Stack.target(p.NetworkAclId)];
      if (!acl) continue;
      const protocol = String(p.Protocol);
      acl[p.Egress ? "egress" : "ingress"].push({
        id,
        rule: Number(p.RuleNumber),
        allow: String(p.RuleAction).toLowerCase() === "allow",
        cidr: this.value(p.CidrBlock ?? "0.0.0.0/0"),
        protocol,
        from: protocol === "-1" ? 0 : Number(p.PortRange?.From ?? 0),
        to: protocol === "-1" ? 65535 : Number(p.PortRange?.To ?? 65535),
      });
    }
    for (const acl of Object.values(this.acls)) for (const list of [acl.ingress, acl.egress]) list.sort((a, b) => a.rule - b.rule);
    this.routes = {};
    for (const [, r] of stack.ofType("AWS::EC2::Route")) {
      const table = Stack.target(r.Properties.RouteTableId);
      (this.routes[table] ??= []).push({
        cidr: this.value(r.Properties.DestinationCidrBlock),
        nat: Stack.target(r.Properties.NatGatewayId),
        igw: r.Properties.GatewayId ? Stack.target(r.Properties.GatewayId) : undefined,
      });
    }
    this.s3RouteTables = new Set(stack.ofType("AWS::EC2::VPCEndpoint")
      .filter(([, e]) => (e.Properties.VpcEndpointType ?? "Gateway") === "Gateway" && /\.s3$/.test(JSON.stringify(stack.resolve(e.Properties.ServiceName)).replace(/"/g, "")))
      .flatMap(([, e]) => (e.Properties.RouteTableIds ?? []).map((t) => Stack.target(t))));
    this.nats = Object.fromEntries(stack.ofType("AWS::EC2::NatGateway").map(([id, n]) => [id, Stack.target(n.Properties.SubnetId)]));

    // Security groups: inline rules and the separate ingress/egress resources.
    this.groups = {};
    for (const [id, g] of stack.ofType("AWS::EC2::SecurityGroup")) {
      const p = g.Properties;
      this.groups[id] = {
        ingress: (p.SecurityGroupIngress ?? []).map((r) => this.sgRule(r, "Source")),
        // A group without egress rules keeps EC2's default: everything out.
        egress: p.SecurityGroupEgress ? p.SecurityGroupEgress.map((r) => this.sgRule(r, "Destination")) : [{ protocol: "-1", from: 0, to: 65535, cidr: "0.0.0.0/0" }],
      };
    }
    for (const [, r] of stack.ofType("AWS::EC2::SecurityGroupIngress")) this.groups[Stack.target(r.Properties.GroupId)]?.ingress.push(this.sgRule(r.Properties, "Source"));
    for (const [, r] of stack.ofType("AWS::EC2::SecurityGroupEgress")) this.groups[Stack.target(r.Properties.GroupId)]?.egress.push(this.sgRule(r.Properties, "Destination"));
  }

  /** A CIDR or address out of a template value: literals, Fn::GetAtt of the VPC's CidrBlock, Fn::Select of Fn::Cidr. */
  value(v) {
    if (v && typeof v === "object") {
      const att = v["Fn::GetAtt"];
      if (att && (Array.isArray(att) ? att[1] : String(att).split(".")[1]) === "CidrBlock") return this.value(this.stack.resources[Stack.target(v)].Properties.CidrBlock);
      if (v["Fn::Select"]) return this.list(v["Fn::Select"][1])[Number(this.stack.resolve(v["Fn::Select"][0]))];
      return this.stack.resolve(v);
    }
    return v;
  }

  list(v) {
    if (v && typeof v === "object" && v["Fn::Cidr"]) {
      const [block, count, bits] = v["Fn::Cidr"];
      return fnCidr(this.value(block), this.stack.resolve(count), this.stack.resolve(bits));
    }
    return this.stack.resolve(v);
  }

  sgRule(r, side) {
    const protocol = String(r.IpProtocol).replace(/^tcp$/, "6").replace(/^udp$/, "17").replace(/^icmp$/, "1");
    return {
      protocol,
      from: protocol === "-1" ? 0 : Number(r.FromPort),
      to: protocol === "-1" ? 65535 : Number(r.ToPort),
      cidr: r.CidrIp ? this.value(r.CidrIp) : undefined,
      group: Stack.target(r[`${side}SecurityGroupId`]),
      externalGroup: r[`${side}SecurityGroupId`] && !Stack.target(r[`${side}SecurityGroupId`]) ? String(r[`${side}SecurityGroupId`]) : undefined,
      prefixList: r[`${side}PrefixListId`] ? String(this.stack.resolve(r[`${side}PrefixListId`])) : undefined,
    };
  }

  subnetOf(address) {
    return Object.values(this.subnets).find((s) => inCidr(address, s.cidr));
  }

  /**
   * The ports of [from, to] a subnet's ACL lets through in one direction for a peer address (TCP), or every port when
   * the subnet has no ACL of its own: the VPC's default ACL allows everything. Returns [allowedPorts[], decidingRule].
   */
  aclPorts(subnet, direction, peer, [from, to]) {
    const acl = subnet.acl && this.acls[subnet.acl];
    if (!acl) return { ok: true, blocked: [], why: `${subnet.id} uses the VPC's default network ACL (allows all)` };
    const blocked = [];
    let undecided = [[from, to]];
    for (const rule of acl[direction]) {
      if (!(rule.protocol === "-1" || rule.protocol === "6")) continue;
      if (!inCidr(peer, rule.cidr)) continue;
      const next = [];
      for (const [a, b] of undecided) {
        const lo = Math.max(a, rule.from);
        const hi = Math.min(b, rule.to);
        if (lo > hi) {
          next.push([a, b]);
          continue;
        }
        if (!rule.allow) blocked.push(`${lo}-${hi} by ${rule.id} (rule ${rule.rule} deny ${rule.cidr})`);
        if (a < lo) next.push([a, lo - 1]);
        if (hi < b) next.push([hi + 1, b]);
      }
      undecided = next;
      if (!undecided.length) break;
    }
    for (const [a, b] of undecided) blocked.push(`${a}-${b} by the final '*' rule`);
    return { ok: blocked.length === 0, blocked, why: blocked.length ? `${subnet.acl} ${direction} ${peer} ports ${blocked.join(", ")}` : `${subnet.acl} ${direction}` };
  }

  /** Does any of the groups' rules in one direction match a peer (address, groups, prefix list) on a TCP port? */
  sgAllows(groups, direction, peer, port) {
    if (!groups) return true;
    return groups.some((g) => (this.groups[g]?.[direction] ?? []).some((r) => {
      if (!(r.protocol === "-1" || (r.protocol === "6" && r.from <= port && port <= r.to))) return false;
      if (r.cidr && peer.address && inCidr(peer.address, r.cidr)) return true;
      if (r.group && (peer.groups ?? []).includes(r.group)) return true;
      if (r.prefixList && (peer.prefixLists ?? []).includes(r.prefixList)) return true;
      if (r.externalGroup && (peer.externalGroups ?? []).length) return true;
      return false;
    }));
  }
}

/** The endpoints of flows: where each thing of the stack sits (subnets, security groups, public address, port). */
function actors(stack, network) {
  const ids = (list) => (list ?? []).map((v) => Stack.target(v));
  const groupsOf = (list) => (list ?? []).map((v) => Stack.target(v));
  const place = (subnetIds) => subnetIds.map((s) => network.subnets[s]).filter(Boolean);
  const found = {};

  const [lbId, lb] = stack.ofType("AWS::ElasticLoadBalancingV2::LoadBalancer")[0] ?? [];
  if (lb) {
    const listeners = stack.ofType("AWS::ElasticLoadBalancingV2::Listener")
      .filter(([, l]) => Stack.target(l.Properties.LoadBalancerArn) === lbId && !(l.Properties.DefaultActions ?? []).every((a) => a.Type === "redirect"))
      .map(([, l]) => Number(l.Properties.Port));
    found.loadBalancer = {
      name: "load balancer",
      subnets: place(ids(lb.Properties.Subnets)),
      groups: groupsOf(lb.Properties.SecurityGroups),
      publicAddress: (lb.Properties.Scheme ?? "internet-facing") === "internet-facing",
      ports: listeners,
      client: WIDE_EPHEMERAL,
    };
  }

  found.services = ecsServices(stack).map((s) => {
    const vpc = s.service.Properties.NetworkConfiguration?.AwsvpcConfiguration ?? {};
    return {
      name: s.name,
      subnets: place(ids(vpc.Subnets)),
      groups: groupsOf(vpc.SecurityGroups),
      publicAddress: vpc.AssignPublicIp === "ENABLED",
      ports: (s.app.PortMappings ?? []).map((m) => Number(m.ContainerPort)),
      client: LINUX_EPHEMERAL,
      targetGroups: s.targetGroups,
    };
  });

  const subnetGroup = (type, name) => {
    const entry = stack.ofType(type).find(([id, g]) => id === name || g.Properties.DBSubnetGroupName === name || g.Properties.CacheSubnetGroupName === name);
    return entry ? ids(entry[1].Properties.SubnetIds) : [];
  };
  found.data = [
    ...stack.ofType("AWS::RDS::DBInstance").map(([id, d]) => ({
      name: `database ${id}`,
      subnets: place(subnetGroup("AWS::RDS::DBSubnetGroup", Stack.target(d.Properties.DBSubnetGroupName) ?? d.Properties.DBSubnetGroupName)),
      groups: groupsOf(d.Properties.VPCSecurityGroups),
      ports: [Number(d.Properties.Port ?? 5432)],
    })),
    ...stack.ofType("AWS::ElastiCache::ReplicationGroup").map(([id, r]) => ({
      name: `cache ${id}`,
      subnets: place(subnetGroup("AWS::ElastiCache::SubnetGroup", Stack.target(r.Properties.CacheSubnetGroupName) ?? r.Properties.CacheSubnetGroupName)),
      groups: groupsOf(r.Properties.SecurityGroupIds),
      ports: [Number(r.Properties.Port ?? 6379)],
    })),
  ];

  found.endpoints = stack.ofType("AWS::EC2::VPCEndpoint").filter(([, e]) => e.Properties.VpcEndpointType === "Interface").map(([id, e]) => ({
    name: `endpoint ${String(stack.resolve(e.Properties.ServiceName)).split(".").slice(3).join(".")}`,
    subnets: place(ids(e.Properties.SubnetIds)),
    groups: groupsOf(e.Properties.SecurityGroupIds),
    ports: [443],
  }));

  // CloudFront: through a VPC origin its ENIs sit in the load balancer's subnets (CloudFront's managed security
  // group); else it comes from the internet, from its origin-facing prefix list.
  const prefixLists = [...new Set(Object.values(network.groups).flatMap((g) => g.ingress).map((r) => r.prefixList).filter(Boolean))];
  const vpcOrigin = stack.ofType("AWS::CloudFront::VpcOrigin").length > 0;
  found.cloudFront = vpcOrigin && found.loadBalancer
    ? { name: "CloudFront (VPC origin)", subnets: found.loadBalancer.subnets, externalGroups: ["CloudFront-VPCOrigins-Service-SG"], prefixLists, client: WIDE_EPHEMERAL }
    : { name: "CloudFront", address: CLOUDFRONT, prefixLists, client: WIDE_EPHEMERAL };

  const tierSubnets = (tier) => Object.values(network.subnets).filter((s) => s.tier === tier);
  found.publicHost = { name: "a host in the public subnets", subnets: tierSubnets("public"), groups: [], client: LINUX_EPHEMERAL };
  found.dataHost = { name: "the data subnets", subnets: tierSubnets("data"), groups: found.data.flatMap((d) => d.groups), client: LINUX_EPHEMERAL };
  return found;
}

const representative = (subnet) => dotted(parseCidr(subnet.cidr).start + 10);

/**
 * Evaluates a TCP flow from a source to a destination on a port, for every pair of their subnets (or addresses).
 * Returns the layers that block it: { routes: [...], acls: [...], groups: [...] } (empty lists: it passes).
 */
export function evaluate(network, source, destination, port) {
  const blocked = { routes: [], acls: [], groups: [] };
  const sources = source.subnets ? source.subnets.map((s) => ({ subnet: s, address: representative(s) })) : [{ address: source.address }];
  const destinations = destination.subnets ? destination.subnets.map((s) => ({ subnet: s, address: representative(s) })) : [{ address: destination.address }];
  const client = source.client ?? LINUX_EPHEMERAL;
  const note = (list, text) => { if (!list.includes(text)) list.push(text); };
  const acl = (subnet, direction, peer, ports) => {
    const r = network.aclPorts(subnet, direction, peer, ports);
    if (!r.ok) note(blocked.acls, r.why);
  };

  for (const from of sources) {
    for (const to of destinations) {
      // Security groups (stateful): the source's egress, the destination's ingress.
      if (!network.sgAllows(source.groups, "egress", { address: to.address, groups: destination.groups }, port)) note(blocked.groups, `${source.name}'s security groups send nothing to ${destination.name} on ${port}`);
      if (!network.sgAllows(destination.groups, "ingress", { address: from.address, groups: source.groups, prefixLists: source.prefixLists, externalGroups: source.externalGroups }, port)) {
        note(blocked.groups, `${destination.name}'s security groups admit nothing from ${source.name} on ${port}`);
      }

      if (from.subnet && to.subnet) {
        // Inside the VPC: the local route; the ACLs only where the traffic leaves one subnet for another.
        if (from.subnet.id === to.subnet.id) continue;
        acl(from.subnet, "egress", to.address, [port, port]);
        acl(to.subnet, "ingress", from.address, [port, port]);
        acl(to.subnet, "egress", from.address, client);
        acl(from.subnet, "ingress", to.address, client);
      } else if (from.subnet) {
        // Out of the VPC: the subnet's route table decides the way.
        const routes = network.routes[from.subnet.routeTable] ?? [];
        acl(from.subnet, "egress", to.address, [port, port]);
        acl(from.subnet, "ingress", to.address, client);
        if (to.address === S3 && network.s3RouteTables.has(from.subnet.routeTable)) continue;
        const route = routes.find((r) => inCidr(to.address, r.cidr));
        if (!route) {
          note(blocked.routes, `${from.subnet.id} has no route to ${to.address}`);
          continue;
        }
        if (route.nat) {
          const natSubnet = network.subnets[network.nats[route.nat]];
          if (!natSubnet) { note(blocked.routes, `NAT gateway ${route.nat} has no subnet`); continue; }
          acl(natSubnet, "ingress", from.address, [port, port]);
          acl(natSubnet, "egress", to.address, [port, port]);
          acl(natSubnet, "ingress", to.address, WIDE_EPHEMERAL);
          acl(natSubnet, "egress", from.address, client);
          if (!(network.routes[natSubnet.routeTable] ?? []).some((r) => r.igw && inCidr(to.address, r.cidr))) note(blocked.routes, `the NAT gateway's subnet ${natSubnet.id} has no route to the internet gateway`);
        } else if (!source.publicAddress) {
          note(blocked.routes, `${source.name} in ${from.subnet.id} has no public address for the internet gateway`);
        }
      } else if (to.subnet) {
        // Into the VPC from outside: only to a public address in a subnet routed to the internet gateway.
        acl(to.subnet, "ingress", from.address, [port, port]);
        acl(to.subnet, "egress", from.address, client);
        const igw = (network.routes[to.subnet.routeTable] ?? []).some((r) => r.igw && r.cidr === "0.0.0.0/0");
        if (!destination.publicAddress || !igw) note(blocked.routes, `${destination.name} in ${to.subnet.id} has no public address routed from the internet`);
      }
    }
  }
  return blocked;
}

const layers = (blocked) => Object.entries(blocked).filter(([, v]) => v.length).map(([k]) => ({ routes: "routes", acls: "network ACLs", groups: "security groups" })[k]);

/** The flows, each a test: { name, failures }. */
export function checkReachability(stack) {
  const network = new Network(stack);
  const a = actors(stack, network);
  const tests = [];
  const require = (name, source, destination, port) => {
    const blocked = evaluate(network, source, destination, port);
    tests.push({ name: `required ${name} (tcp ${port})`, failures: [...blocked.routes, ...blocked.acls, ...blocked.groups].map((why) => `blocked: ${why}`) });
  };
  const forbid = (name, source, destination, port, mustBlock = ["acls"]) => {
    const blocked = evaluate(network, source, destination, port);
    const by = layers(blocked);
    const failures = mustBlock.filter((layer) => !blocked[layer].length).map((layer) =>
      `not blocked by ${({ acls: "network ACLs", groups: "security groups", routes: "routes" })[layer]}${by.length ? ` (only by ${by.join(" and ")})` : " (nothing blocks it)"}${layer === "acls" ? `: ${(source.subnets ?? destination.subnets ?? []).map((s) => s.acl ? `${s.id} → ${s.acl}` : `${s.id} uses the VPC's default network ACL, which allows all`).filter((t, i, all) => all.indexOf(t) === i).join("; ")}` : ""}`);
    tests.push({ name: `forbidden ${name} (tcp ${port})`, failures });
  };

  const internet = { name: "the internet", address: INTERNET, client: WIDE_EPHEMERAL };
  const lb = a.loadBalancer;
  if (lb) {
    for (const port of lb.ports) require(`${a.cloudFront.name} → load balancer`, a.cloudFront, lb, port);
    for (const port of lb.ports) forbid("internet → load balancer around CloudFront", internet, lb, port, ["groups"]);
    for (const service of a.services.filter((s) => s.targetGroups.length)) {
      for (const port of service.ports) require(`load balancer → ${service.name}`, lb, service, port);
    }
  }
  // Service to service: the calls the security groups admit (each reference of the model adds one).
  for (const server of a.services) {
    for (const client of a.services.filter((c) => c !== server && network.sgAllows(server.groups, "ingress", { groups: c.groups }, server.ports[0]))) {
      for (const port of server.ports) require(`${client.name} → ${server.name}`, client, server, port);
    }
  }
  for (const store of a.data) {
    const clients = a.services.filter((s) => network.sgAllows(store.groups, "ingress", { groups: s.groups }, store.ports[0]));
    if (!clients.length) tests.push({ name: `required services → ${store.name}`, failures: [`no service's security group is admitted to ${store.name}`] });
    for (const client of clients) require(`${client.name} → ${store.name}`, client, store, store.ports[0]);
  }
  for (const service of a.services) {
    for (const endpoint of a.endpoints) require(`${service.name} → ${endpoint.name}`, service, endpoint, 443);
    require(`${service.name} → S3 (gateway endpoint)`, service, { name: "S3", address: S3 }, 443);
    require(`${service.name} → AWS APIs (NAT gateway → internet)`, service, { name: "AWS APIs", address: AWS_API }, 443);
  }

  const dataPorts = [...new Set(a.data.flatMap((d) => d.ports))];
  for (const store of a.data) {
    for (const port of store.ports) forbid(`internet → ${store.name}`, internet, store, port);
    for (const port of store.ports) forbid(`public subnets → ${store.name}`, a.publicHost, store, port);
  }
  for (const service of a.services) {
    for (const port of service.ports) forbid(`internet → ${service.name} directly`, internet, service, port);
  }
  for (const port of [443, 80]) forbid("data subnets → internet", a.dataHost, { name: "the internet", address: INTERNET }, port);
  if (!dataPorts.length) tests.push({ name: "forbidden flows to the data tier", failures: ["the template has no database or cache"] });

  // Quotas: an ACL with more rules than the default quota fails to deploy.
  const quota = [];
  for (const [id, acl] of Object.entries(network.acls)) {
    for (const direction of ["ingress", "egress"]) {
      if (acl[direction].length > ACL_RULE_QUOTA) quota.push(`${id} has ${acl[direction].length} ${direction} rules, more than the default quota of ${ACL_RULE_QUOTA}`);
    }
  }
  tests.push({ name: `each network ACL stays within ${ACL_RULE_QUOTA} rules per direction`, failures: quota });
  // Each tier has its own ACL.
  const tiers = {};
  for (const s of Object.values(network.subnets)) (tiers[s.tier] ??= new Set()).add(s.acl ?? "(the VPC's default ACL)");
  const shared = Object.entries(tiers).flatMap(([tier, acls]) => [...acls].filter((acl) => acl.startsWith("(") || Object.entries(tiers).some(([other, o]) => other !== tier && o.has(acl))).map((acl) => `${tier} subnets use ${acl}`));
  tests.push({ name: "each tier (public, app, data) has a network ACL of its own", failures: shared });

  const figures = {
    flows: tests.length,
    required: tests.filter((t) => t.name.startsWith("required")).length,
    forbidden: tests.filter((t) => t.name.startsWith("forbidden")).length,
    failed: tests.filter((t) => t.failures.length).length,
  };
  return { figures, tests };
}
