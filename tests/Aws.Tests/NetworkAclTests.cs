using System.Text.Json.Nodes;

namespace Platform.Aws.Tests;

/// <summary>
/// The subnet layer under the security groups: each tier (public, app, data) has a network ACL of its own, and the data
/// tier's admits nothing from the public subnets or the internet. eng/aws/checks/reachability.mjs evaluates the ACLs,
/// routes and security groups together, flow by flow.
/// </summary>
public sealed class NetworkAclTests(ProdStackFixture stack) : IClassFixture<ProdStackFixture>
{
    private JsonObject Json => stack.Json;

    private Dictionary<string, string> SubnetTiers => Json.Resources("AWS::EC2::Subnet").ToDictionary(
        s => s.Id,
        s => s.Properties["Tags"]!.AsArray().Single(t => (string?)t!["Key"] == "aws-cdk:subnet-name")!["Value"]!.GetValue<string>());

    private Dictionary<string, string> AclOfSubnet => Json.Resources("AWS::EC2::SubnetNetworkAclAssociation").ToDictionary(
        a => (string)a.Properties["SubnetId"]!["Ref"]!,
        a => (string)a.Properties["NetworkAclId"]!["Ref"]!);

    [Fact]
    public void Each_tier_has_a_network_acl_of_its_own()
    {
        var tiers = SubnetTiers;
        var acls = AclOfSubnet;

        // Every subnet is associated (none left on the VPC's allow-all default ACL)…
        Assert.All(tiers.Keys, subnet => Assert.True(acls.ContainsKey(subnet), $"{subnet} ({tiers[subnet]}) uses the VPC's default network ACL"));
        // …each tier's subnets share one ACL, and no two tiers share one.
        var aclPerTier = tiers.GroupBy(t => t.Value).ToDictionary(g => g.Key, g => g.Select(t => acls[t.Key]).Distinct().ToList());
        Assert.Equal(["app", "data", "public"], aclPerTier.Keys.Order(StringComparer.Ordinal));
        Assert.All(aclPerTier.Values, list => Assert.Single(list));
        Assert.Equal(3, aclPerTier.Values.Select(list => list[0]).Distinct().Count());
    }

    [Fact]
    public void The_data_tier_admits_only_the_app_tier_and_itself_and_denies_the_public_subnets_first()
    {
        var tiers = SubnetTiers;
        var dataAcl = AclOfSubnet[tiers.First(t => t.Value == "data").Key];
        var cidrs = Json.Resources("AWS::EC2::Subnet").ToDictionary(s => (string)s.Properties["CidrBlock"]!, s => tiers[s.Id]);
        var ingress = Json.Resources("AWS::EC2::NetworkAclEntry")
            .Where(e => (string?)e.Properties["NetworkAclId"]!["Ref"] == dataAcl && !(bool)(e.Properties["Egress"] ?? false))
            .Select(e => (Rule: (int)e.Properties["RuleNumber"]!, Action: (string)e.Properties["RuleAction"]!, Cidr: (string)e.Properties["CidrBlock"]!))
            .OrderBy(e => e.Rule)
            .ToList();

        Assert.All(ingress.Where(e => e.Action == "allow"), e => Assert.Contains(cidrs.GetValueOrDefault(e.Cidr), new[] { "app", "data" }));
        var firstAllow = ingress.First(e => e.Action == "allow").Rule;
        var publicDenies = ingress.Where(e => e.Action == "deny" && cidrs.GetValueOrDefault(e.Cidr) == "public").ToList();
        Assert.Equal(3, publicDenies.Count); // prod: one public subnet per zone
        Assert.All(publicDenies, e => Assert.True(e.Rule < firstAllow, $"the deny of {e.Cidr} must come before every allow"));
    }
}
