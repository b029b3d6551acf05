using System.Globalization;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ElastiCache;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.RDS;
using Platform.AppHost.Aws.Translators;
using static Platform.AppHost.Aws.PolicySuppressions;

namespace Platform.AppHost.Aws;

/// <summary>
/// A network ACL per tier (public, app, data), the subnet layer under the security groups: each admits exactly the
/// flows of <see cref="TierFlows"/>, both ways (an ACL is stateless: the answer of every flow comes back to the client's
/// ephemeral ports, 1024-65535), and denies the rest. eng/aws/checks/reachability.mjs evaluates these ACLs together
/// with the security groups and routes over the synthesized template, flow by flow.
/// </summary>
public sealed partial class PlatformStack
{
    /// <summary>The client side of every TCP connection: Linux tasks, NAT gateways and load balancers pick from here.</summary>
    private static readonly (int From, int To) EphemeralPorts = (1024, 65535);

    /// <summary>The tiers of the VPC, plus everything outside it (AWS APIs, S3 through its gateway endpoint, CloudFront).</summary>
    private enum Tier
    {
        Public,
        App,
        Data,
        Internet,
    }

    /// <summary>A connection the system opens, from a tier to a tier on a TCP port.</summary>
    private sealed record TierFlow(Tier From, Tier To, int Port, string Why);

    /// <summary>
    /// Every flow the tiers carry. The only table to edit when the topology changes: where the load balancer sits follows
    /// from its scheme (internet-facing in the public subnets, internal in the app subnets, where CloudFront's VPC origin
    /// reaches it), the data ports from the databases and caches the translators created.
    /// </summary>
    private IEnumerable<TierFlow> TierFlows()
    {
        var listenerPort = Convert.ToInt32(((CfnListener)Listener.Node.DefaultChild!).Port, CultureInfo.InvariantCulture);
        var internetFacing = ((CfnLoadBalancer)LoadBalancer.Node.DefaultChild!).Scheme != "internal";
        var loadBalancerTier = internetFacing ? Tier.Public : Tier.App;
        if (internetFacing)
        {
            // A network ACL cannot name CloudFront's prefix list: the load balancer's security group admits only it.
            yield return new(Tier.Internet, Tier.Public, listenerPort, "CloudFront to the internet-facing load balancer");
        }
        else
        {
            yield return new(Tier.App, Tier.App, listenerPort, "CloudFront's VPC origin to the internal load balancer");
            // The VPC origin's packets keep CloudFront's own (public) addresses, which is why the load balancer's security
            // group admits CloudFront's origin-facing prefix list: a network ACL cannot name that list, so it admits the
            // listener port from anywhere and the security group narrows it. The app subnets have no route from the
            // internet, so nothing else can use this entry.
            yield return new(Tier.Internet, Tier.App, listenerPort, "CloudFront's VPC origin (CloudFront's addresses) to the internal load balancer");
        }

        yield return new(loadBalancerTier, Tier.App, ServiceConfiguration.ContainerPort, "the load balancer to the services");
        yield return new(Tier.App, Tier.App, ServiceConfiguration.ContainerPort, "service to service (Service Connect)");
        foreach (var port in DataPorts())
        {
            yield return new(Tier.App, Tier.Data, port, "the services to the databases and caches");
            yield return new(Tier.Data, Tier.Data, port, "replication inside the data tier (replicas, standbys)");
        }

        if (Profile.InterfaceEndpoints)
        {
            yield return new(Tier.App, Tier.App, 443, "the services to the interface endpoints");
        }

        // AWS APIs through the NAT gateway, and S3 through its gateway endpoint: both leave the app subnets for
        // addresses outside the VPC, which is how a network ACL sees them.
        yield return new(Tier.App, Tier.Internet, 443, "the services to AWS APIs (NAT gateway) and S3 (gateway endpoint)");
        yield return new(Tier.Public, Tier.Internet, 443, "the NAT gateway forwards the services' HTTPS");
    }

    /// <summary>The ports of the databases and caches in the stack (the data tier serves nothing else).</summary>
    private SortedSet<int> DataPorts()
    {
        var ports = new SortedSet<int>();
        foreach (var construct in Node.FindAll())
        {
            switch (construct)
            {
                case CfnDBInstance { Port: { } port }:
                    ports.Add(Convert.ToInt32(port, CultureInfo.InvariantCulture));
                    break;
                case CfnReplicationGroup { Port: { } port }:
                    ports.Add(Convert.ToInt32(port, CultureInfo.InvariantCulture));
                    break;
            }
        }

        return ports;
    }

    /// <summary>One network ACL per tier, made of <see cref="TierFlows"/>: called once everything in the subnets exists.</summary>
    private void CreateNetworkAcls()
    {
        var subnets = new Dictionary<Tier, ISubnet[]>
        {
            [Tier.Public] = Network.SelectSubnets(new SubnetSelection { SubnetGroupName = "public" }).Subnets,
            [Tier.App] = Network.SelectSubnets(AppSubnets).Subnets,
            [Tier.Data] = Network.SelectSubnets(DataSubnets).Subnets,
        };
        IEnumerable<string> Cidrs(Tier tier) => tier == Tier.Internet ? ["0.0.0.0/0"] : subnets[tier].Select(s => s.Ipv4CidrBlock);

        var acls = new Dictionary<Tier, NetworkAcl>();
        var entries = new Dictionary<Tier, List<(TrafficDirection Direction, Amazon.CDK.AWS.EC2.Action Action, string Cidr, int From, int To, int Group)>>();
        foreach (var tier in subnets.Keys)
        {
            acls[tier] = new NetworkAcl(this, $"{tier}NetworkAcl", new NetworkAclProps
            {
                Vpc = Network,
                SubnetSelection = new SubnetSelection { SubnetGroupName = tier.ToString().ToLowerInvariant() },
            });
            entries[tier] = [];
        }

        // Groups order the rules (an ACL applies the lowest-numbered match): explicit denies of another tier, allows of
        // the VPC's tiers, denies of a tier's server ports to the internet, allows of the internet.
        void Entry(Tier tier, TrafficDirection direction, Amazon.CDK.AWS.EC2.Action action, string cidr, int from, int to, int group)
        {
            var entry = (direction, action, cidr, from, to, group);
            if (!entries[tier].Contains(entry))
            {
                entries[tier].Add(entry);
            }
        }

        var allow = Amazon.CDK.AWS.EC2.Action.ALLOW;
        var deny = Amazon.CDK.AWS.EC2.Action.DENY;
        foreach (var flow in TierFlows())
        {
            var (ephemeralFrom, ephemeralTo) = EphemeralPorts;
            if (flow.From != Tier.Internet)
            {
                foreach (var cidr in Cidrs(flow.To))
                {
                    Entry(flow.From, TrafficDirection.EGRESS, allow, cidr, flow.Port, flow.Port, flow.To == Tier.Internet ? 4 : 2);
                    Entry(flow.From, TrafficDirection.INGRESS, allow, cidr, ephemeralFrom, ephemeralTo, flow.To == Tier.Internet ? 4 : 2);
                }
            }

            if (flow.To != Tier.Internet)
            {
                foreach (var cidr in Cidrs(flow.From))
                {
                    Entry(flow.To, TrafficDirection.INGRESS, allow, cidr, flow.Port, flow.Port, flow.From == Tier.Internet ? 4 : 2);
                    Entry(flow.To, TrafficDirection.EGRESS, allow, cidr, ephemeralFrom, ephemeralTo, flow.From == Tier.Internet ? 4 : 2);
                }
            }
        }

        // The NAT gateway: the services' HTTPS comes into the public subnets on its way out (addressed to the internet),
        // and the answers go back to the services' ephemeral ports.
        foreach (var cidr in Cidrs(Tier.App))
        {
            Entry(Tier.Public, TrafficDirection.INGRESS, allow, cidr, 443, 443, 2);
            Entry(Tier.Public, TrafficDirection.EGRESS, allow, cidr, EphemeralPorts.From, EphemeralPorts.To, 2);
        }

        // A container port is never reached from outside the VPC, even though the answers from the internet arrive on
        // the ephemeral range that contains it.
        Entry(Tier.App, TrafficDirection.INGRESS, deny, "0.0.0.0/0", ServiceConfiguration.ContainerPort, ServiceConfiguration.ContainerPort, 3);

        // Nothing in the public subnets (NAT gateways, an internet-facing load balancer) talks to the data tier: said
        // explicitly, ahead of any allow, so a wider allow added later cannot open it.
        foreach (var cidr in Cidrs(Tier.Public))
        {
            Entry(Tier.Data, TrafficDirection.INGRESS, deny, cidr, 0, 65535, 1);
        }

        // The tasks' answers from outside the VPC come to Linux's ephemeral ports (32768-60999): the app tier's range
        // from the internet leaves out RDP (Control Tower CT.EC2.PR.5) and the container port.
        var internetAnswers = entries[Tier.App].FindIndex(e => e is { Direction: TrafficDirection.INGRESS, Cidr: "0.0.0.0/0", Group: 4 } && (e.From, e.To) == EphemeralPorts);
        if (internetAnswers >= 0)
        {
            entries[Tier.App].RemoveAt(internetAnswers);
            var excluded = new[] { 3389, ServiceConfiguration.ContainerPort }.Order().ToArray();
            var from = EphemeralPorts.From;
            foreach (var port in excluded.Append(EphemeralPorts.To + 1))
            {
                Entry(Tier.App, TrafficDirection.INGRESS, allow, "0.0.0.0/0", from, port - 1, 4);
                from = port + 1;
            }
        }

        foreach (var (tier, list) in entries)
        {
            foreach (var direction in new[] { TrafficDirection.INGRESS, TrafficDirection.EGRESS })
            {
                var number = 0;
                foreach (var entry in list.Where(e => e.Direction == direction).OrderBy(e => e.Group))
                {
                    number += 10;
                    var name = $"{(direction == TrafficDirection.INGRESS ? "In" : "Out")}{number}";
                    var created = acls[tier].AddEntry(name, new CommonNetworkAclEntryOptions
                    {
                        RuleNumber = number,
                        Direction = direction,
                        RuleAction = entry.Action,
                        Cidr = AclCidr.Ipv4(entry.Cidr),
                        Traffic = entry.From == 0 && entry.To == 65535 ? AclTraffic.AllTraffic() : entry.From == entry.To ? AclTraffic.TcpPort(entry.From) : AclTraffic.TcpPortRange(entry.From, entry.To),
                    });
                    if (tier == Tier.Public && entry is { Direction: TrafficDirection.INGRESS, Cidr: "0.0.0.0/0" } && entry.From <= 3389 && 3389 <= entry.To && entry.Action == allow)
                    {
                        Add(created, new Suppression("CT.EC2.PR.5",
                            "The answers to the NAT gateway's connections arrive on any of its source ports (1024-65535), RDP's included; nothing in the public subnets listens (NAT gateways, the load balancer on its listener port only)."));
                    }
                }
            }

            Add(acls[tier], new Suppression("AwsSolutions-VPC3",
                "The design has a network ACL per tier under the security groups; its rules come from one flow table (TierFlows) and eng/aws/checks/reachability.mjs checks them flow by flow."));
        }
    }
}
